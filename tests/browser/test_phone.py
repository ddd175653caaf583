"""On a phone (360×740 CSS px): the footer link is there without opening any menu (R2, Art.
11a(3) "prominently displayed, easily accessible"), no step needs horizontal scrolling (WCAG
1.4.10 reflow), and every link, button and checkbox is a target of at least 24×24 px (WCAG 2.2
2.5.8).

Exempt from the target size, as WCAG 2.5.8 allows: a link *inside a sentence* ("inline"), whose
size the line of text around it sets. The test calls a link inline when the text of its block
(paragraph, list item...) still has letters once every link's own text is taken out; a link
that stands alone or beside other links (the footer links, "Change your details", "Back", the
PDF links, the language switcher) must reach 24×24 itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from browser.support import (
    MIXED,
    NewContext,
    confirm,
    confirm_button,
    continue_button,
    footer_link,
    identify,
    open_from_home,
    screenshot,
    select,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

WIDTH = 360
PHONE: dict[str, Any] = {"viewport": {"width": WIDTH, "height": 740}, "is_mobile": True,
                         "has_touch": True, "device_scale_factor": 2}
MIN_TARGET = 24

#: Every target on the page, each focused first (the skip link shows only when focused), with
#: every disclosure (the language switcher) opened.
TARGETS = """() => {
  const blockOf = el => el.parentElement.closest('p, li, dd, dt, td, th, div, label, legend');
  const inSentence = el => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = blockOf(el);
    let rest = block ? block.innerText : '';
    for (const link of block ? block.querySelectorAll('a') : []) {
      rest = rest.replace(link.innerText, '');
    }
    return /\\p{L}/u.test(rest);
  };
  for (const disclosure of document.querySelectorAll('details')) disclosure.open = true;
  const found = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    el.focus();
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    // A link broken over two lines is as small as its smallest piece.
    const pieces = Array.from(el.getClientRects());
    if (!pieces.length) continue;  // not rendered
    found.push({html: el.outerHTML.slice(0, 100), inline: inSentence(el),
                width: Math.min(...pieces.map(r => r.width)),
                height: Math.min(...pieces.map(r => r.height))});
  }
  document.activeElement.blur();
  return found;
}"""


def too_small(page: Page) -> list[str]:
    targets: list[dict[str, Any]] = page.evaluate(TARGETS)
    assert targets, "no targets found"
    return [f"{t['width']:.0f}×{t['height']:.0f} {t['html']}" for t in targets
            if not t["inline"] and (t["width"] < MIN_TARGET or t["height"] < MIN_TARGET)]


def scroll_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def phone(new_context: NewContext, **options: Any) -> tuple[BrowserContext, Page]:
    context = new_context(**PHONE, **options)
    return context, context.new_page()


def assert_footer_link_on_screen(page: Page, lang: str = "en") -> None:
    """Scrolled to, the footer link is fully in the viewport: not hidden, not collapsed."""
    from playwright.sync_api import expect

    link = footer_link(page, lang)
    link.scroll_into_view_if_needed()
    expect(link).to_be_visible()
    expect(link).to_be_in_viewport(ratio=1)
    box = link.bounding_box()
    assert box is not None and box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, box


def test_footer_link_is_visible_on_a_phone_without_a_menu(new_context: NewContext) -> None:
    _context, page = phone(new_context)
    page.goto("/")
    assert_footer_link_on_screen(page)
    assert page.locator("footer details, footer [aria-expanded]").count() == 0
    footer_link(page).tap()
    page.wait_for_url("**/withdrawal/")
    assert_footer_link_on_screen(page)


@pytest.mark.parametrize(("lang", "locale"), [("en", "en-GB"), ("it", "it-IT")])
def test_steps_fit_a_phone_with_targets_large_enough(new_context: NewContext, lang: str,
                                                     locale: str) -> None:
    from playwright.sync_api import expect

    _context, page = phone(new_context, locale=locale)
    problems: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state()
        found = too_small(page)
        width = scroll_width(page)
        if width > WIDTH:
            found.append(f"page is {width} px wide: horizontal scrolling")
        problems[name] = found

    open_from_home(page, lang)
    if lang == "en":
        screenshot(page, "phone-step1-identify", full_page=False)
    check("step 1")
    continue_button(page).click()
    check("step 1, errors shown")
    identify(page, ("4711", "a.very.long.address.for.testing@example.org"))
    check("step 2, order not found")
    page.goto("/withdrawal/")
    identify(page, MIXED)
    check("step 2")
    select(page)
    # The button is visible at once, no scrolling needed (R7; OLG Köln 6 U 62/24).
    expect(confirm_button(page, lang)).to_be_in_viewport(ratio=1)
    if lang == "en":
        screenshot(page, "phone-step3-confirm", full_page=False)
    check("step 3")
    confirm(page, lang)
    check("receipt")
    assert_footer_link_on_screen(page, lang)
    page.goto("/")
    check("demo home page")
    dirty = {name: found for name, found in problems.items() if found}
    assert not dirty, "\n".join(f"[{n}] {line}" for n, found in dirty.items() for line in found)
