"""Without JavaScript (R4): the whole flow, the language switch, the unknown-order path, the
receipt, its PDF and the acknowledgement all work in a browser with JavaScript turned off."""

from __future__ import annotations

import pytest
from browser.support import (
    MIXED,
    Mailbox,
    NewContext,
    confirm,
    continue_button,
    download_pdf,
    identify,
    open_from_home,
    select,
    switch_language,
)

pytestmark = pytest.mark.browser


def test_the_whole_flow_without_javascript(new_context: NewContext, mailbox: Mailbox) -> None:
    page = new_context(java_script_enabled=False).new_page()
    open_from_home(page)
    switch_language(page, "Italiano")  # <details> opens natively
    page.wait_for_url("**/withdrawal/?lang=it")
    assert page.locator("html").get_attribute("lang") == "it"
    identify(page, MIXED)
    boxes = page.get_by_role("checkbox")
    boxes.first.check()  # the excluded key too
    boxes.last.uncheck()  # but not the goods
    select(page)
    receipt = confirm(page, "it")
    assert page.locator("main ul.lines > li").count() == 2
    download_pdf(page, receipt)
    message = mailbox.wait_for(lambda m: receipt.reference in str(m.message()["Subject"]))
    assert MIXED[1] in message.rcpt_tos


def test_an_unknown_order_without_javascript(new_context: NewContext, mailbox: Mailbox) -> None:
    """R11: nothing found, the consumer describes the contract and still sends the statement."""
    page = new_context(java_script_enabled=False).new_page()
    open_from_home(page)
    identify(page, ("A-99", "nobody@example.org"), name="Jan Novák")
    assert page.get_by_role("checkbox").count() == 0
    page.locator("#description").fill("Windows 11 Pro key, bought on 3 March")
    continue_button(page).click()
    page.wait_for_url("**/withdrawal/confirm")
    receipt = confirm(page)
    message = mailbox.wait_for(lambda m: receipt.reference in str(m.message()["Subject"]))
    assert message.rcpt_tos == ["nobody@example.org"]
    body = message.message().get_body(("plain",)).get_content()
    assert "Windows 11 Pro key, bought on 3 March" in body
    assert "Jan Novák" in body
