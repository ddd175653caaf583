"""A worker whose transaction meets a lock held longer than the database timeout tries it again
(``withdrawal/storage/transient.py``): the message sent is recorded once, not left claimed
until its lease passes and then sent twice."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from support import SMTPServer, engine_of, head_held

from withdrawal.delivery.worker import deliver_due
from withdrawal.statement import Purpose, StatementContent
from withdrawal.storage.statements import Recipient, events_of, record_statement
from withdrawal.storage.tables import outbox
from withdrawal.storage.transient import refused, retried


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_DATABASE_TIMEOUT": 0.4,
            "WITHDRAWAL_DELIVER_AFTER_COMMIT": False}


def _owed(app: Flask) -> str:
    def build(at: datetime, withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        return {
            "reference": reference, "submitted_at": at.isoformat(), "timezone": "Europe/Rome",
            "locale": "en", "name": "Ann", "email": "ann@example.com", "order_number": None,
            "order_matched": False, "order_email": None, "contract_description": "",
            "currency": None, "flags": [], "lines": [],
            "trader": {"name": "Demo Keys", "address": "", "email": "support@demo.example"},
            "labels": {"locale": "en", "entry": "Withdraw from contract here",
                       "confirm": "Confirm withdrawal", "verified": True, "source": "",
                       "overridden": False},
        }

    reference, _ = record_statement(
        engine_of(app), submission_key="k", order_number=None, build=build,
        recipients=lambda c: [Recipient(Purpose.ACKNOWLEDGEMENT, c["email"])])
    return reference


def test_a_send_recorded_after_a_lock_outlasted_the_timeout(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    reference = _owed(app)
    with head_held(app, 1.0), app.app_context():
        report = deliver_due()
    assert len(report.sent) == 1 and len(smtp_server.messages) == 1
    with engine_of(app).connect() as conn:
        assert conn.execute(select(outbox.c.status, outbox.c.claim_token)).all() == [
            ("sent", None)]
    sent = [e for e in events_of(engine_of(app), reference)
            if e["type"] == "acknowledgement-sent"]
    assert len(sent) == 1


def test_a_failure_recorded_after_a_lock_outlasted_the_timeout(
    app: Flask, smtp_server: SMTPServer,
) -> None:
    smtp_server.answer = "451 4.3.0 Please try again later"
    reference = _owed(app)
    with head_held(app, 1.0), app.app_context():
        report = deliver_due()
    assert len(report.retrying) == 1
    failed = [e for e in events_of(engine_of(app), reference)
              if e["type"] == "acknowledgement-failed"]
    assert len(failed) == 1


def _error(original: BaseException, invalidated: bool = False) -> OperationalError:
    return OperationalError("UPDATE ...", {}, original, connection_invalidated=invalidated)


@pytest.mark.parametrize(("error", "expected"), [
    pytest.param(_error(psycopg.errors.QueryCanceled("statement timeout")), True,
                 id="postgresql-statement-timeout"),
    pytest.param(_error(psycopg.errors.DeadlockDetected("deadlock")), True,
                 id="postgresql-deadlock"),
    pytest.param(_error(psycopg.errors.SerializationFailure("conflict")), True,
                 id="postgresql-serialization-failure"),
    pytest.param(_error(psycopg.errors.LockNotAvailable("nowait")), True,
                 id="postgresql-lock-not-available"),
    pytest.param(_error(sqlite3.OperationalError("database is locked")), True,
                 id="sqlite-locked"),
    pytest.param(_error(psycopg.errors.QueryCanceled("timeout"), invalidated=True), False,
                 id="connection-lost-commit-unknown"),
    pytest.param(_error(psycopg.OperationalError("server closed the connection")), False,
                 id="postgresql-connection-failure"),
    pytest.param(_error(sqlite3.OperationalError("disk I/O error")), False,
                 id="sqlite-io-error"),
    pytest.param(IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE")), False,
                 id="integrity-error"),
    pytest.param(ValueError("no database error"), False, id="other-error"),
])
def test_only_a_refusal_that_rolled_back_is_tried_again(
    error: BaseException, expected: bool,
) -> None:
    assert refused(error) is expected


def test_tried_again_until_it_passes_or_the_tries_are_used() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _error(sqlite3.OperationalError("database is locked"))
        return "done"

    assert retried(flaky, "flaky", pause=0) == "done" and len(calls) == 3
    calls.clear()
    with pytest.raises(OperationalError):
        retried(flaky, "flaky", attempts=2, pause=0)
    assert len(calls) == 2


def test_an_error_that_may_have_taken_effect_is_raised_at_once() -> None:
    calls: list[int] = []

    def lost() -> None:
        calls.append(1)
        raise _error(psycopg.OperationalError("server closed the connection"))

    with pytest.raises(OperationalError):
        retried(lost, "lost", pause=0)
    assert len(calls) == 1
