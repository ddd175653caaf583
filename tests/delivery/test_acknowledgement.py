"""The acknowledgement on a durable medium (Art. 11a(4); R9, R10, R22) through a real SMTP
server, with the PDF's text extracted and checked."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from support import Consumer, SMTPServer, by_recipient, engine_of, pdf_text, reference_in, settle

from withdrawal.labels import CATALOGUE
from withdrawal.statement import DocumentKind
from withdrawal.storage.documents import kept_document
from withdrawal.storage.statements import events_of, load_statement
from withdrawal.storage.tables import outbox


def submit(consumer: Consumer, client: FlaskClient, name: str = "Maria Rossi",
           lines: list[str] | None = None) -> tuple[str, str]:
    response = consumer.withdraw(name, "mixed@demo.example", "1008", lines or ["1", "2"])
    location = response.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    reference = reference_in(page)
    return reference, location


def test_acknowledgement_arrives_with_every_field_and_the_pdf(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
    recorded_signals: Any,
) -> None:
    reference, _ = submit(consumer, client)
    settle(app)
    message = by_recipient(smtp_server, "mixed@demo.example")
    assert reference in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        for expected in (reference, "Maria Rossi", "mixed@demo.example", "1008",
                         "Office 2024 Home", "Cloud Backup 1 TB", "Coordinated Universal Time",
                         "Central European", "Withdraw from contract here",
                         "Confirm withdrawal", "not yet a decision"):
            assert expected in body, expected
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"withdrawal-{reference}.pdf"]
    text_of_pdf = pdf_text(attachments[0].get_content())
    for expected in (reference, "Maria Rossi", "mixed@demo.example", "1008", "Office 2024 Home",
                     "UTC", "Central European"):
        assert expected in text_of_pdf, expected
    assert "receipt_delivered" in recorded_signals.names()


def test_no_line_exceeds_smtp_limit(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    """Long reasons (Art. 16(m) conditions missing) must not break RFC 5321's 998 limit."""
    consumer.withdraw("Ann", "noconsent@demo.example", "1002", ["1"])
    settle(app)
    assert smtp_server.messages
    for received in smtp_server.messages:
        assert max(len(line) for line in received.data.splitlines()) <= 998


def test_message_id_and_eml_are_recorded(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    reference, _ = submit(consumer, client)
    settle(app)
    engine = engine_of(app)
    message = by_recipient(smtp_server, "mixed@demo.example")
    sent = [e for e in events_of(engine, reference) if e["type"] == "acknowledgement-sent"]
    ack = next(e for e in sent if e["data"]["purpose"] == "acknowledgement")
    assert ack["data"]["message_id"] == message["Message-ID"]
    with engine.connect() as conn:
        row = conn.execute(select(outbox).where(outbox.c.reference == reference,
                                                outbox.c.purpose == "acknowledgement")).one()
    assert row.status == "sent" and row.message_id == message["Message-ID"]
    eml = kept_document(engine, reference, DocumentKind.ACKNOWLEDGEMENT_EML)
    assert eml is not None
    received = [m for m in smtp_server.messages if "mixed@demo.example" in m.rcpt_tos][0].data
    assert eml.replace(b"\r\n", b"\n") == received.replace(b"\r\n", b"\n")


def test_pdf_download_is_the_same_pdf(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    reference, location = submit(consumer, client)
    settle(app)
    attached = next(by_recipient(smtp_server, "mixed@demo.example").iter_attachments())
    page = client.get(location).get_data(as_text=True)
    assert "withdrawal.pdf" in page
    download = client.get(location + "/withdrawal.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert f"withdrawal-{reference}.pdf" in download.headers["Content-Disposition"]
    assert download.data == attached.get_content()


def test_shop_copy_goes_to_notify(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    reference, _ = submit(consumer, client)
    settle(app)
    copy = by_recipient(smtp_server, "orders@demo.example")
    assert reference in copy["Subject"] and "Copy" in copy["Subject"]
    assert [a.get_filename() for a in copy.iter_attachments()] == [f"withdrawal-{reference}.pdf"]


def test_in_the_consumers_language(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    client.get("/withdrawal/?lang=it")
    submit(consumer, client)
    settle(app)
    message = by_recipient(smtp_server, "mixed@demo.example")
    assert message["Content-Language"] == "it"
    body = message.get_body(("plain",)).get_content()
    assert "Recedere dal contratto qui" in body and "Conferma recesso" in body


def test_name_with_markup_is_escaped_in_html_and_cannot_add_headers(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    reference, _ = submit(consumer, client, name="<script>alert(1)</script> Bcc: x@evil.test")
    settle(app)
    message = by_recipient(smtp_server, "mixed@demo.example")
    assert message["Bcc"] is None
    assert all("evil.test" not in to for m in smtp_server.messages for to in m.rcpt_tos)
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    pdf = next(message.iter_attachments()).get_content()
    assert "<script>alert(1)</script>" in pdf_text(pdf)
    assert load_statement(engine_of(app), reference) is not None


def test_line_breaks_in_a_recorded_name_cannot_add_a_header(app: Flask) -> None:
    """The form refuses CR/LF; a statement recorded by other means is still made safe."""
    from datetime import UTC, datetime

    from withdrawal.delivery.messages import compose
    from withdrawal.statement import StatementContent, content_hash
    from withdrawal.storage.statements import StoredStatement

    content: StatementContent = {
        "reference": "W-TEST-0001", "submitted_at": "2026-11-22T10:00:00.000000+00:00",
        "timezone": "Europe/Rome", "locale": "en", "name": "Eve\r\nBcc: evil@example.net",
        "email": "eve@example.com", "order_number": "1", "order_matched": False,
        "order_email": None, "contract_description": "", "currency": None, "flags": [],
        "lines": [], "trader": {"name": "Demo", "address": "", "email": "s@demo.example"},
        "labels": {"locale": "en", "entry": "Withdraw from contract here",
                   "confirm": "Confirm withdrawal", "verified": True, "source": "",
                   "overridden": False},
    }
    stored = StoredStatement("W-TEST-0001", content, content_hash(content), 1, "0" * 64,
                             datetime(2026, 11, 22, 10, tzinfo=UTC))
    with app.app_context():
        raw = compose(stored, "acknowledgement", "eve@example.com", pdf=None,
                      link_base=None).as_bytes()
    headers = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc:") for line in headers.split(b"\n"))



@pytest.mark.parametrize(("lang", "consumer_marked", "copy_marked"), [
    pytest.param("it", False, True, id="italian-text-with-its-labels"),
    pytest.param("ga", True, True, id="english-text-quoting-irish-labels"),
    pytest.param("en", False, False, id="english-throughout"),
])
def test_labels_quoted_in_another_language_are_marked_with_theirs(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
    lang: str, consumer_marked: bool, copy_marked: bool,
) -> None:
    """WCAG 2.1, 3.1.2: a screen reader reads the statutory labels in their language inside a
    sentence in another (the receipt page, the acknowledgement, the shop's English copy)."""
    labels = CATALOGUE[lang]
    client.get(f"/withdrawal/?lang={lang}")
    _reference, location = submit(consumer, client)
    settle(app)
    texts = (escape(labels.entry), escape(labels.confirm))
    for html, marked in (
        (client.get(location).get_data(as_text=True), consumer_marked),
        (by_recipient(smtp_server, "mixed@demo.example").get_body(("html",)).get_content(),
         consumer_marked),
        (by_recipient(smtp_server, "orders@demo.example").get_body(("html",)).get_content(),
         copy_marked),
    ):
        for text in texts:
            assert text in html
            assert (f'<span lang="{lang}">{text}</span>' in html) is marked
