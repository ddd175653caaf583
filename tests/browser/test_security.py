"""In the browser: the withdrawal pages load nothing from any origin but the shop's, carry the
strict Content-Security-Policy without anything on them breaking it, and the PDFs it serves
inline still open in Chromium's viewer under that policy (withdrawal/security.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from browser.support import (
    MIXED,
    NewContext,
    Shop,
    confirm,
    continue_button,
    download_pdf,
    identify,
    open_from_home,
    select,
    switch_language,
)

from withdrawal.security import CONTENT_SECURITY_POLICY

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Response

pytestmark = pytest.mark.browser

PDF_VIEWER = "chrome-extension://"


def test_steps_load_nothing_from_elsewhere_and_keep_the_policy(new_context: NewContext,
                                                               shop: Shop) -> None:
    page = new_context().new_page()
    requested: list[str] = []
    documents: list[Response] = []
    broken: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("response", lambda r: documents.append(r) if r.request.resource_type == "document"
            else None)
    page.on("console", lambda message: _policy_violation(message, broken))
    page.on("pageerror", lambda error: broken.append(str(error)))

    open_from_home(page)
    switch_language(page, "Deutsch")
    page.wait_for_url("**/withdrawal/?lang=de")
    continue_button(page).click()  # errors shown
    page.wait_for_load_state()
    identify(page, MIXED)
    select(page)
    receipt = confirm(page, "de")
    download_pdf(page, receipt)

    assert requested and all(url.startswith(shop.url + "/") for url in requested), \
        [url for url in requested if not url.startswith(shop.url + "/")]
    assert not broken, broken
    pages = {r.url.removeprefix(shop.url): r.all_headers() for r in documents}
    withdrawal_pages = {url: h for url, h in pages.items() if url.startswith("/withdrawal/")}
    assert len(withdrawal_pages) >= 4, pages.keys()
    for url, headers in withdrawal_pages.items():
        assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, url
        assert headers.get("x-content-type-options") == "nosniff", url
    assert "content-security-policy" not in pages["/"], "the host's own page is not ours"
    assert pages[receipt.url.removeprefix(shop.url)]["referrer-policy"] == "no-referrer"


def _policy_violation(message: ConsoleMessage, found: list[str]) -> None:
    if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
        found.append(message.text)


def _opens_in_pdf_viewer(page: Page, url: str) -> Response:
    """Navigate to an inline PDF and wait until Chromium's PDF viewer has loaded it."""
    with page.expect_event("framenavigated",
                           predicate=lambda frame: frame.url.startswith(PDF_VIEWER)):
        response = page.goto(url)
    assert response is not None and response.status == 200
    headers = response.all_headers()
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("inline")
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    return response


def test_pdfs_served_inline_open_in_the_viewer_under_the_policy(new_context: NewContext) -> None:
    page = new_context().new_page()
    open_from_home(page)
    identify(page, MIXED)
    select(page)
    confirm(page)
    view = page.locator("main p.download a:not([download])").get_attribute("href")
    assert view and view.endswith("/withdrawal.pdf?view=1")
    model_form = page.get_by_role("main").locator("a[href$='/model-form.pdf']")
    model_form_url = model_form.get_attribute("href") or ""

    _opens_in_pdf_viewer(page, view)
    _opens_in_pdf_viewer(page, model_form_url)
