"""The acknowledgement of receipt (Art. 11a(4) CRD; R9, R10): content, languages, escaping,
the embedded statement, metadata and byte-for-byte reproducibility."""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from babel.messages.extract import extract_from_file
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from support import pdf_text, squash

from withdrawal.eligibility import STATUS_MESSAGES
from withdrawal.eligibility import model as eligibility_model
from withdrawal.receipt import pdf as receipt_pdf
from withdrawal.receipt import receipt_context, receipt_lines
from withdrawal.receipt.pdf import attachment_name, render_receipt_pdf
from withdrawal.statement import canonical_json

Render = Callable[..., bytes]
REPO = Path(__file__).resolve().parents[2]


def test_shows_every_field_of_the_statement(render: Render, statement: dict[str, Any]) -> None:
    text = pdf_text(render(statement))
    expected = [
        "Acknowledgement of receipt of your withdrawal",
        "Demo Keys S.r.l.",
        "Via Roma 1 20121 Milano Italy",
        "support@demo.example",
        "W-7K3M-9QX2",
        "Maria Rossi",
        "maria@example.com",
        "Order number 1001",
        "Office 2024 Professional licence key",
        "Windows 11 Pro licence key",
        "€19.99",
        "€9.50",
        "€1,234.50",
        "You can withdraw from this item.",
        "The right of withdrawal seems not to apply to this item.",
        "You have already withdrawn from this item.",
        "Withdrawal period began: November 20, 2026",
        "Withdrawal period ends: Friday, December 4, 2026, 11:59:59 PM Central European "
        "Standard Time",
        "you can withdraw without paying anything for it. (CRD Art. 16(m))",
        "with statement W-2B4D-6F8H, so you do not need",
        "I hereby withdraw from my contract for the following items:",
        "Windows 11 Pro licence key × 2",
        "Recedere dal contratto qui",
        "Conferma recesso",
    ]
    missing = [fragment for fragment in expected if squash(fragment) not in text]
    assert not missing


def test_shows_submission_time_in_utc_and_local_time_with_the_zone(
    render: Render, statement: dict[str, Any]
) -> None:
    text = pdf_text(render(statement))
    assert squash("Sunday, November 22, 2026, 10:11:12\u202fAM Coordinated Universal Time") in text
    assert "Your local time (Europe/Rome)" in text
    assert squash("Sunday, November 22, 2026, 11:11:12\u202fAM Central European Standard Time") in (
        text
    )
    assert "2026-11-22T10:11:12.123456+00:00" in text  # the legal timestamp, microseconds kept


def test_deadline_is_shown_in_the_zone_it_was_computed_in(
    render: Render, statement: dict[str, Any]
) -> None:
    statement["lines"][0]["assessment"]["deadline_timezone"] = "Europe/Lisbon"
    text = pdf_text(render(statement))
    assert "December 4, 2026, 10:59:59 PM Western European Standard Time" in text


def test_says_it_is_a_receipt_not_a_decision_and_what_happens_next(
    render: Render, statement: dict[str, Any]
) -> None:
    text = pdf_text(render(statement))
    assert "This document acknowledges receipt of your withdrawal. It is not a decision" in text
    assert "without undue delay and in any event not later than 14 days" in text
    assert "using the same means of payment as you used for the initial transaction" in text
    assert "Questions? Write to support@demo.example and quote the reference W-7K3M-9QX2." in text


def test_shows_the_statement_hash(render: Render, statement: dict[str, Any]) -> None:
    digest = hashlib.sha256(canonical_json(statement)).hexdigest()
    assert digest in pdf_text(render(statement))


def test_unmatched_order_shows_the_description_and_the_note(
    render: Render, unmatched_statement: dict[str, Any]
) -> None:
    text = pdf_text(render(unmatched_statement))
    assert "Two Windows keys bought on 20 November, paid by PayPal" in text
    assert "Order number you gave 77-404" in text
    assert "We could not match this withdrawal to an order in our records." in text
    assert "I hereby withdraw from the contract described above." in text
    assert "Items you withdrew from" not in text


def test_the_labels_shown_are_printed_verbatim_and_an_override_is_said(
    render: Render, statement: dict[str, Any]
) -> None:
    statement["labels"].update(entry="Widerruf hier", confirm="Jetzt widerrufen", overridden=True)
    text = pdf_text(render(statement))
    assert "Link to the withdrawal function Widerruf hier" in text
    assert "Confirmation button Jetzt widerrufen" in text
    assert "We chose these labels in place of the statutory wording." in text


