"""What the browser tests share: the consumer's walk through the function, found the way a
person finds it (the footer link by its accessible name, the confirm button by role and exact
label), the checks several tests make on every page, and the types of the fixtures
(``NewContext``, ``Shop``, ``Mailbox``).

UI sentences in it/de/fr may still be English while translations are written, so nothing here
matches translated UI text: only the statutory labels, references, ARIA roles and form ids.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support import REFERENCE, Received, SMTPServer

from withdrawal.labels import CATALOGUE, StatutoryLabels

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

AUDITOR = "auditor"
PASSWORD = "pw"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

#: The demo orders the tests use (README, "Demo orders").
MIXED = ("1008", "mixed@demo.example")  # excluded key, undelivered key, goods
NOT_DELIVERED = ("1003", "pending@demo.example")


#: The ``new_context`` fixture: ``new_context(locale=..., viewport=..., java_script_enabled=...)``.
NewContext = Callable[..., "BrowserContext"]


@dataclass
class Shop:
    """The demo shop running as a real server."""

    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Mailbox(SMTPServer):
    """The SMTP server, with a way to wait for a message instead of sleeping."""

    _arrived: threading.Condition = field(default_factory=threading.Condition, repr=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        with self._arrived:
            self._arrived.notify_all()
        return answer

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 20) -> Received:
        """The first message ``predicate`` accepts, waiting up to ``timeout`` seconds."""
        with self._arrived:
            found = self._arrived.wait_for(
                lambda: next((m for m in self.messages if predicate(m)), None), timeout)
        assert found is not None, f"no matching e-mail within {timeout} s: {self.messages}"
        return found


def labels(lang: str) -> StatutoryLabels:
    return CATALOGUE[lang]


@dataclass
class Receipt:
    reference: str
    url: str


def footer_link(page: Page, lang: str = "en") -> Locator:
    """The entry link, inside the page's footer landmark, by its accessible name (R1, R2)."""
    return page.get_by_role("contentinfo").get_by_role(
        "link", name=labels(lang).entry, exact=True)


def open_from_home(page: Page, lang: str = "en") -> None:
    """The demo home page, then the footer link: one click to step 1 (R2)."""
    page.goto("/")
    footer_link(page, lang).click()
    page.wait_for_url("**/withdrawal/")
    assert_step_one(page, lang)


def assert_step_one(page: Page, lang: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(labels(lang).entry)


def continue_button(page: Page) -> Locator:
    """The one button of steps 1 and 2 (its text is UI copy, so found by role in the form)."""
    return page.get_by_role("main").locator("form").get_by_role("button")


def identify(page: Page, order: tuple[str, str], name: str = "Maria Rossi") -> None:
    """Step 1: name, e-mail address, order number (R5); on to step 2."""
    number, email = order
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#order_number").fill(number)
    continue_button(page).click()
    page.wait_for_url("**/withdrawal/select")


def select(page: Page) -> None:
    """Step 2 with the default choice (every withdrawable line); on to step 3."""
    continue_button(page).click()
    page.wait_for_url("**/withdrawal/confirm")


def confirm_button(page: Page, lang: str = "en") -> Locator:
    """The confirmation function: a button whose accessible name is exactly the label (R6)."""
    return page.get_by_role("button", name=labels(lang).confirm, exact=True)


def confirm(page: Page, lang: str = "en") -> Receipt:
    """Step 3: the button labelled exactly with the locale's confirm label; the receipt."""
    button = confirm_button(page, lang)
    assert button.inner_text().strip() == labels(lang).confirm
    button.click()
    page.wait_for_url("**/withdrawal/receipt/*")
    return receipt_on(page)


def receipt_on(page: Page) -> Receipt:
    """The reference the on-screen receipt shows (R10)."""
    text = page.locator("dl.receipt").inner_text()
    match = REFERENCE.search(text)
    assert match, f"no reference on the receipt: {text!r}"
    return Receipt(match.group(0), page.url)


def download_pdf(page: Page, receipt: Receipt) -> bytes:
    """The receipt's PDF through the browser's own download (R10)."""
    with page.expect_download() as started:
        pdf_link(page).click()
    download = started.value
    assert download.suggested_filename == f"withdrawal-{receipt.reference}.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-"), data[:20]
    return data


def pdf_link(page: Page) -> Locator:
    return page.locator("main a[download][href$='/withdrawal.pdf']")


def screenshot(page: Page, name: str, full_page: bool = True) -> None:
    """Write docs/screenshots/<name>.png, only when WITHDRAWAL_SCREENSHOTS=1 (CI does not
    rewrite tracked files)."""
    if os.environ.get("WITHDRAWAL_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def switch_language(page: Page, name: str) -> None:
    """The switcher in the page's banner: open the disclosure, follow the language's link."""
    banner = page.get_by_role("banner")
    banner.locator("nav summary").click()
    banner.get_by_role("link", name=name, exact=True).click()
