"""Accessibility in a real browser (R19, WCAG 2.1 AA): axe-core finds no violation on any page
of the flow, in English and Italian, nor on the audit area; the whole flow works with the
keyboard alone, with a visible focus on every control; the confirm button's accessible name is
its visible label (R6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from browser.support import (
    AUDITOR,
    MIXED,
    PASSWORD,
    NewContext,
    Shop,
    confirm,
    confirm_button,
    continue_button,
    footer_link,
    identify,
    labels,
    open_from_home,
    pdf_link,
    receipt_on,
    select,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
LOCALES = {"en": "en-GB", "it": "it-IT", "de": "de-DE", "fr": "fr-FR"}
UNKNOWN_ORDER = ("4711", "someone@example.org")


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page, one line per node, with every
    disclosure (the language switcher) opened so that its content is checked too."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    page.wait_for_load_state("load")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.response["passes"], "axe checked nothing: did it run?"
    return [f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary']!r}"
            for v in results.response["violations"] for node in v["nodes"]]


class AxeAudit:
    """Runs axe on each page visited and reports every page's violations at the end."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: dict[str, list[str]] = {}

    def check(self, name: str) -> None:
        self.found[name] = axe_violations(self.page)

    def assert_clean(self) -> None:
        assert self.found, "no page checked"
        dirty = {name: found for name, found in self.found.items() if found}
        assert not dirty, "axe found WCAG 2.1 AA violations:\n" + "\n".join(
            f"[{name}] {line}" for name, found in dirty.items() for line in found)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_no_axe_violation_on_any_page_of_the_flow(new_context: NewContext, lang: str) -> None:
    context = new_context(locale=LOCALES[lang])
    page = context.new_page()
    audit = AxeAudit(page)
    open_from_home(page, lang)
    audit.check("step 1")
    page.goto("/")
    audit.check("demo home page")

    footer_link(page, lang).click()
    continue_button(page).click()  # nothing filled in
    audit.check("step 1, errors shown")

    identify(page, UNKNOWN_ORDER)
    audit.check("step 2, order not found")
    select(page)
    audit.check("step 3, order not found")

    page.goto("/withdrawal/")
    identify(page, MIXED)
    audit.check("step 2")
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    continue_button(page).click()
    page.wait_for_load_state()
    audit.check("step 2, error shown")
    page.get_by_role("checkbox").last.check()
    select(page)
    audit.check("step 3")

    confirm(page, lang)
    audit.check("receipt")
    model_form = page.get_by_role("main").locator("a[href$='/model-form.pdf']")
    answer = context.request.get(model_form.get_attribute("href") or "")
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-")

    assert page.goto("/withdrawal/receipt/not-a-valid-token").status == 404  # type: ignore[union-attr]
    audit.check("receipt not found")

    page.goto("/withdrawal/")
    context.clear_cookies()  # the session (and its CSRF secret) has expired
    page.locator("#name").fill("Maria Rossi")
    continue_button(page).click()
    page.wait_for_load_state()
    audit.check("session expired")
    audit.assert_clean()


def test_axe_does_see_a_violation_under_the_pages_policy(page: Page) -> None:
    """The control: axe runs on our pages despite their strict CSP and reports what it finds."""
    page.goto("/withdrawal/")
    page.evaluate("document.querySelector('label[for=name]').remove()")
    assert any(line.startswith("label ") for line in axe_violations(page))


@pytest.mark.parametrize("lang", ["en", "it"])
def test_no_axe_violation_in_the_audit_area(new_context: NewContext, shop: Shop,
                                            lang: str) -> None:
    consumer = new_context(locale=LOCALES[lang]).new_page()
    open_from_home(consumer, lang)
    identify(consumer, MIXED)
    select(consumer)
    reference = confirm(consumer, lang).reference

    anonymous = new_context().request.get("/withdrawal/audit/")
    assert anonymous.status == 401, "the audit area must not open without credentials"
    page = new_context(locale=LOCALES[lang], http_credentials={
        "username": AUDITOR, "password": PASSWORD}).new_page()
    audit = AxeAudit(page)
    for name, path in [("audit overview", "/withdrawal/audit/"),
                       ("audit list", "/withdrawal/audit/statements"),
                       ("audit list, search", f"/withdrawal/audit/statements?q={reference}"),
                       ("audit statement", f"/withdrawal/audit/statements/{reference}"),
                       ("audit integrity", "/withdrawal/audit/integrity")]:
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        audit.check(name)
    audit.assert_clean()


