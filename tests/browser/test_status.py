"""Issue 14 in a real browser: an auditor decides line by line on the statement's page; the
consumer's receipt link then shows where the withdrawal stands, with JavaScript off, without
an axe violation, and on paper (print media); a refused decision is a field error axe accepts
too."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from browser.support import AUDITOR, MIXED, PASSWORD, confirm, identify, open_from_home, select

if TYPE_CHECKING:
    from browser.support import NewContext
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page, one line per node."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    page.wait_for_load_state("load")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                       "resultTypes": ["violations"]})
    assert results.response["passes"], "axe checked nothing: did it run?"
    return [f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary']!r}"
            for v in results.response["violations"] for node in v["nodes"]]


def decide(page: Page, reference: str, outcome: str, *lines: str, reason: str = "") -> None:
    page.goto(f"/withdrawal/audit/statements/{reference}")
    form = page.locator("form.decision")
    for line in lines:
        form.get_by_label(line, exact=True).check()
    form.get_by_label(outcome, exact=True).check()
    if reason:
        form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()


def test_the_status_page_after_decisions_per_line(new_context: NewContext) -> None:
    consumer = new_context(java_script_enabled=False).new_page()
    open_from_home(consumer)
    identify(consumer, MIXED)
    consumer.get_by_role("checkbox").first.check()  # the excluded key too
    select(consumer)
    receipt = confirm(consumer)

    auditor = new_context(http_credentials={"username": AUDITOR, "password": PASSWORD})
    audit_page = auditor.new_page()
    decide(audit_page, receipt.reference, "Reject the withdrawal", "1: Office 2024 Home",
           reason="Art. 16(m) exclusion")
    decide(audit_page, receipt.reference, "Accept the withdrawal", "2: Cloud Backup 1 TB",
           "3: USB installation stick")
    decide(audit_page, receipt.reference, "Accept the withdrawal", "1: Office 2024 Home")
    error = audit_page.locator("#decide-lines-error")
    assert "record a correction before accepting it" in error.inner_text()
    assert axe_violations(audit_page) == []  # the audit page with its field error

    consumer.goto(receipt.url)  # JavaScript still off
    status = consumer.locator("section.status")
    text = status.inner_text()
    assert "We must refund you €44.90 by" in text
    due = status.locator("time").first.get_attribute("datetime") or ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", due), due
    assert "Withdrawal rejected" in text and "Withdrawal accepted" in text
    assert "Art. 16(m) exclusion" in consumer.locator("section.history").inner_text()
    assert consumer.locator("section.returns time").count() == 1

    reader = new_context().new_page()  # axe needs JavaScript; the page does not
    reader.goto(receipt.url)
    assert axe_violations(reader) == []
    reader.emulate_media(media="print")
    assert reader.locator("footer.site").is_hidden()
    assert reader.locator("p.download").is_hidden()
    assert reader.locator("section.status").is_visible()
    assert reader.pdf(format="A4").startswith(b"%PDF-")  # Chromium prints it
