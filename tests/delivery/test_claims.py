"""One claim per outbox message, on SQLite too (issue 12, point 4): four real ``flask withdrawal
deliver --limit 2`` processes over 100 messages send each once (Message-IDs counted at a real
SMTP server); a claim never finished (the worker killed between the SMTP server's accept and
the commit) is taken over after the lease, recorded as an interrupted attempt, and the message
sent again under the same Message-ID."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from serving import worker
from sqlalchemy import select, update
from support import SMTPServer, engine_of, free_port, serving

from withdrawal.delivery import outbox
from withdrawal.delivery import worker as worker_module
from withdrawal.delivery.worker import deliver_due
from withdrawal.signals import receipt_delivered
from withdrawal.statement import EventType, Purpose, StatementContent
from withdrawal.storage.statements import Recipient, events_of, record_statement, utcnow
from withdrawal.storage.tables import outbox as outbox_table
from withdrawal.storage.verify import verify_chain


def _build(at: datetime, _withdrawn: Mapping[str, str], reference: str) -> StatementContent:
    return {
        "reference": reference, "submitted_at": at.isoformat(), "timezone": "Europe/Rome",
        "locale": "en", "name": "Bulk", "email": f"{reference.lower()}@example.com",
        "order_number": None, "order_matched": False, "order_email": None,
        "contract_description": "A key", "currency": None, "flags": [], "lines": [],
        "trader": {"name": "Demo Keys", "address": "", "email": "support@demo.example"},
        "labels": {"locale": "en", "entry": "Withdraw from contract here",
                   "confirm": "Confirm withdrawal", "verified": True, "source": "",
                   "overridden": False},
    }


def _statements(app: Flask, count: int) -> list[str]:
    """``count`` statements, each owing its acknowledgement (nothing sent yet)."""
    return [record_statement(engine_of(app), submission_key=f"claim-{n}", order_number=None,
                             build=_build,
                             recipients=lambda c: [Recipient(Purpose.ACKNOWLEDGEMENT,
                                                             c["email"])])[0]
            for n in range(count)]


def _rows(app: Flask) -> list[Any]:
    with engine_of(app).connect() as conn:
        return list(conn.execute(select(outbox_table).order_by(outbox_table.c.id)).all())


def _message_ids(server: SMTPServer) -> Counter[str]:
    return Counter(str(m.message()["Message-ID"]) for m in server.messages)


def _process_config(database_url: str, mail: Mapping[str, Any], tmp_path: Path,
                    **extra: Any) -> dict[str, Any]:
    return {"WITHDRAWAL_DATABASE_URL": database_url, "WITHDRAWAL_DELIVER_AFTER_COMMIT": False,
            "WITHDRAWAL_SPOOL_DIR": str(tmp_path / "spool"), **mail, **extra}


@pytest.mark.slow
def test_four_deliver_processes_send_each_of_100_messages_once(
    make_app: Any, database_url: str, smtp_server: SMTPServer, mail_config: dict[str, Any],
    tmp_path: Path,
) -> None:
    app = make_app()
    _statements(app, 100)
    config = _process_config(database_url, mail_config, tmp_path)
    processes = [worker(config, tmp_path / f"deliver-{n}.log", "deliver", "--limit", "2")
                 for n in range(4)]
    for process in processes:
        assert process.wait(timeout=600) == 0
    logs = [(tmp_path / f"deliver-{n}.log").read_text() for n in range(4)]
    received = _message_ids(smtp_server)
    assert len(received) == 100 and set(received.values()) == {1}, (received, logs)
    rows = _rows(app)
    assert {row.status for row in rows} == {"sent"}
    assert {row.message_id for row in rows} == set(received)
    assert all(row.attempts == 1 and row.claim_token is None for row in rows)
    assert verify_chain(engine_of(app)).ok


class KillingSMTPServer(SMTPServer):
    """Accepts the message, then kills the worker before it hears the answer: the message
    may have arrived, and the worker never records that it did."""

    victim: subprocess.Popen[bytes] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if self.victim is not None and self.victim.poll() is None:
            os.killpg(self.victim.pid, signal.SIGKILL)
            self.victim.wait(timeout=30)
        return answer


@pytest.mark.slow
def test_a_worker_killed_after_the_accept_leaves_an_interrupted_attempt_and_one_message_id(
    make_app: Any, database_url: str, tmp_path: Path,
) -> None:
    app = make_app()
    [reference] = _statements(app, 1)
    with serving(KillingSMTPServer("127.0.0.1", free_port())) as server:
        mail = {"MAIL_SERVER": server.host, "MAIL_PORT": server.port,
                "MAIL_SUPPRESS_SEND": False}
        config = _process_config(database_url, mail, tmp_path, WITHDRAWAL_DELIVERY_LEASE=1)
        server.victim = worker(config, tmp_path / "killed.log", "deliver")
        assert server.victim.wait(timeout=300) == -signal.SIGKILL
        [row] = _rows(app)
        assert row.status == "pending" and row.claim_token is not None
        first = str(server.messages[0].message()["Message-ID"])
        assert row.message_id == first
        time.sleep(1.2)  # the lease passes
        again = worker(config, tmp_path / "again.log", "deliver")
        assert again.wait(timeout=300) == 0
    assert _message_ids(server) == Counter({first: 2})
    [row] = _rows(app)
    assert (row.status, row.attempts, row.message_id) == ("sent", 2, first)
    attempts = [(e["type"], e["data"]["attempt"], e["data"]["message_id"])
                for e in events_of(engine_of(app), reference) if "attempt" in e["data"]]
    assert attempts == [(EventType.ACKNOWLEDGEMENT_INTERRUPTED, 1, first),
                        (EventType.ACKNOWLEDGEMENT_SENT, 2, first)]
    verify = worker(config, tmp_path / "verify.log", "verify")
    assert verify.wait(timeout=300) == 0, (tmp_path / "verify.log").read_text()


def test_a_claim_is_held_for_its_lease_then_taken_over_once(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    [reference] = _statements(app, 1)
    engine, now = engine_of(app), utcnow()
    [held] = outbox.claim_due(engine, now=now, domain="shop.example")
    assert held.message_id and held.message_id.endswith("@shop.example>")
    assert outbox.claim_due(engine, now=now + timedelta(seconds=299)) == []
    later = now + outbox.LEASE + timedelta(seconds=1)
    [taken] = outbox.claim_due(engine, now=later, domain="other.example")
    assert outbox.claim_due(engine, now=later) == []
    assert (taken.id, taken.message_id, taken.attempts) == (held.id, held.message_id, 2)
    assert taken.claim != held.claim
    [event] = [e for e in events_of(engine, reference) if "attempt" in e["data"]]
    assert event["type"] == EventType.ACKNOWLEDGEMENT_INTERRUPTED
    assert event["data"]["attempt"] == 1 and event["data"]["message_id"] == held.message_id
    first_sent = utcnow()
    with engine.begin() as conn:  # the first worker wakes up: its claim is gone, its message
        assert not outbox.mark_sent(conn, held, held.message_id, first_sent)  # went out
        assert not outbox.mark_sent(conn, taken, taken.message_id or "", utcnow())
    [row] = _rows(app)  # the row says which attempt sent it; the later one changes nothing
    assert (row.status, row.sent_at, row.attempts, row.claim_token) == (
        "sent", first_sent, 1, None)


def test_a_failure_under_a_lost_claim_leaves_the_other_attempt_s_outcome(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    _statements(app, 1)
    engine, now = engine_of(app), utcnow()
    [held] = outbox.claim_due(engine, now=now)
    [taken] = outbox.claim_due(engine, now=now + outbox.LEASE + timedelta(seconds=1))
    with engine.begin() as conn:
        assert not outbox.mark_failed(conn, held, "SMTP 550", final=True, retry_at=now)
    [row] = _rows(app)
    assert (row.status, row.claim_token) == ("pending", taken.claim)


def test_every_attempt_of_a_message_carries_its_message_id(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    _statements(app, 1)
    smtp_server.answer = "451 4.3.0 try later"
    with app.app_context():
        assert len(deliver_due().retrying) == 1
    [row] = _rows(app)
    assert row.message_id and row.claim_token is None
    smtp_server.answer = "250 OK"
    with engine_of(app).begin() as conn:
        conn.execute(update(outbox_table).values(next_attempt_at=utcnow()))
    with app.app_context():
        assert len(deliver_due().sent) == 1
    assert _message_ids(smtp_server) == Counter({row.message_id: 1})


def test_a_batch_that_outlasts_half_its_lease_gives_the_rest_back(
    make_app: Any, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lease covers one message, a claim takes a batch: each message is sent while its
    claim holds, none is taken over as interrupted, each is sent once."""
    app = make_app(WITHDRAWAL_DELIVERY_LEASE=2)
    _statements(app, 3)
    deliver, held = worker_module._deliver, []

    def slow(entry: outbox.Entry, *args: Any) -> None:
        with engine_of(app).connect() as conn:
            lease_ends = conn.execute(select(outbox_table.c.next_attempt_at)
                                      .where(outbox_table.c.id == entry.id)).scalar_one()
        held.append(lease_ends > utcnow())
        deliver(entry, *args)
        time.sleep(1.1)  # a slow SMTP server: three messages take longer than the lease

    monkeypatch.setattr(worker_module, "_deliver", slow)
    with app.app_context():
        assert len(deliver_due(limit=3).sent) == 3
    assert held == [True, True, True]
    assert [(row.status, row.attempts) for row in _rows(app)] == [("sent", 1)] * 3
    assert sorted(_message_ids(smtp_server).values()) == [1, 1, 1]


