"""Every complete language end to end: the three steps, the on-screen receipt, the e-mail
through a real SMTP server and the PDF (text extracted with pypdf) speak it, with its exact
statutory labels and the legal engine's reasons; the other official languages get their labels
on English text, and Greek and Bulgarian labels come back out of the PDF intact."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from i18n.support import TRANSLATED, html, shown, translator
from pypdf import PdfReader
from support import Consumer, SMTPServer, engine_of, pdf_text, reference_in, settle, squash

from withdrawal.i18n import COMPLETE_LANGUAGES
from withdrawal.labels import CATALOGUE, LANGUAGES, StatutoryLabels
from withdrawal.storage.statements import load_statement

#: Translations do not depend on the database.
pytestmark = pytest.mark.sqlite_only

NAME, EMAIL, ORDER = "Maria Rossi", "mixed@demo.example", "1008"

#: Strings of each stage that must not stay English.
STEP_1 = ("Tell us who you are and which order you want to withdraw from. You will choose the "
          "products and confirm on the next steps.", "Continue", "Step %(n)s of 3")
STEP_2 = ("Choose the products", "Order %(number)s: which products do you withdraw from?",
          "Contact our support:")
STEP_3 = ("Check and confirm", "Your withdrawal statement",
          "I hereby withdraw from my contract for the following items:")
RECEIPT = ("Withdrawal received", "We received your withdrawal statement. This confirms "
           "receipt; it is not yet a decision on your withdrawal.", "Model withdrawal form (PDF)")
EMAIL_TEXT = ("Acknowledgement of receipt of your withdrawal", "What happens next",
              "A PDF copy of your statement is attached.", "SHA-256 of the statement")
PDF_TEXT = ("Acknowledgement of receipt of your withdrawal", "What this acknowledgement means",
            "Your statement", "The labels you were shown")


def _filled(text: str, **values: str) -> str:
    return text % values if values else text


def translated(lang: str, msgid: str, **values: str) -> str:
    """The catalogue's translation, checked not to be the English text."""
    text = translator(lang)(msgid)
    assert text != msgid, f"{lang}: {msgid!r} is not translated"
    return _filled(text, **values)


def by_recipient(server: SMTPServer, address: str) -> Any:
    matches = [m for m in server.messages if address in m.rcpt_tos]
    assert len(matches) == 1, [m.rcpt_tos for m in server.messages]
    return matches[0].message()


def reasons_of(app: Flask, reference: str, lang: str) -> list[str]:
    statement = load_statement(engine_of(app), reference)
    assert statement is not None
    texts = [translated(lang, r["message"], **r.get("params", {}))
             for line in statement.content["lines"] for r in line["assessment"]["reasons"]]
    assert texts
    return texts


