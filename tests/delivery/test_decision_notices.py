"""Issue 14, points 3 and 4, through a real SMTP server: the acknowledgement and its PDF carry the
return instructions for goods (Art. 14(1), 13(3)); every decision is notified through the
outbox, in the statement's language, naming the lines, the outcome, the reason, the amount and
when to expect it; the shop can turn notices off per outcome."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from support import Consumer, SMTPServer, by_recipient, pdf_text, settle

from withdrawal.backoffice import record_decision
from withdrawal.statement import DocumentKind
from withdrawal.storage.documents import kept_document
from withdrawal.storage.statements import events_of

CONSUMER = "mixed@demo.example"


def submit(consumer: Consumer, client: FlaskClient, lines: list[str]) -> str:
    response = consumer.withdraw("Maria Rossi", CONSUMER, "1008", lines)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", page).group(0)  # type: ignore[union-attr]


def notices(server: SMTPServer, reference: str) -> list[Any]:
    """The decision notices the consumer received, oldest first."""
    found = [m.message() for m in server.messages if CONSUMER in m.rcpt_tos]
    return [m for m in found if reference in m["Subject"] and not m.get_filename()
            and "attachment" not in str(m.get("Content-Disposition", ""))
            and not list(m.iter_attachments())]


def bodies(message: Any) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def test_the_acknowledgement_and_its_pdf_say_how_to_send_goods_back(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    reference = submit(consumer, client, ["2", "3"])
    settle(app)
    message = by_recipient(smtp_server, CONSUMER)
    for body in bodies(message):
        for expected in ("Sending the goods back", "Via Roma 1", "not later than 14 days",
                         "direct cost of returning the goods", "withhold the refund"):
            assert expected in body, expected
    pdf = kept_document(app.extensions["withdrawal"].engine, reference, DocumentKind.RECEIPT_PDF)
    assert pdf is not None
    text = pdf_text(pdf)
    for expected in ("Sending the goods back", "Via Roma 1", "Send them by",
                     "direct cost of returning the goods"):
        assert expected in text, expected


def test_no_return_instructions_without_goods(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    reference = submit(consumer, client, ["2"])
    settle(app)
    for body in bodies(by_recipient(smtp_server, CONSUMER)):
        assert "Sending the goods back" not in body
    pdf = kept_document(app.extensions["withdrawal"].engine, reference, DocumentKind.RECEIPT_PDF)
    assert pdf is not None and "Sending the goods back" not in pdf_text(pdf)


def test_every_decision_is_notified_in_the_statements_language(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    client.get("/withdrawal/?lang=it")
    reference = submit(consumer, client, ["1", "2", "3"])
    settle(app)
    with app.app_context():
        record_decision(reference, "accepted", ["2", "3"], by="clara")
        settle(app)
        record_decision(reference, "rejected", ["1"], by="clara",
                        reason="Art. 16(m): chiave già attivata")
        settle(app)
    accepted, rejected = notices(smtp_server, reference)
    assert accepted["Content-Language"] == "it" and "Maria Rossi" in accepted["To"]
    for body in bodies(accepted):
        for expected in ("Cloud Backup 1 TB", "USB installation stick", "44,90",
                         "/withdrawal/receipt/"):
            assert expected in body, expected
        assert "Office 2024 Home" not in body
    for body in bodies(rejected):
        assert "Office 2024 Home" in body and "chiave già attivata" in body
    events = events_of(app.extensions["withdrawal"].engine, reference)
    sent = [e["data"]["purpose"] for e in events if e["type"] == "acknowledgement-sent"]
    assert sent.count("decision-notice") == 2  # recorded like every message sent


def test_the_refund_notice_names_the_amount_and_the_means(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    reference = submit(consumer, client, ["2"])
    settle(app)
    with app.app_context():
        record_decision(reference, "accepted", ["2"], by="clara")
        record_decision(reference, "refunded", ["2"], by="clara", amount="35.00",
                        means="PayPal, as paid")
        settle(app)
    # Two background deliveries may arrive in either order: pick the refund's notice.
    received = notices(smtp_server, reference)
    assert len(received) == 2
    (refund,) = [m for m in received if "PayPal, as paid" in bodies(m)[0]]
    for body in bodies(refund):
        assert "€35.00" in body and "PayPal, as paid" in body and "Cloud Backup 1 TB" in body


def test_notices_can_be_turned_off_per_outcome(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    app.config["WITHDRAWAL_DECISION_NOTICES"] = ["rejected"]
    reference = submit(consumer, client, ["1", "2"])
    settle(app)
    with app.app_context():
        record_decision(reference, "accepted", ["2"], by="clara")
        record_decision(reference, "rejected", ["1"], by="clara", reason="excluded")
        settle(app)
    (only,) = notices(smtp_server, reference)
    assert "excluded" in bodies(only)[0]