def accessible_name(page: Page, selector: str) -> tuple[str, str]:
    """Role and name of the element as Chromium's accessibility tree computes them."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        ax: Any = cdp.send("Accessibility.getPartialAXTree",
                           {"nodeId": node, "fetchRelatives": False})["nodes"][0]
        return ax["role"]["value"], ax["name"]["value"]
    finally:
        cdp.detach()


@pytest.mark.parametrize("lang", ["en", "it", "de", "fr"])
def test_confirm_button_name_is_its_visible_label(new_context: NewContext, lang: str) -> None:
    page = new_context(locale=LOCALES[lang]).new_page()
    page.goto("/withdrawal/")
    identify(page, UNKNOWN_ORDER)
    select(page)
    button = confirm_button(page, lang)
    visible = button.inner_text().strip()
    assert visible == labels(lang).confirm
    assert accessible_name(page, "main form button") == ("button", visible)


FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim(),
          href: el.getAttribute('href') || '', type: el.getAttribute('type') || '',
          checked: !!el.checked, outline: style.outlineStyle, width: style.outlineWidth,
          onscreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
                    && box.left < innerWidth};
}"""


class Keyboard:
    """Tab through a page like a keyboard user, checking the focus is visible at every stop."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.stops = 0

    def focused(self) -> dict[str, Any]:
        state: dict[str, Any] | None = self.page.evaluate(FOCUS_STATE)
        assert state is not None, "the focus left the page's controls"
        return state

    def tab_to(self, wanted: Any, limit: int = 60) -> dict[str, Any]:
        """Press Tab until ``wanted(focused element state)`` holds."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            state = self.focused()
            self.stops += 1
            assert state["outline"] != "none" and state["width"] != "0px", \
                f"no visible focus on {state}"
            assert state["onscreen"], f"the focused element is off screen: {state}"
            if wanted(state):
                return state
        raise AssertionError(f"{limit} tabs without reaching the control")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)


def test_the_whole_flow_with_the_keyboard_alone(new_context: NewContext) -> None:
    page = new_context().new_page()
    keys = Keyboard(page)
    page.goto("/")
    entry = labels("en").entry
    keys.tab_to(lambda s: s["text"] == entry)
    page.keyboard.press("Enter")
    page.wait_for_url("**/withdrawal/")

    for name, code in [("Italiano", "it"), ("English", "en")]:  # the switcher, and back
        keys.tab_to(lambda s: s["tag"] == "summary")
        page.keyboard.press("Enter")  # opens the disclosure
        keys.tab_to(lambda s, name=name: s["text"] == name)
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/withdrawal/?lang={code}")

    for field, value in [("name", "Maria Rossi"), ("email", MIXED[1]),
                         ("order_number", MIXED[0])]:
        keys.tab_to(lambda s, f=field: s["id"] == f)
        keys.type(value)
    keys.tab_to(lambda s: s["tag"] == "button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/withdrawal/select")

    first = keys.tab_to(lambda s: s["type"] == "checkbox")
    assert not first["checked"], "the excluded key is not preselected"
    page.keyboard.press("Space")  # withdraw from it too (R11: every line stays selectable)
    assert keys.focused()["checked"]
    keys.tab_to(lambda s: s["tag"] == "button")
    page.keyboard.press("Space")
    page.wait_for_url("**/withdrawal/confirm")

    keys.tab_to(lambda s: s["tag"] == "button" and s["text"] == labels("en").confirm)
    page.keyboard.press("Enter")
    page.wait_for_url("**/withdrawal/receipt/*")
    receipt = receipt_on(page)
    assert page.locator("main li").count() == 3

    keys.tab_to(lambda s: s["href"].endswith("/withdrawal.pdf") and "view" not in s["href"])
    with page.expect_download() as started:
        page.keyboard.press("Enter")
    assert started.value.suggested_filename == f"withdrawal-{receipt.reference}.pdf"
    assert pdf_link(page).count() == 1
    assert keys.stops > 10
