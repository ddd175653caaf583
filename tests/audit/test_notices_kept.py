"""Each decision's notice to the consumer is kept exactly as sent, as the acknowledgement is:
one document per decision (``decision-notice-eml-<seq>``) with its SHA-256 in the chain
(``decision-notice-eml-stored``), shown and downloadable on the statement's page, in the
evidence bundle, checked by ``verify``, deleted with the personal data under retention.
Through a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from audit.support import fetch
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, update
from support import Consumer, SMTPServer, engine_of, reference_in

from withdrawal.audit.retention import purge
from withdrawal.backoffice import record_decision
from withdrawal.delivery.worker import deliver_due
from withdrawal.statement import notice_kind, sha256_hex
from withdrawal.storage.documents import kept_document
from withdrawal.storage.statements import events_of, utcnow
from withdrawal.storage.tables import documents
from withdrawal.storage.verify import verify_chain

P = "/withdrawal/audit/statements"
CONSUMER = "mixed@demo.example"


@pytest.fixture
def app_config(app_config: dict[str, Any], mail_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **mail_config}


def decided(app: Flask) -> tuple[str, list[int]]:
    """A statement with two decisions, every message sent: its reference and the decisions'
    entries."""
    client = app.test_client()
    response = Consumer(client).withdraw("Maria Rossi", CONSUMER, "1008", ["1", "2", "3"])
    reference = reference_in(client.get(response.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        first = record_decision(reference, "accepted", ["2", "3"], by="clara")
        second = record_decision(reference, "rejected", ["1"], by="clara",
                                 reason="Art. 16(m): key activated")
        deliver_due()
    return reference, [first["seq"], second["seq"]]


def test_each_notice_is_kept_as_sent_with_its_digest_in_the_chain(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    reference, seqs = decided(app)
    events = events_of(engine_of(app), reference)
    stored = [e["data"] for e in events if e["type"] == "decision-notice-eml-stored"]
    assert [data["event_seq"] for data in stored] == seqs
    sent = [e["data"]["message_id"] for e in events
            if e["type"] == "acknowledgement-sent" and e["data"]["purpose"] == "decision-notice"]
    assert [data["message_id"] for data in stored] == sent
    received = {m.message()["Message-ID"]: m.message() for m in smtp_server.messages}
    for seq, data in zip(seqs, stored, strict=True):
        kept = kept_document(engine_of(app), reference, notice_kind(seq))
        assert kept is not None and sha256_hex(kept) == data["sha256"]
        message = email.message_from_bytes(kept)
        assert message["Message-ID"] == data["message_id"]
        assert message["Subject"] == received[data["message_id"]]["Subject"]
    assert verify_chain(engine_of(app)).problems == ()


def test_the_statements_page_and_the_bundle_hold_them(
    app: Flask, auditor: FlaskClient, smtp_server: SMTPServer, tmp_path: Path,
) -> None:
    reference, seqs = decided(app)
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "Decision notices as sent" in page
    for seq in seqs:
        kept = kept_document(engine_of(app), reference, notice_kind(seq))
        assert f"{P}/{reference}/decision-notice-{seq}.eml" in page
        download = auditor.get(f"{P}/{reference}/decision-notice-{seq}.eml")
        assert download.status_code == 200 and download.mimetype == "message/rfc822"
        assert download.data == kept
    assert auditor.get(f"{P}/{reference}/decision-notice-999.eml").status_code == 404
    files = fetch(auditor, reference, tmp_path)
    manifest = json.loads(files["manifest.json"])
    for seq in seqs:
        name = f"decision-notice-{seq}.eml"
        assert files[name] == kept_document(engine_of(app), reference, notice_kind(seq))
        assert manifest["documents"][notice_kind(seq)]["file"] == name


def test_a_notice_changed_or_deleted_is_named(app: Flask, smtp_server: SMTPServer) -> None:
    reference, (first, second) = decided(app)
    forged = b"Subject: nothing was decided\r\n\r\n"
    with engine_of(app).begin() as conn:
        conn.execute(update(documents).where(documents.c.kind == notice_kind(first))
                     .values(content=forged, sha256=sha256_hex(forged)))
    problems = verify_chain(engine_of(app)).problems
    assert len(problems) == 1 and problems[0].startswith(
        f"document {notice_kind(first)} of {reference}: SHA-256 differs from the one in the "
        "chain")
    with engine_of(app).begin() as conn:
        conn.execute(delete(documents).where(documents.c.kind.in_(
            [notice_kind(first), notice_kind(second)])))
    assert verify_chain(engine_of(app)).problems[0].startswith(
        f"document {notice_kind(first)} of {reference}")


def test_the_notices_go_with_the_personal_data(app: Flask, smtp_server: SMTPServer,
                                               auditor: FlaskClient) -> None:
    reference, seqs = decided(app)
    purge(engine_of(app), utcnow() + timedelta(minutes=1), period="0d")
    assert all(kept_document(engine_of(app), reference, notice_kind(seq)) is None
               for seq in seqs)
    assert verify_chain(engine_of(app)).problems == ()
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "Deleted under the retention period" in page
