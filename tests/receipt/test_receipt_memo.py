"""Paragraphs laid out once per process (issue 16, the warm receipt; ``receipt/paragraphs.py``):
a receipt has the same bytes whether its paragraphs were laid out for it or by earlier
receipts, a paragraph split between pages included; a text set in a fallback font is never
kept; the memos are bounded; and a receipt after the first parses only what changed."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations
from demo_receipts import NAMES, demo_receipt, demo_statement
from pypdf import PdfReader
from reportlab.platypus.paraparser import ParaParser

from withdrawal.receipt import document, paragraphs
from withdrawal.receipt.pdf import render_receipt_pdf
from withdrawal.statement import canonical_json

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
_UNMEMOISED = document._marked

#: An unknown order whose description (one paragraph) runs over two pages.
LONG = "\n".join(f"Line {n}: a Windows key bought on {n} November, paid by PayPal, "
                 "never activated on any computer." for n in range(1, 90))


def forget() -> None:
    paragraphs.clear()
    document._MARKED.clear()


def render(statement: dict[str, Any]) -> bytes:
    return render_receipt_pdf(
        statement, statement_hash=hashlib.sha256(canonical_json(statement)).hexdigest(),
        gettext=lambda message: message, locale="en")


def long_description() -> dict[str, Any]:
    return {**demo_statement("unknown"), "contract_description": LONG}


def translated(locale: str) -> Any:
    return Translations.load(str(TRANSLATIONS), [locale], domain="withdrawal")


def render_in(statement: dict[str, Any], locale: str) -> bytes:
    catalogue = translated(locale)
    return render_receipt_pdf(
        statement, statement_hash=hashlib.sha256(canonical_json(statement)).hexdigest(),
        gettext=catalogue.gettext, pgettext=catalogue.pgettext, locale=locale)


@pytest.mark.parametrize("locale", ["en", "de", "es", "fr", "it", "nl", "pl", "pt"])
def test_the_memos_change_no_byte_of_any_receipt(
    locale: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every demo receipt, and every choice of the mixed order's lines (the Italian items
    table splits a cell between pages), gives the bytes it gives without any memo: cold,
    and again after the others laid their paragraphs out."""
    mixed = demo_statement("1008", locale)
    statements = [demo_statement(name, locale) for name in NAMES] + [
        {**mixed, "lines": [mixed["lines"][i] for i in chosen]}
        for chosen in ([1, 2], [0, 1], [0, 2], [0], [1], [2])]
    with monkeypatch.context() as plain:
        plain.setattr(document, "_marked", lambda text, breaks, bold, memo=False: (
            _UNMEMOISED(text, breaks, bold)[0], False))
        expected = [render_in(statement, locale) for statement in statements]
    forget()
    assert [render_in(statement, locale) for statement in statements] == expected
    assert [render_in(statement, locale) for statement in statements] == expected


@pytest.mark.parametrize("name", [*NAMES, "long description"])
def test_a_receipt_is_the_same_whether_laid_out_now_or_before(name: str) -> None:
    def make() -> bytes:
        return render(long_description()) if name == "long description" else demo_receipt(name)

    forget()
    cold = make()
    for other in NAMES:  # every other receipt lays out its paragraphs first
        demo_receipt(other)
    render(long_description())
    assert make() == cold
    assert make() == cold


def test_a_paragraph_split_between_pages_leaves_the_kept_layout_alone() -> None:
    forget()
    pdf = render(long_description())
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    holding = [n for n, page in enumerate(pages) if "never activated" in page]
    assert len(holding) >= 2 and "Line 1:" in pages[holding[0]]
    text = " ".join(pages)
    assert all(f"Line {n}: " in text for n in range(1, 90)) and "Line 89:" in pages[holding[-1]]
    short = {**demo_statement("unknown"), "contract_description": LONG[:200]}
    forget()
    alone = render(short)
    render(long_description())  # its split must not change what the short one reuses
    render(long_description())
    assert render(short) == alone


def test_a_text_in_a_fallback_font_is_never_kept() -> None:
    forget()
    demo_receipt("scripts")
    kept = [key[0] for key in paragraphs.PARSED.keys()]
    assert kept and not any("<font" in text for text in kept)
    assert not any("王" in key[0] for key in document._MARKED.keys())


def test_the_second_receipt_parses_only_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    forget()
    calls: list[str] = []
    parse = ParaParser.parse

    def counting(self: ParaParser, text: str, style: Any) -> Any:
        calls.append(text)
        return parse(self, text, style)

    monkeypatch.setattr(ParaParser, "parse", counting)
    demo_receipt("1008")
    first = len(calls)
    calls.clear()
    other = {**demo_statement("1008"), "name": "Another Customer", "email": "other@demo.example"}
    render(other)
    # Only the statement's own data is parsed again (the fields' values, the items' titles
    # and bullets, the reference, the hash): the headings, labels and sentences that recur
    # were parsed by the first receipt.
    assert first >= 60
    assert len(calls) <= first // 2, calls
    recurring = ("What happens next", "Items you withdrew from", "Where your withdrawal is valid",
                 "This document acknowledges receipt", "SHA-256 of the statement")
    assert not [text for text in calls if text.startswith(recurring)], calls


def test_the_memos_are_bounded() -> None:
    memo = paragraphs.Memo(capacity=3)
    for n in range(10):
        memo.put(n, str(n))
    assert len(memo) == 3 and memo.get(0) is None and memo.get(9) == "9"
    memo.get(7)
    memo.put(10, "10")
    assert memo.get(7) == "7" and memo.get(8) is None


def test_a_statement_s_own_data_is_kept_by_no_memo() -> None:
    """A name, an e-mail address, an order number, a contract's description, a line's title,
    the reference and the hash would not recur: no memo holds them (personal data stays out
    of the process's memory)."""
    forget()
    statement = {**long_description(), "name": "Zygmunt Wróblewski-Kowalczyk",
                 "email": "zygmunt.private@example.org", "order_number": "ORD-99817",
                 "contract_description": "My very own licence, bought at the Gdańsk fair"}
    render(statement)
    lined = {**demo_statement("1008"), "name": "Zygmunt Wróblewski-Kowalczyk"}
    lined["lines"] = [{**line, "title": "Zygmunt's private title"} for line in lined["lines"]]
    render(lined)
    digest = hashlib.sha256(canonical_json(statement)).hexdigest()
    kept = " ".join(str(key) for memo in (paragraphs.PARSED, paragraphs.LAID_OUT,
                                          document._MARKED) for key in memo.keys())
    for own in ("Zygmunt", "zygmunt.private", "ORD-99817", "Gdańsk", "W-DEMO", digest):
        assert own not in kept, own
    assert "Items you withdrew from" in kept  # the texts that recur are kept