def test_a_message_that_fails_unexpectedly_does_not_strand_the_rest_of_its_batch(
    make_app: Any, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A shop receiver that raises, or a fault in recording one message: the others of the
    claim are sent now, not taken over as interrupted once the lease has run out."""
    app = make_app()
    _statements(app, 3)

    def broken(sender: Any, **_: Any) -> None:
        raise RuntimeError("the shop's CRM is down")

    record, calls = worker_module._record_success, []

    def faulty(entry: outbox.Entry, *args: Any) -> None:
        calls.append(entry.id)
        if len(calls) == 2:
            raise ValueError("a fault recording this one message")
        record(entry, *args)

    monkeypatch.setattr(worker_module, "_record_success", faulty)
    receipt_delivered.connect(broken)
    try:
        with app.app_context():
            report = deliver_due(limit=3)
    finally:
        receipt_delivered.disconnect(broken)
    assert len(report.sent) == 2 and len(smtp_server.messages) == 3
    assert [row.status for row in _rows(app)] == ["sent", "pending", "sent"]


def test_a_message_whose_last_allowed_attempt_was_interrupted_fails_for_good(
    make_app: Any, smtp_server: SMTPServer,
) -> None:
    """A worker that dies of a message every time would otherwise be killed by it forever:
    the take-over after the last allowed attempt records it failed, and sends nothing."""
    app = make_app(WITHDRAWAL_DELIVERY_LEASE=1, WITHDRAWAL_DELIVERY_MAX_ATTEMPTS=1)
    [reference] = _statements(app, 1)
    engine = engine_of(app)
    [dead] = outbox.claim_due(engine, lease=timedelta(seconds=1))  # its worker dies
    time.sleep(1.1)
    with app.app_context():
        report = deliver_due()
    assert len(report.failed) == 1 and smtp_server.messages == []
    [row] = _rows(app)
    assert (row.status, row.claim_token) == ("failed", None)
    assert "attempt 1 of 1 was interrupted" in row.last_error
    events = [(e["type"], e["data"]) for e in events_of(engine, reference)
              if "attempt" in e["data"]]
    assert [(kind, data["attempt"]) for kind, data in events] == [
        (EventType.ACKNOWLEDGEMENT_INTERRUPTED, 1), (EventType.ACKNOWLEDGEMENT_FAILED, 2)]
    assert events[1][1]["final"] is True and dead.message_id == row.message_id
