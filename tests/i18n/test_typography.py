"""Typography and grammar (issue 17): French sets a narrow no-break space (U+202F) before
":", ";", "?" and "!" and inside guillemets, in the catalogue and wherever a template puts a
colon after a translated label; a word that serves two roles ("Name" of the consumer and of
the trader) is translated in a message context (pgettext)."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from demo_receipts import demo_statement
from flask import Flask
from flask.testing import FlaskClient
from i18n.support import POT, TRANSLATED, context_translator, po_path, read_catalog
from i18n.support import translator as catalogue_translator
from pypdf import PdfReader
from support import Consumer, SMTPServer, csrf_token, pdf_text, settle

from withdrawal.i18n import colon
from withdrawal.receipt.pdf import render_receipt_pdf

NNBSP = "\u202f"

#: English words that serve two roles: each use must say which (msgctxt).
AMBIGUOUS = {"Name", "E-mail", "Any"}

# A ";", "?" or "!" after anything but a narrow no-break space; a ":" that ends a label (space
# or end after it) likewise. "10:30", "https://" and "W-7K3M" are left alone.
UNSPACED = re.compile(rf"(?<![{NNBSP}])[;?!](?=\s|$)|(?<![{NNBSP}\d]):(?=\s|$)")
GUILLEMETS = re.compile(rf"«(?!{NNBSP})|(?<!{NNBSP})»")


def french_faults(text: str) -> list[str]:
    """The places in ``text`` where French punctuation lacks its narrow no-break space."""
    found = [text[max(0, m.start() - 25):m.end() + 5] for m in UNSPACED.finditer(text)]
    found += [text[max(0, m.start() - 25):m.end() + 25] for m in GUILLEMETS.finditer(text)]
    return found


@pytest.mark.parametrize(
    ("text", "faulty"),
    [
        pytest.param("Référence : W-7K3M", True, id="plain-space-before-colon"),
        pytest.param("Référence: W-7K3M", True, id="no-space-before-colon"),
        pytest.param("Vraiment ?", True, id="plain-space-before-question-mark"),
        pytest.param("« Confirmer »", True, id="plain-spaces-in-guillemets"),
        pytest.param(f"Référence{NNBSP}: W-7K3M", False, id="narrow-space-before-colon"),
        pytest.param(f"«{NNBSP}Confirmer{NNBSP}»", False, id="narrow-spaces-in-guillemets"),
        pytest.param("à 10:30, voir https://example.com", False, id="times-and-urls"),
    ],
)
def test_the_check_itself(text: str, faulty: bool) -> None:
    assert bool(french_faults(text)) is faulty


def test_every_french_message_spaces_its_punctuation() -> None:
    faults = {}
    for message in read_catalog(po_path("fr"), "fr"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if isinstance(string, str) and french_faults(string):
                faults[str(message.id)[:60]] = french_faults(string)
    assert not faults


def test_ambiguous_words_are_always_translated_in_a_context() -> None:
    bare = [m.id for m in read_catalog(POT) if m.id in AMBIGUOUS and not m.context]
    assert not bare, f"{bare}: use pgettext(context, ...) so each role gets its own word"
    contexts = {(m.context, m.id) for m in read_catalog(POT) if m.id in AMBIGUOUS}
    assert {("consumer", "Name"), ("trader", "Name")} <= contexts


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_role_of_an_ambiguous_word_is_translated(lang: str) -> None:
    catalogue = read_catalog(po_path(lang), lang)
    for message in catalogue:
        if message.id in AMBIGUOUS:
            assert message.context and message.string and not message.fuzzy, message.id


def test_polish_names_the_trader_and_the_consumer_differently() -> None:
    pgettext = context_translator("pl")
    assert pgettext("consumer", "Name") == "Imię i nazwisko"
    assert pgettext("trader", "Name") == "Nazwa"
    pdf = render_receipt_pdf(demo_statement("1008", "pl"), statement_hash="0" * 64,
                             gettext=catalogue_translator("pl"), pgettext=pgettext, locale="pl")
    text = pdf_text(pdf)
    assert "Nazwa Demo Keys S.r.l." in text
    assert "Imię i nazwisko Demo Customer" in text


@pytest.mark.parametrize(("lang", "expected"), [("fr", f"Référence{NNBSP}:"),
                                                 ("en", "Reference:"), ("de", "Referenz:")])
def test_colon_after_a_label(lang: str, expected: str) -> None:
    label = {"fr": "Référence", "en": "Reference", "de": "Referenz"}[lang]
    assert colon(label, lang) == expected


@pytest.fixture
def app(app_config: dict[str, Any], mail_config: dict[str, Any]) -> Any:
    from werkzeug.security import generate_password_hash

    from wsgi import create_app

    application = create_app({**app_config, **mail_config,
                              "WITHDRAWAL_DELIVER_AFTER_COMMIT": True,
                              "WITHDRAWAL_AUDITORS": {"auditor": generate_password_hash("pw")}})
    yield application
    application.extensions["withdrawal"].wait_for_background()
    application.extensions["withdrawal"].engine.dispose()


def collapse(text: str) -> str:
    # Not str.split(): it takes the narrow no-break space for a space and would remove it.
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def visible_text(page: str) -> str:
    """The page's words in its own language: markup, styles and the spans marked as English
    (the statutory labels' legal provenance is quoted as recorded) left out."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<span lang="en">.*?</span>', " ", page, flags=re.S)
    return collapse(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def pdf_words(pdf: bytes) -> str:
    return collapse(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.mark.sqlite_only
def test_french_pages_e_mail_and_pdf_space_their_punctuation(
    app: Flask, client: FlaskClient, smtp_server: SMTPServer, tmp_path: Path,
) -> None:
    consumer = Consumer(client)
    pages = []
    start = client.get("/withdrawal/?lang=fr").get_data(as_text=True)
    errors = client.post("/withdrawal/", data={"csrf_token": csrf_token(start), "name": ""})
    pages += [start, errors.get_data(as_text=True)]
    consumer.identify("Marie Dupont", "mixed@demo.example", "1008")
    pages.append(client.get("/withdrawal/select").get_data(as_text=True))
    consumer.select(["1", "2", "3"])
    pages.append(consumer.confirm_page())
    receipt = consumer.confirm().headers["Location"]
    pages.append(client.get(receipt).get_data(as_text=True))
    pages.append(client.get("/withdrawal/").get_data(as_text=True))  # "has been sent"
    settle(app)
    reference = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", pages[-1])
    assert reference
    auditor = {"Authorization": "Basic " + base64.b64encode(b"auditor:pw").decode()}
    for page in ("/withdrawal/audit/", "/withdrawal/audit/statements",
                 f"/withdrawal/audit/statements/{reference.group(0)}",
                 "/withdrawal/audit/integrity"):
        pages.append(client.get(page, headers=auditor).get_data(as_text=True))
    message = smtp_server.messages[0].message()
    bodies = [message.get_body(("plain",)).get_content(),
              visible_text(message.get_body(("html",)).get_content())]
    attachment = next(iter(message.iter_attachments())).get_content()
    faults = {
        "pages": [f for page in pages for f in french_faults(visible_text(page))],
        "e-mail": [f for body in bodies for f in french_faults(body)],
        "pdf": french_faults(pdf_words(attachment)),
    }
    assert faults == {"pages": [], "e-mail": [], "pdf": []}
    assert f"Référence{NNBSP}:" in bodies[0]