@pytest.mark.parametrize(
    ("name", "locale", "month"),
    [
        pytest.param("Αλέξανδρος Παπαδόπουλος", "el", "Νοεμβρίου", id="greek"),
        pytest.param("Мария Иванова", "bg", "ноември", id="bulgarian"),
        pytest.param("Łukasz Żółć, Ștefan Țurcanu, Ħarġ Ġużè", "pl", "listopada", id="latin-ext"),
    ],
)
def test_every_eu_alphabet_comes_back_out_of_the_pdf(
    render: Render,
    statement: dict[str, Any],
    name: str,
    locale: str,
    month: str,
) -> None:
    statement["name"] = name
    text = pdf_text(render(statement, locale=locale))
    assert name in text
    assert month in text  # Babel's date in that language, drawn with the embedded font


def test_consumer_input_is_printed_literally_not_interpreted(
    render: Render, unmatched_statement: dict[str, Any]
) -> None:
    unmatched_statement["name"] = "<script>alert(1)</script>"
    unmatched_statement["contract_description"] = '<b>not bold</b> & <font size="40">big</font>'
    unmatched_statement["email"] = "a&b@example.com"
    text = pdf_text(render(unmatched_statement))
    assert "<script>alert(1)</script>" in text
    assert '<b>not bold</b> & <font size="40">big</font>' in text
    assert "a&b@example.com" in text


def test_markup_in_line_titles_and_reason_params_is_printed_literally(
    render: Render, statement: dict[str, Any]
) -> None:
    statement["lines"][0]["title"] = "Key <br/> & <unknowntag>"
    statement["lines"][2]["assessment"]["reasons"][0]["params"]["reference"] = "<i>x</i>"
    text = pdf_text(render(statement))
    assert "Key <br/> & <unknowntag>" in text
    assert "with statement <i>x</i>, so" in text


def test_control_characters_in_input_are_dropped(render: Render, statement: dict[str, Any]) -> None:
    statement["name"] = "Maria\x00 Rossi\x07\x1b"
    assert "Name Maria Rossi E-mail" in pdf_text(render(statement))


def test_a_long_description_flows_onto_further_pages(
    render: Render, unmatched_statement: dict[str, Any]
) -> None:
    words = " ".join(f"word{i}" for i in range(3000))
    unmatched_statement["contract_description"] = words
    pdf = render(unmatched_statement)
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 2
    assert "word0 word1" in pdf_text(pdf) and "word2999" in pdf_text(pdf)


def test_unknown_status_and_unparseable_price_are_shown_as_recorded(
    render: Render, statement: dict[str, Any]
) -> None:
    statement["lines"][0]["assessment"]["status"] = "under-review"
    statement["lines"][0]["unit_price"] = "n/a"
    text = pdf_text(render(statement))
    assert "under-review" in text and "n/a" in text


def test_prices_and_dates_follow_the_locale(render: Render, statement: dict[str, Any]) -> None:
    text = pdf_text(render(statement, locale="it"))
    assert "19,99 €" in squash(text) and "1.234,50 €" in text
    assert "domenica 22 novembre 2026 11:11:12 Ora standard dell’Europa centrale" in text


def test_the_statement_is_embedded_as_canonical_json(
    render: Render, statement: dict[str, Any]
) -> None:
    reader = PdfReader(io.BytesIO(render(statement)))
    attachments = reader.attachments
    assert list(attachments) == ["statement-W-7K3M-9QX2.json"]
    (data,) = attachments["statement-W-7K3M-9QX2.json"]
    assert data == canonical_json(statement)
    assert data == json.dumps(
        statement, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    assert json.loads(data) == statement


def test_attachment_name_keeps_to_safe_characters() -> None:
    assert attachment_name("W-7K3M-9QX2") == "statement-W-7K3M-9QX2.json"
    assert attachment_name("W/../1 2") == "statement-W_.._1_2.json"


@pytest.mark.parametrize(("locale", "lang"), [("it", "it"), ("pt_BR", "pt-BR"), ("de-AT", "de-AT")])
def test_metadata_title_author_subject_language(
    render: Render, statement: dict[str, Any], locale: str, lang: str
) -> None:
    reader = PdfReader(io.BytesIO(render(statement, locale=locale)))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Acknowledgement of receipt of your withdrawal"
    assert meta.author == "Demo Keys S.r.l."
    assert meta.subject == "Withdrawal statement W-7K3M-9QX2"
    assert meta.creation_date == datetime(2026, 11, 22, 10, 11, 12, tzinfo=UTC)
    assert str(reader.root_object["/Lang"]) == lang


def test_unknown_locale_falls_back_to_english_formatting(
    render: Render, statement: dict[str, Any]
) -> None:
    text = pdf_text(render(statement, locale="xx_NOPE"))
    assert "Coordinated Universal Time" in text


def test_same_statement_gives_the_same_bytes(render: Render, statement: dict[str, Any]) -> None:
    assert render(statement) == render(statement)


def test_a_different_statement_gives_a_different_file_id(
    render: Render, statement: dict[str, Any]
) -> None:
    first = PdfReader(io.BytesIO(render(statement))).trailer["/ID"]
    statement["name"] = "Maria Bianchi"
    second = PdfReader(io.BytesIO(render(statement))).trailer["/ID"]
    assert first != second


_RENDER_IN_A_NEW_PROCESS = """
import hashlib, json, sys
from withdrawal.receipt.pdf import canonical_json, render_receipt_pdf
statement = json.load(sys.stdin)
pdf = render_receipt_pdf(statement, statement_hash=hashlib.sha256(canonical_json(statement))
                         .hexdigest(), gettext=lambda s: s, locale="en")
print(hashlib.sha256(pdf).hexdigest())
"""


def test_bytes_are_reproduced_in_another_process_whatever_its_clock_settings(
    render: Render, statement: dict[str, Any]
) -> None:
    # A fresh process cuts the fonts again; SOURCE_DATE_EPOCH would move ReportLab's dates.
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1234567890"}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", _RENDER_IN_A_NEW_PROCESS],
        input=json.dumps(statement),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=REPO,
    )
    assert result.stdout.strip() == hashlib.sha256(render(statement)).hexdigest()