def assert_labels(text: str, labels: StatutoryLabels) -> None:
    assert labels.entry in text and labels.confirm in text


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_whole_journey_speaks_the_language(
    app: Flask, client: FlaskClient, consumer: Consumer, smtp_server: SMTPServer, lang: str,
) -> None:
    labels = CATALOGUE[lang]
    page = client.get(f"/withdrawal/?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert f'<h1 lang="{lang}">{html(labels.entry)}</h1>' in page
    for msgid in STEP_1:
        assert html(translated(lang, msgid, n="1")) in page, msgid

    assert consumer.identify(NAME, EMAIL, ORDER).status_code == 302
    page = client.get("/withdrawal/select").get_data(as_text=True)  # no ?lang: it sticks
    assert f'<html lang="{lang}">' in page
    for msgid in STEP_2:
        assert html(translated(lang, msgid, number=ORDER)) in page, msgid

    assert consumer.select(["1", "2", "3"]).status_code == 302
    page = consumer.confirm_page()
    for msgid in STEP_3:
        assert html(translated(lang, msgid)) in page, msgid
    assert (f'<button type="submit" lang="{lang}" class="confirm">'
            f"{html(labels.confirm)}</button>") in page

    location = consumer.confirm(page).headers["Location"]
    receipt = client.get(location).get_data(as_text=True)
    reference = reference_in(receipt)
    for msgid in RECEIPT:
        assert html(translated(lang, msgid)) in receipt, msgid
    used = translated(lang, "You used the function “%(entry)s” and the button “%(confirm)s”.",
                      entry=labels.entry, confirm=labels.confirm)
    assert html(used) in receipt
    reasons = reasons_of(app, reference, lang)
    for reason in reasons:
        assert html(reason) in receipt, reason

    settle(app)
    message = by_recipient(smtp_server, EMAIL)
    assert message["Content-Language"] == lang
    assert message["Subject"] == translated(
        lang, "Acknowledgement of receipt of your withdrawal %(reference)s", reference=reference)
    text = squash(message.get_body(("plain",)).get_content())
    body_html = squash(message.get_body(("html",)).get_content())
    for msgid in EMAIL_TEXT:
        assert squash(translated(lang, msgid)) in text, msgid
        assert shown(squash(translated(lang, msgid)), body_html), msgid
    for reason in reasons:
        assert squash(reason) in text, reason
    assert squash(used) in text and shown(squash(used), body_html)

    attachment = next(message.iter_attachments())
    pdf = pdf_text(attachment.get_content())
    for msgid in PDF_TEXT:
        assert squash(translated(lang, msgid)) in pdf, msgid
    assert_labels(pdf, labels)
    assert client.get(location + "/withdrawal.pdf").data == attachment.get_content()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_model_form_is_the_official_annex_text(client: FlaskClient, lang: str) -> None:
    _ = translator(lang)
    pdf = pdf_text(client.get(f"/withdrawal/model-form.pdf?lang={lang}").data)
    for msgid in ("Model withdrawal form",
                  "(complete and return this form only if you wish to withdraw from the "
                  "contract)",
                  "— Date", "(*) Delete as appropriate."):
        assert squash(_(msgid)) in pdf, msgid
    to_line = _("— To [here the trader's name, geographical address and, where available, his "
                "e-mail address are to be inserted by the trader]:")
    assert squash(to_line.split("[")[0]) + " Demo Keys S.r.l., Via Roma 1" in pdf
    assert "[" not in pdf, "the bracketed instruction is replaced by the trader's details"


OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang not in COMPLETE_LANGUAGES]


def test_sixteen_languages_fall_back_to_english_text() -> None:
    assert len(OTHER_LANGUAGES) == 16


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_other_languages_get_their_labels_on_english_text(client: FlaskClient, lang: str) -> None:
    labels = CATALOGUE[lang]
    page = client.get(f"/withdrawal/?lang={lang}").get_data(as_text=True)
    assert '<html lang="en">' in page  # the text is English; the label says its language
    assert f'<h1 lang="{lang}">{html(labels.entry)}</h1>' in page
    assert '<button type="submit">Continue</button>' in page


@pytest.mark.parametrize("lang", ["el", "bg"])
def test_greek_and_bulgarian_labels_come_back_out_of_the_pdf(
    app: Flask, client: FlaskClient, consumer: Consumer, smtp_server: SMTPServer, lang: str,
) -> None:
    labels = CATALOGUE[lang]
    client.get(f"/withdrawal/?lang={lang}")
    location = consumer.withdraw(NAME, EMAIL, ORDER, ["1", "2", "3"]).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert '<html lang="en">' in page and labels.entry in page
    settle(app)
    message = by_recipient(smtp_server, EMAIL)
    # English text quoting the statutory labels: tagged as such, not as Greek or Bulgarian
    assert message["Content-Language"] == f"en, {lang}"
    assert '<html lang="en">' in message.get_body(("html",)).get_content()
    assert_labels(squash(message.get_body(("plain",)).get_content()), labels)
    attached = next(message.iter_attachments()).get_content()
    pdf = pdf_text(attached)
    assert_labels(pdf, labels)
    assert pdf_text(client.get(location + "/withdrawal.pdf").data) == pdf
    assert str(PdfReader(io.BytesIO(attached)).root_object["/Lang"]) == "en"
