"""Delivery that never loses a receipt: SMTP down, 4xx and 5xx answers, retries with backoff,
the deliver command, and several workers on PostgreSQL sending each receipt exactly once."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from support import Consumer, SMTPServer, engine_of, free_port, settle

from withdrawal.delivery.outbox import backoff, pending_count
from withdrawal.delivery.worker import deliver_due
from withdrawal.statement import Purpose, StatementContent
from withdrawal.storage.statements import Recipient, events_of, record_statement, utcnow
from withdrawal.storage.tables import outbox


def rows(app: Flask) -> list[Any]:
    with engine_of(app).connect() as conn:
        return list(conn.execute(select(outbox).order_by(outbox.c.id)).all())


def make_due(app: Flask) -> None:
    """Time passes: every pending entry is due again."""
    with engine_of(app).begin() as conn:
        conn.execute(update(outbox).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def submit(consumer: Consumer) -> Any:
    return consumer.withdraw("Ann", "noconsent@demo.example", "1002", ["1"])


def test_smtp_down_keeps_the_statement_and_deliver_sends_it_once(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
    runner: Any, recorded_signals: Any,
) -> None:
    app.extensions["mail"].port = free_port()  # nothing listens there: SMTP is down
    response = submit(consumer)
    settle(app)
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200  # consumer sees receipt
    assert {r.status for r in rows(app)} == {"pending"}
    assert all("connection failed" in r.last_error for r in rows(app))
    assert "receipt_failed" in recorded_signals.names()
    app.extensions["mail"].port = smtp_server.port  # SMTP is back
    assert "sent 0" in runner.invoke(args=["withdrawal", "deliver"]).output  # not due yet
    make_due(app)
    result = runner.invoke(args=["withdrawal", "deliver"])
    assert result.exit_code == 0 and "sent 2" in result.output
    make_due(app)
    runner.invoke(args=["withdrawal", "deliver"])
    assert len(smtp_server.messages) == 2  # acknowledgement + shop copy, exactly once each
    assert {r.status for r in rows(app)} == {"sent"}


def test_4xx_answer_is_retried_later(
    app: Flask, consumer: Consumer, smtp_server: SMTPServer,
) -> None:
    smtp_server.answer = "451 4.3.0 Please try again later"
    reference = submit(consumer) and None
    settle(app)
    entry = rows(app)[0]
    assert entry.status == "pending" and entry.attempts == 1
    assert entry.last_error.startswith("SMTP 451")
    failed = [e for e in events_of(engine_of(app), entry.reference)
              if e["type"] == "acknowledgement-failed"]
    assert failed and failed[0]["data"]["final"] is False and reference is None
    smtp_server.answer = "250 OK"
    make_due(app)
    with app.app_context():
        report = deliver_due()
    assert len(report.sent) == 2 and len(smtp_server.messages) == 2


def test_5xx_answer_is_final_and_reported(
    app: Flask, consumer: Consumer, smtp_server: SMTPServer, recorded_signals: Any,
) -> None:
    smtp_server.answer = "550 5.1.1 No such user"
    submit(consumer)
    settle(app)
    assert {r.status for r in rows(app)} == {"failed"}
    finals = [kw["final"] for name, kw in recorded_signals.received if name == "receipt_failed"]
    assert finals and all(finals)
    make_due(app)
    with app.app_context():
        assert str(deliver_due()) == "sent 0, retrying 0, failed 0"


def test_gives_up_after_max_attempts(
    app: Flask, consumer: Consumer, smtp_server: SMTPServer,
) -> None:
    app.config["WITHDRAWAL_DELIVERY_MAX_ATTEMPTS"] = 3
    smtp_server.answer = "421 4.7.0 Busy"
    submit(consumer)
    settle(app)
    for _ in range(2):
        make_due(app)
        with app.app_context():
            deliver_due()
    assert [(r.status, r.attempts) for r in rows(app)] == [("failed", 3), ("failed", 3)]


def test_backoff_is_exponential_and_capped() -> None:
    assert [backoff(n, 60).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30, 60) == timedelta(days=1)


def test_order_address_gets_a_notice_when_acknowledgement_goes_elsewhere(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    """R22: the statement names another address than the order's."""
    from withdrawal.submission import recipients as _recipients

    def build(at: datetime, withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        return {
            "reference": reference, "submitted_at": at.isoformat(), "timezone": "Europe/Rome",
            "locale": "en", "name": "Ann", "email": "ann.private@example.com",
            "order_number": "1002", "order_matched": True, "order_email": "ann@work.example",
            "contract_description": "", "currency": "EUR", "flags": [], "lines": [],
            "trader": {"name": "Demo Keys", "address": "", "email": "support@demo.example"},
            "labels": {"locale": "en", "entry": "Withdraw from contract here",
                       "confirm": "Confirm withdrawal", "verified": True, "source": "",
                       "overridden": False},
        }

    with app.test_request_context():
        reference, _ = record_statement(engine_of(app), submission_key="k", order_number=None,
                                        build=build, recipients=_recipients)
        deliver_due()
    purposes = {r.purpose: r.recipient for r in rows(app)}
    assert purposes["order-notice"] == "ann@work.example"
    notice = [m for m in smtp_server.messages if "ann@work.example" in m.rcpt_tos][0].message()
    assert reference in notice.get_body(("plain",)).get_content()
    assert "1002" in notice["Subject"]
    assert not list(notice.iter_attachments())


def _pending_statements(app: Flask, n: int) -> None:
    def build(at: datetime, withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        return {
            "reference": reference, "submitted_at": at.isoformat(), "timezone": "Europe/Rome",
            "locale": "en", "name": "Bulk", "email": f"{reference.lower()}@example.com",
            "order_number": None, "order_matched": False, "order_email": None,
            "contract_description": "", "currency": None, "flags": [], "lines": [],
            "trader": {"name": "Demo Keys", "address": "", "email": "support@demo.example"},
            "labels": {"locale": "en", "entry": "Withdraw from contract here",
                       "confirm": "Confirm withdrawal", "verified": True, "source": "",
                       "overridden": False},
        }

    for i in range(n):
        record_statement(engine_of(app), submission_key=f"bulk-{i}", order_number=None,
                         build=build,
                         recipients=lambda c: [Recipient(Purpose.ACKNOWLEDGEMENT, c["email"])])


@pytest.mark.postgres_only
@pytest.mark.slow
def test_two_workers_send_200_receipts_exactly_once(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    _pending_statements(app, 200)
    assert pending_count(engine_of(app)) == 200
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                deliver_due(limit=10)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    recipients = [rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos]
    assert len(recipients) == 200 and len(set(recipients)) == 200
    assert pending_count(engine_of(app)) == 0
