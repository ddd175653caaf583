"""The Annex I(B) model withdrawal form (R16): official text through gettext, the trader's
details in the "To" line, the consumer's details when known, metadata, reproducibility."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from support import english, pdf_text

from withdrawal.domain import Trader
from withdrawal.receipt.modelform import render_model_form_pdf, trader_line

ANNEX_I_B = [
    "Model withdrawal form",
    "(complete and return this form only if you wish to withdraw from the contract)",
    "— I/We (*) hereby give notice that I/We (*) withdraw from my/our (*) contract of sale of "
    "the following goods (*)/for the provision of the following service (*),",
    "— Ordered on (*)/received on (*),",
    "— Name of consumer(s),",
    "— Address of consumer(s),",
    "— Signature of consumer(s) (only if this form is notified on paper),",
    "— Date",
    "(*) Delete as appropriate.",
]
TO_LINE = "— To Demo Keys S.r.l., Via Roma 1, 20121 Milano, Italy, support@demo.example:"


def test_has_the_annex_text_and_the_trader_in_the_to_line(trader: Trader) -> None:
    text = pdf_text(render_model_form_pdf(trader=trader, gettext=english, locale="en"))
    missing = [sentence for sentence in [*ANNEX_I_B, TO_LINE] if sentence not in text]
    assert not missing
    assert "[here the trader" not in text  # the instruction is replaced, not printed


def test_prefills_the_consumer_and_prints_input_literally(trader: Trader) -> None:
    prefill = {
        "name": "Αλέξανδρος Παπαδόπουλος <b>",
        "address": "Ул. Витоша 1\n1000 София",
        "contract": "Order 1001: Office 2024 Professional licence key",
        "ordered_on": "20 November 2026",
    }
    pdf = render_model_form_pdf(trader=trader, gettext=english, locale="el", prefill=prefill)
    text = pdf_text(pdf)
    assert "Αλέξανδρος Παπαδόπουλος <b>" in text
    assert "Ул. Витоша 1 1000 София" in text
    assert "Order 1001: Office 2024 Professional licence key" in text
    assert "20 November 2026" in text


def test_unknown_prefill_key_is_an_error(trader: Trader) -> None:
    with pytest.raises(ValueError, match="nmae"):
        render_model_form_pdf(trader=trader, gettext=english, locale="en", prefill={"nmae": "x"})


GERMAN = {
    "— To [here the trader's name, geographical address and, where available, his e-mail "
    "address are to be inserted by the trader]:": (
        "— An [hier ist der Name, die Anschrift und die E-Mail-Adresse des "
        "Unternehmers durch den Unternehmer einzufügen]:"
    ),
    "Model withdrawal form": "Muster-Widerrufsformular",
    "(*) Delete as appropriate.": "(*) Unzutreffendes streichen.",
}


def german(message: str) -> str:
    return GERMAN.get(message, message)


def test_translations_are_used_and_their_placeholder_gets_the_trader(trader: Trader) -> None:
    pdf = render_model_form_pdf(trader=trader, gettext=german, locale="de")
    text = pdf_text(pdf)
    assert "— An Demo Keys S.r.l., Via Roma 1, 20121 Milano, Italy, support@demo.example:" in text
    assert "Muster-Widerrufsformular" in text and "(*) Unzutreffendes streichen." in text
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None and meta.title == "Muster-Widerrufsformular"


def test_a_translation_without_brackets_still_names_the_trader(trader: Trader) -> None:
    line = trader_line(trader, lambda message: "— À:" if message.startswith("— To") else message)
    assert line == "— À: Demo Keys S.r.l., Via Roma 1, 20121 Milano, Italy, support@demo.example"


def test_metadata_language_and_reproducible_bytes(trader: Trader) -> None:
    pdf = render_model_form_pdf(trader=trader, gettext=english, locale="it")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == "Model withdrawal form"
    assert reader.metadata.author == "Demo Keys S.r.l."
    assert "Annex I(B)" in (reader.metadata.subject or "")
    assert str(reader.root_object["/Lang"]) == "it"
    assert len(reader.pages) == 1
    assert pdf == render_model_form_pdf(trader=trader, gettext=english, locale="it")
    other = Trader(name="Other Shop GmbH", address="Hauptstr. 1\n10115 Berlin", email="x@y.de")
    assert pdf != render_model_form_pdf(trader=other, gettext=english, locale="it")
