"""`flask withdrawal verify` checks the outbox against the chain (kind ``outbox``): the audit
pages and the export show a message's delivery from its outbox row, so an insider who marks a
failed acknowledgement sent there (or a sent one failed or pending, or moves its instant)
changes what the compliance officer reads while the chain stays whole. Real deliveries to the
SMTP server, retries, bounces, a claim taken over and an erased statement raise no alarm; on
SQLite and PostgreSQL, in one walk and in ranges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from evidence_support import record
from flask import Flask
from sqlalchemy import delete, select, update
from support import SMTPServer, delivery_recorded, engine_of

from withdrawal.audit.retention import erase_statement
from withdrawal.delivery import outbox
from withdrawal.delivery.bounces import record_bounce
from withdrawal.delivery.worker import deliver_due
from withdrawal.statement import EventType
from withdrawal.storage import verify_ranges
from withdrawal.storage.statements import append_event, utcnow
from withdrawal.storage.tables import outbox as outbox_table
from withdrawal.storage.verify import verify_chain

DSN = Path(__file__).parent / "data" / "dsn"


@pytest.fixture
def app_config(app_config: dict[str, Any], mail_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **mail_config}


def outbox_problems(app: Flask, jobs: int = 1) -> list[str]:
    found = verify_chain(engine_of(app), jobs=jobs)
    return [problem for problem in found.problems if "outbox" in problem
            or "records the message" in problem or "records a message" in problem
            or "owes no acknowledgement" in problem]


def change_row(app: Flask, reference: str, **values: Any) -> int:
    """An insider's UPDATE of the acknowledgement's outbox row; returns its id."""
    with engine_of(app).begin() as conn:
        row_id = conn.execute(select(outbox_table.c.id)
                              .where(outbox_table.c.reference == reference)).scalar_one()
        conn.execute(update(outbox_table).where(outbox_table.c.id == row_id).values(**values))
    return int(row_id)


def bounce(app: Flask, reference: str) -> None:
    with engine_of(app).connect() as conn:
        row = conn.execute(select(outbox_table)
                           .where(outbox_table.c.reference == reference)).one()
    raw = ((DSN / "postfix-failed.eml").read_text().replace("{message_id}", row.message_id)
           .replace("{recipient}", row.recipient).encode())
    with app.app_context():
        assert record_bounce(engine_of(app), raw).recorded


# -- no false alarm --------------------------------------------------------------------------

def test_real_deliveries_retries_and_failures_verify(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    sent, retried, failed, pending = (record(app, name) for name in ("Ann", "Bo", "Cy", "Di"))
    with app.app_context():
        assert len(deliver_due(reference=sent).sent) == 1
        smtp_server.answer = "451 4.3.0 try later"
        assert len(deliver_due(reference=retried).retrying) == 1
        smtp_server.answer = "550 5.1.1 no such user"
        assert len(deliver_due(reference=failed).failed) == 1
        smtp_server.answer = "250 OK"
        with engine_of(app).begin() as conn:  # the retry falls due
            conn.execute(update(outbox_table).where(outbox_table.c.reference == retried)
                         .values(next_attempt_at=utcnow()))
        assert len(deliver_due(reference=retried).sent) == 1
    assert pending
    found = verify_chain(engine_of(app))
    assert found.ok, found.problems
    bounce(app, sent)
    assert verify_chain(engine_of(app)).ok


def test_a_message_sent_under_a_claim_taken_over_verifies(app: Flask) -> None:
    """The first worker outlived its lease and sent; the second sent again: both sent events
    are in the chain, the row holds the first."""
    reference = record(app)
    engine, now = engine_of(app), utcnow()
    [held] = outbox.claim_due(engine, reference=reference, now=now)
    [taken] = outbox.claim_due(engine, now=now + outbox.LEASE + timedelta(seconds=1))
    for entry in (held, taken):
        at = utcnow()
        with engine.begin() as conn:
            outbox.mark_sent(conn, entry, entry.message_id or "", at)
            append_event(conn, reference, EventType.ACKNOWLEDGEMENT_SENT, {
                "purpose": entry.purpose, "recipient": entry.recipient,
                "message_id": entry.message_id, "smtp_reply": None,
                "attempt": entry.attempts, "sent_at": at.isoformat()})
    found = verify_chain(engine)
    assert found.ok, found.problems


def test_an_erased_statement_s_delivery_verifies(app: Flask) -> None:
    reference = record(app)
    delivery_recorded(app, reference, error="550 5.1.1 <Ann@Example.com>: no such user")
    with engine_of(app).begin() as conn:
        erase_statement(conn, reference, {"reason": "retention"})
    assert verify_chain(engine_of(app)).ok


def test_a_failure_recorded_before_failures_named_their_message_verifies(app: Flask) -> None:
    """Older ``acknowledgement-failed`` events have no Message-ID: the row is found by its
    purpose, recipient and attempt."""
    reference = record(app)
    engine = engine_of(app)
    [entry] = outbox.claim_due(engine, reference=reference)
    with engine.begin() as conn:
        outbox.mark_failed(conn, entry, "SMTP 550: no", final=True, retry_at=utcnow())
        append_event(conn, reference, EventType.ACKNOWLEDGEMENT_FAILED, {
            "purpose": entry.purpose, "recipient": entry.recipient, "error": "SMTP 550: no",
            "attempt": entry.attempts, "final": True, "retry_at": None})
    assert verify_chain(engine).ok
    change_row(app, reference, status="sent", sent_at=utcnow())
    assert outbox_problems(app)


# -- what an insider changes is named ---------------------------------------------------------

def _sent(app: Flask) -> str:
    reference = record(app)
    delivery_recorded(app, reference, smtp_reply="250 2.0.0 Ok: queued as 4F2")
    return reference


def _failed(app: Flask) -> str:
    reference = record(app)
    delivery_recorded(app, reference, error="SMTP 550: mailbox unavailable")
    return reference


def _bounced(app: Flask) -> str:
    reference = _sent(app)
    bounce(app, reference)
    return reference


CHANGES: list[Any] = [
    pytest.param(_failed, {"status": "sent", "sent_at": utcnow()},
                 "says sent, the chain records no such outcome", id="failed-marked-sent"),
    pytest.param(_sent, {"status": "failed", "last_error": "SMTP 550: no"},
                 "says failed, the chain records no such outcome", id="sent-marked-failed"),
    pytest.param(_sent, {"status": "pending"}, "records the message sent, its outbox row",
                 id="sent-marked-pending"),
    pytest.param(_failed, {"status": "pending"}, "records the message failed for good",
                 id="failed-marked-pending"),
    pytest.param(_sent, {"sent_at": utcnow() - timedelta(days=3)},
                 "says sent, the chain records no such outcome", id="sent-instant-moved"),
    pytest.param(_sent, {"recipient": "other@example.com"},
                 "says sent, the chain records no such outcome", id="sent-recipient-changed"),
    pytest.param(_sent, {"smtp_reply": "250 Ok: queued as 999"},
                 "says sent, the chain records no such outcome", id="sent-reply-changed"),
    pytest.param(_sent, {"attempts": 4}, "says sent, the chain records no such outcome",
                 id="sent-attempts-changed"),
    pytest.param(_sent, {"message_id": "<other@shop.example>"},
                 "records a message sent that no outbox row holds", id="sent-message-id"),
    pytest.param(_failed, {"last_error": "SMTP 421: try later"},
                 "says failed, the chain records no such outcome", id="failed-error-changed"),
    pytest.param(_bounced, {"last_error": "bounced: 4.0.0 delayed"},
                 "says failed, the chain records no such outcome", id="bounce-error-changed"),
]


@pytest.mark.parametrize(("make", "values", "named"), CHANGES)
def test_verify_names_a_changed_outbox_row(
    app: Flask, make: Callable[[Flask], str], values: dict[str, Any], named: str,
) -> None:
    record(app, "Other")  # a row nobody touched
    reference = make(app)
    delivery_recorded(app, record(app, "After"))  # and one recorded after it
    assert verify_chain(engine_of(app)).ok
    row_id = change_row(app, reference, **values)
    found = outbox_problems(app)
    assert len(found) == 1 and named in found[0], found
    assert reference in found[0] and (str(row_id) in found[0] or "entry" in found[0])


@pytest.mark.parametrize("deliver", [
    pytest.param(False, id="pending-row-deleted"),
    pytest.param(True, id="sent-row-deleted-with-its-event-left"),
])
def test_verify_names_a_statement_whose_acknowledgement_row_was_deleted(
    app: Flask, deliver: bool,
) -> None:
    """A pending acknowledgement deleted is never sent, and neither the worker nor ``health``
    would miss it: the statement is named."""
    record(app, "Other")
    reference = record(app)
    if deliver:
        delivery_recorded(app, reference)
    with engine_of(app).begin() as conn:
        conn.execute(delete(outbox_table).where(outbox_table.c.reference == reference))
    found = outbox_problems(app)
    assert f"statement {reference}: owes no acknowledgement (no outbox row holds it)" in found


def test_verify_in_ranges_adds_up_the_outcomes(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(verify_ranges, "PER_RANGE", 1)  # ranges, however short the chain
    references = [_sent(app) for _ in range(3)] + [_failed(app), _bounced(app)]
    assert verify_chain(engine_of(app), jobs=2).ok
    change_row(app, references[3], status="sent", sent_at=utcnow())
    [found] = outbox_problems(app, jobs=2)
    assert f"({'acknowledgement'} of {references[3]}): says sent" in found


def test_a_bounce_recorded_while_ranges_walk_is_no_alarm(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bounce recorded after verify's snapshot began and before its ranges read the outbox:
    PostgreSQL's ranges read that snapshot; SQLite's read the database as it then is (the
    row failed, its bounce beyond the walk), which is noted, not reported broken."""
    monkeypatch.setattr(verify_ranges, "PER_RANGE", 1)
    references = [_sent(app) for _ in range(4)]
    started = verify_ranges._run

    def bounce_first(tasks: Any, progress: Any) -> Any:
        bounce(app, references[1])
        return started(tasks, progress)

    monkeypatch.setattr(verify_ranges, "_run", bounce_first)
    found = verify_chain(engine_of(app), jobs=2)
    assert found.ok, found.problems
    sqlite = engine_of(app).dialect.name == "sqlite"
    assert [note for note in found.notes if note.startswith("outbox:")] == (
        ["outbox: 4 outbox rows say sent or failed, 3 events of the chain record their "
         "outcome, as ranges walked on SQLite read it (each as it then was): a delivery's "
         "outcome recorded meanwhile; run verify again"] if sqlite else [])
    monkeypatch.setattr(verify_ranges, "_run", started)
    assert verify_chain(engine_of(app), jobs=2).ok  # the next run sees the bounce too
