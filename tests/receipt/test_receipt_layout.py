"""The receipt's layout as text (issue 17): one items table, no section alone on the last
page, wording that fits an unknown order, reasons that say a shared sentence once, and names
in any script kept legible and extractable through the fallback fonts."""

from __future__ import annotations

import ast
import io
import logging
import re
from pathlib import Path
from typing import Any, cast

import pytest
from demo_receipts import NAMES, demo_receipt
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from withdrawal.receipt import fallback

REPO = Path(__file__).resolve().parents[2]
HEADINGS = ("Trader", "Your withdrawal", "Your details", "Items you withdrew from",
            "Your statement", "The labels you were shown", "What this acknowledgement means",
            "What happens next", "Record of your statement")
SHARED = "The exception for digital content therefore cannot remove your right of withdrawal"


def pages_text(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def headings_on(text: str) -> list[str]:
    return [heading for heading in HEADINGS if re.search(rf"(^| ){re.escape(heading)} ", text)]


def test_items_are_one_table_with_its_header_once_per_page() -> None:
    # Order 1008: three lines that do not fit on the first page (and, with the return
    # instructions for its goods line, a third page for the record).
    pages = pages_text(demo_receipt("1008"))
    assert len(pages) == 3
    assert [page.count("Assessment when you submitted") for page in pages] == [1, 1, 0]
    text = " ".join(pages)
    assert text.index("Office 2024 Home") < text.index("Cloud Backup 1 TB") < text.index(
        "USB installation stick")


@pytest.mark.parametrize("name", NAMES)
def test_no_section_stands_alone_on_the_last_page(name: str) -> None:
    pages = pages_text(demo_receipt(name))
    last = pages[-1]
    if len(pages) > 1:
        # A page that holds nothing but one short section (or only the end of one) is the
        # layout fault; the record's section brings the end of the previous one along.
        assert len(headings_on(last)) >= 2 or len(last) > 1500, last[:300]


def test_an_unknown_order_fits_one_page_and_speaks_of_no_items() -> None:
    pages = pages_text(demo_receipt("unknown"))
    assert len(pages) == 1
    assert "assessment of each item above" not in pages[0]
    assert "we will identify the contract from your description" in pages[0]


def test_a_matched_order_still_says_the_assessment_is_provisional() -> None:
    assert "the assessment of each item above is provisional" in " ".join(
        pages_text(demo_receipt("1002")))


def test_a_sentence_three_reasons_end_with_is_said_once() -> None:
    # Order 1002: consent, acknowledgement and confirmation all missing (Art. 16(m)).
    text = " ".join(pages_text(demo_receipt("1002")))
    assert text.count(SHARED) == 1
    for fact in ("expressly agreed", "acknowledged that you would lose",
                 "confirmed your agreement and acknowledgement"):
        assert fact in text
    # Said after the last fact it concludes from.
    assert text.index("confirmed your agreement and acknowledgement") < text.index(SHARED)


def test_names_in_any_script_print_and_extract() -> None:
    pdf = demo_receipt("scripts")
    text = " ".join(pages_text(pdf))
    for fragment in ("王小明", "🙂", "写真スタジオ", "★", "✓", "한국어 라이선스 키", "김민준",
                     "USB 安装盘 ⌀ 12 mm", "👍"):
        assert fragment in text, fragment


def _fonts(pdf: bytes) -> dict[str, DictionaryObject]:
    found: dict[str, DictionaryObject] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            font = cast(DictionaryObject, font.get_object())
            found[str(font["/BaseFont"])] = font
    return found


def test_fallback_fonts_are_embedded_subsets_in_both_weights() -> None:
    pdf = demo_receipt("scripts")
    fonts = _fonts(pdf)
    fallbacks = [name for name in fonts if "WithdrawalFallback" in name]
    # Chinese, Japanese, Korean, symbols and emoji; the statement's bullets are bold.
    assert {re.search(r"WithdrawalFallback-(\w+)-", n).group(1) for n in fallbacks} >= {  # type: ignore[union-attr]
        "sc", "jp", "kr", "symbols", "emoji"}
    assert any("-700-" in name for name in fallbacks) and any("-400-" in name for name in fallbacks)
    for font in fonts.values():
        descriptor = font.get("/FontDescriptor")
        assert descriptor is not None and "/FontFile2" in descriptor.get_object()
    # Cut to the few characters used, not 17 MB of Noto Sans SC.
    assert len(pdf) < 200_000


def test_font_runs_keep_latin_in_the_base_font_and_split_the_rest() -> None:
    covered = frozenset(range(0x20, 0x250))
    assert fallback.font_runs("Maria Rossi", covered, bold=False) == [(None, "Maria Rossi")]
    runs = fallback.font_runs("Wáng 王小明 🙂", covered, bold=True)
    assert [text for _font, text in runs] == ["Wáng ", "王小明", " ", "🙂"]
    assert runs[1][0] and "-sc-700-" in runs[1][0]
    assert runs[3][0] and "-emoji-700-" in runs[3][0]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        pytest.param("山田 はなこ", "jp", id="kana-means-japanese"),
        pytest.param("김 민준 金", "kr", id="hangul-means-korean"),
        pytest.param("王小明", "sc", id="ideographs-alone-in-chinese-forms"),
    ],
)
def test_the_cjk_face_follows_the_script(text: str, first: str) -> None:
    assert fallback.cjk_preference(text)[0] == first


def test_a_missing_font_package_degrades_to_the_base_font(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(fallback.FACES, "emoji",
                        fallback.Face("emoji", "no_such_font_package", "Emoji.ttf"))
    fallback._source.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=fallback.__name__):
            runs = fallback.font_runs("🙂", frozenset(), bold=False)
        assert runs == [(None, "🙂")]  # an empty box, and the receipt still goes out
        assert "fallback font emoji unavailable" in caplog.text
    finally:
        fallback._source.cache_clear()


def test_the_same_text_gives_the_same_font_bytes() -> None:
    first = fallback.subset_font("sc", 400, [0x738B], "Same")
    assert fallback.subset_font("sc", 400, [0x738B], "Same") == first


def test_old_registrations_are_forgotten_beyond_the_capacity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reportlab.pdfbase import pdfmetrics

    monkeypatch.setattr(fallback, "CAPACITY", 1)
    monkeypatch.setattr(fallback, "_IDLE_BEFORE_EVICTION", 0.0)
    first = fallback.run_font("sc", 400, "甲")
    second = fallback.run_font("sc", 400, "乙")
    assert second in pdfmetrics.getRegisteredFontNames()
    assert first not in pdfmetrics.getRegisteredFontNames()


@pytest.mark.parametrize("module", ["receipt/fallback.py", "eligibility/wording.py"])
def test_new_document_modules_do_not_import_flask(module: str) -> None:
    tree = ast.parse((REPO / "withdrawal" / module).read_text())
    imported: set[Any] = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import)
                          for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(name.startswith(("flask", "withdrawal.i18n")) for name in imported)