GERMAN = {
    "Acknowledgement of receipt of your withdrawal": "Eingangsbestätigung Ihres Widerrufs",
    "You can withdraw from this item.": "Sie können diesen Artikel widerrufen.",
    "I hereby withdraw from my contract for the following items:": (
        "Hiermit widerrufe ich meinen Vertrag über die folgenden Artikel:"
    ),
    "You already withdrew from this item with statement %(reference)s, so you do not need "
    "to withdraw from it again.": "Bereits mit Erklärung %(reference)s widerrufen.",
    "Withdrawal statement %(reference)s": "Widerrufserklärung %(reference)s",
}


def german(message: str) -> str:
    return GERMAN.get(message, message)


def test_strings_go_through_gettext(render: Render, statement: dict[str, Any]) -> None:
    pdf = render(statement, gettext=german, locale="de")
    text = pdf_text(pdf)
    assert "Eingangsbestätigung Ihres Widerrufs" in text
    assert "Sie können diesen Artikel widerrufen." in text
    assert "Hiermit widerrufe ich meinen Vertrag über die folgenden Artikel:" in text
    assert "Bereits mit Erklärung W-2B4D-6F8H widerrufen." in text
    assert "Acknowledgement of receipt of your withdrawal" not in text
    assert "22. November 2026" in text  # Babel's German date
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None and meta.subject == "Widerrufserklärung W-7K3M-9QX2"


def test_every_string_the_receipt_translates_is_extractable(
    statement: dict[str, Any], unmatched_statement: dict[str, Any]
) -> None:
    """``pybabel extract`` finds a literal gettext("...") for every string the receipt asks
    to translate, apart from the reasons' messages, which are extracted where they are made."""
    asked: set[str] = set()

    def recording(message: str) -> str:
        asked.add(message)
        return message

    statement["labels"]["overridden"] = True
    statement["lines"][1]["assessment"]["policy_deadline"] = "2027-01-01T00:00:00+01:00"
    for case in (statement, unmatched_statement):
        render_receipt_pdf(case, statement_hash="0" * 64, gettext=recording, locale="en")
    extracted = {message for module in (receipt_pdf, receipt_lines, receipt_context)
                 for _, message, _, _ in extract_from_file("python", str(module.__file__))}
    reasons = {r["message"] for line in statement["lines"] for r in line["assessment"]["reasons"]}
    statuses = set(STATUS_MESSAGES.values())  # shared with the pages, extracted with N_
    assert asked - reasons - statuses <= extracted
    assert len(asked - reasons) > 30
    marked = {message for _, message, _, _ in extract_from_file(
        "python", eligibility_model.__file__, keywords={"N_": None})}
    assert statuses <= marked


@pytest.mark.parametrize("module", ["pdf", "receipt_lines", "receipt_context", "fonts",
                                    "modelform"])
def test_document_modules_do_not_import_flask(module: str) -> None:
    tree = ast.parse((REPO / "withdrawal" / "receipt" / f"{module}.py").read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.startswith(("flask", "withdrawal.i18n")) for name in imported)


def test_every_font_used_is_embedded(render: Render, statement: dict[str, Any]) -> None:
    # A durable medium must look the same in every viewer: no font may be left to the reader.
    reader = PdfReader(io.BytesIO(render(statement)))
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            descriptor = font.get_object().get("/FontDescriptor")
            assert descriptor is not None and "/FontFile2" in descriptor.get_object()
