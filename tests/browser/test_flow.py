"""End to end in a real browser, in en, it, de and fr: from the demo shop's home page through
the footer link, the three steps and the confirm button to the on-screen receipt, its PDF and
the acknowledgement caught by a real SMTP server (R1, R2, R5, R6, R9, R10)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from browser.support import (
    MIXED,
    Mailbox,
    NewContext,
    Receipt,
    assert_step_one,
    confirm,
    confirm_button,
    download_pdf,
    footer_link,
    identify,
    labels,
    open_from_home,
    screenshot,
    select,
    switch_language,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def acknowledgement(mailbox: Mailbox, receipt: Receipt, email: str) -> EmailMessage:
    """The e-mail to the consumer that names the receipt's reference (R9)."""
    received = mailbox.wait_for(
        lambda m: email in m.rcpt_tos and receipt.reference in str(m.message()["Subject"]))
    message: EmailMessage = received.message()
    return message


def attachment(message: EmailMessage, filename: str) -> bytes:
    for part in message.iter_attachments():
        if part.get_filename() == filename:
            content: bytes = part.get_content()
            return content
    raise AssertionError(f"no attachment {filename}")


@pytest.mark.parametrize(("lang", "locale"), [
    pytest.param("en", "en-GB", id="en"),
    pytest.param("it", "en-GB", id="it-language-switcher"),
    pytest.param("de", "de-DE", id="de-accept-language"),
    pytest.param("fr", "fr-FR", id="fr-accept-language"),
])
def test_withdraw_from_the_footer_link_to_the_acknowledgement(
        new_context: NewContext, mailbox: Mailbox, lang: str, locale: str) -> None:
    from playwright.sync_api import expect

    page = new_context(locale=locale, viewport=DESKTOP).new_page()
    home_lang = "en" if locale == "en-GB" else lang
    open_from_home(page, home_lang)
    if lang != home_lang:  # the switcher on step 1, a plain link: no JavaScript needed
        switch_language(page, "Italiano")
        page.wait_for_url("**/withdrawal/?lang=it")
        assert_step_one(page, lang)
    expect(footer_link(page, lang)).to_be_visible()
    if lang == "en":
        screenshot(page, "step1-identify")

    identify(page, MIXED)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    boxes = page.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    # Every line selectable (R11); preselected: the withdrawable ones, not the excluded key.
    assert [box.is_checked() for box in boxes.all()] == [False, True, True]
    if lang == "en":
        screenshot(page, "step2-select")

    select(page)
    expect(confirm_button(page, lang)).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(1)
    if lang == "en":
        screenshot(page, "step3-confirm")

    receipt = confirm(page, lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    # The receipt records the exact labels the consumer saw.
    expect(page.locator("main")).to_contain_text(labels(lang).entry)
    expect(page.locator("main")).to_contain_text(labels(lang).confirm)
    if lang == "en":
        screenshot(page, "receipt")

    message = acknowledgement(mailbox, receipt, MIXED[1])
    assert message["Content-Language"] == lang
    assert receipt.reference in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    pdf = download_pdf(page, receipt)
    assert attachment(message, f"withdrawal-{receipt.reference}.pdf") == pdf
