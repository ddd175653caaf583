"""Issue 13, points 2 and 4, through the real SMTP server: the sent event keeps the server's
reply to the end of DATA (its queue id) beside our Message-ID; `flask withdrawal bounce` reads
real delivery status notifications (tests/data/dsn) and records the bounce, which the audit
area shows and `receipt_failed` signals; a `mailto:` witness gets the anchor by e-mail through
the outbox."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import Consumer, SMTPServer, settle
from werkzeug.security import generate_password_hash

from withdrawal.delivery.dsn import NotADSN, parse_dsn
from withdrawal.statement import CHAIN_REFERENCE
from withdrawal.storage.statements import events_of
from withdrawal.storage.tables import outbox

DSN = Path(__file__).resolve().parent.parent / "data" / "dsn"
QUEUED = "250 2.0.0 Ok: queued as 4XyZ1"


def engine_of(app: Flask) -> Any:
    return app.extensions["withdrawal"].engine


def submit(app: Flask, client: FlaskClient) -> str:
    response = Consumer(client).withdraw("Maria Rossi", "mixed@demo.example", "1008", ["1"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    settle(app)
    return re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", page).group(0)  # type: ignore[union-attr]


def acknowledgement(app: Flask, reference: str) -> Any:
    with engine_of(app).connect() as conn:
        return conn.execute(select(outbox).where(outbox.c.reference == reference,
                                                 outbox.c.purpose == "acknowledgement")).one()


def dsn(name: str, message_id: str, recipient: str = "mixed@demo.example") -> bytes:
    text = (DSN / name).read_text()
    return text.replace("{message_id}", message_id).replace("{recipient}", recipient).encode()


def test_the_sent_event_keeps_the_servers_reply_to_the_end_of_data(
    app: Flask, client: FlaskClient, smtp_server: SMTPServer,
) -> None:
    smtp_server.answer = QUEUED
    reference = submit(app, client)
    row = acknowledgement(app, reference)
    assert row.status == "sent" and row.smtp_reply == QUEUED
    sent = [e["data"] for e in events_of(engine_of(app), reference)
            if e["type"] == "acknowledgement-sent" and e["data"]["purpose"] == "acknowledgement"]
    assert sent == [{"purpose": "acknowledgement", "recipient": "mixed@demo.example",
                     "message_id": row.message_id, "smtp_reply": QUEUED, "attempt": 1,
                     "sent_at": sent[0]["sent_at"]}]
    received = [m.message() for m in smtp_server.messages if "mixed@demo.example" in m.rcpt_tos]
    assert received[0]["Message-ID"] == row.message_id


@pytest.mark.parametrize(("sample", "status", "diagnostic"), [
    pytest.param("postfix-failed.eml", "5.1.1", "550 5.1.1 <mixed@demo.example>: Recipient "
                 "address rejected: User unknown in virtual mailbox table", id="postfix"),
    pytest.param("exim-failed.eml", "5.0.0", "550 5.2.1 The email account that you tried to "
                 "reach is disabled.", id="exim"),
])
def test_a_bounce_is_recorded_shown_and_signalled(
    app: Flask, client: FlaskClient, runner: Any, smtp_server: SMTPServer,
    recorded_signals: Any, sample: str, status: str, diagnostic: str,
) -> None:
    smtp_server.answer = QUEUED
    reference = submit(app, client)
    message_id = acknowledgement(app, reference).message_id
    recorded_signals.received.clear()
    result = runner.invoke(args=["withdrawal", "bounce"], input=dsn(sample, message_id))
    assert result.exit_code == 0, result.output
    assert f"Recorded the bounce of {message_id} ({reference}, acknowledgement): {status}" \
        in result.output
    [bounced] = [e["data"] for e in events_of(engine_of(app), reference)
                 if e["type"] == "acknowledgement-bounced"]
    assert bounced == {
        "purpose": "acknowledgement", "recipient": "mixed@demo.example",
        "message_id": message_id, "action": "failed", "status": status, "error": diagnostic,
        "reporting_mta": "mail.demo.example", "final": True}
    row = acknowledgement(app, reference)
    assert row.status == "failed" and row.last_error == f"bounced: {status} {diagnostic}"
    assert recorded_signals.names() == ["receipt_failed"]
    signal = recorded_signals.received[0][1]
    assert signal["reference"] == reference and signal["final"] is True
    assert status in signal["error"]

    app.config["WITHDRAWAL_AUDITORS"] = {"clara": generate_password_hash("pw",
                                                                         "pbkdf2:sha256:1000")}
    page = app.test_client().get(f"/withdrawal/audit/statements/{reference}", headers={
        "Authorization": "Basic " + base64.b64encode(b"clara:pw").decode()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Acknowledgement bounced" in html and status in html and QUEUED in html
    assert runner.invoke(args=["withdrawal", "verify"]).exit_code == 0


def test_a_delay_report_records_nothing(
    app: Flask, client: FlaskClient, runner: Any, recorded_signals: Any,
) -> None:
    reference = submit(app, client)
    message_id = acknowledgement(app, reference).message_id
    result = runner.invoke(args=["withdrawal", "bounce"],
                           input=dsn("postfix-delayed.eml", message_id))
    assert result.exit_code == 0 and "was delayed" in result.output
    assert "acknowledgement-bounced" not in [e["type"] for e in
                                             events_of(engine_of(app), reference)]
    assert acknowledgement(app, reference).status == "sent"


def test_a_report_about_another_message_or_no_report_is_refused(
    app: Flask, client: FlaskClient, runner: Any,
) -> None:
    submit(app, client)
    result = runner.invoke(args=["withdrawal", "bounce"],
                           input=dsn("postfix-failed.eml", "<someone-else@example.org>"))
    assert result.exit_code == 1 and "names no message we sent" in result.output
    result = runner.invoke(args=["withdrawal", "bounce"],
                           input=b"From: a@example.org\r\nSubject: Out of office\r\n\r\nAway.\r\n")
    assert result.exit_code == 1 and "no message/delivery-status part" in result.output
    with pytest.raises(NotADSN):
        parse_dsn(b"")


def test_a_mailto_witness_gets_the_anchor_through_the_outbox(
    app: Flask, client: FlaskClient, runner: Any, smtp_server: SMTPServer,
) -> None:
    smtp_server.answer = QUEUED
    submit(app, client)
    app.config["WITHDRAWAL_WITNESSES"] = ["mailto:ledger@witness.example"]
    result = runner.invoke(args=["withdrawal", "anchor"])
    assert result.exit_code == 0 and "mailto:ledger@witness.example: queued" in result.output
    with engine_of(app).connect() as conn:
        owed = conn.execute(select(outbox).where(outbox.c.purpose == "anchor")).one()
    assert owed.reference is None and owed.anchor_id == 1 and owed.status == "pending"
    assert "sent 1" in runner.invoke(args=["withdrawal", "deliver"]).output
    [mail] = [m.message() for m in smtp_server.messages
              if m.rcpt_tos == ["ledger@witness.example"]]
    [anchored] = [e for e in events_of(engine_of(app), CHAIN_REFERENCE)
                  if e["type"] == "chain-anchored"]
    head_seq, head_hash = anchored["data"]["head_seq"], anchored["data"]["head_hash"]
    assert mail["Subject"] == f"Withdrawal record anchored at entry {head_seq}"
    assert head_hash in mail.get_body(("plain",)).get_content()
    [attachment] = list(mail.iter_attachments())
    claim = json.loads(attachment.get_content())
    assert (claim["seq"], claim["hash"]) == (head_seq, head_hash)
    [sent] = [e["data"] for e in events_of(engine_of(app), CHAIN_REFERENCE)
              if e["type"] == "anchor-sent"]
    assert sent["smtp_reply"] == QUEUED and sent["recipient"] == "ledger@witness.example"
    assert runner.invoke(args=["withdrawal", "verify"]).exit_code == 0
