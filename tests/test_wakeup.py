"""Delivery off the web workers (issue 16, point 2): by default the web process only records
what is owed; the transaction that owes a message wakes the ``deliver --loop`` workers at its
commit (PostgreSQL ``NOTIFY``, a short poll on SQLite), and a worker sends it long before its
round interval would have come."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from serving import stop, worker
from sqlalchemy import create_engine, insert, select, text
from support import Consumer, SMTPServer

from withdrawal.cli import _pause
from withdrawal.config import DEFAULTS
from withdrawal.state import state
from withdrawal.storage.statements import utcnow
from withdrawal.storage.tables import outbox
from withdrawal.storage.wakeup import seconds_to_next_attempt, waiter_for
from wsgi import create_app


def _withdraw(app: Flask, n: int = 0) -> None:
    response = Consumer(app.test_client()).withdraw(f"Consumer {n}", f"c{n}@example.com",
                                                    f"X-{n}", description="a licence key")
    assert response.status_code == 302


def _statuses(app: Flask) -> list[str]:
    with state(app).engine.connect() as conn:
        return list(conn.execute(select(outbox.c.status).order_by(outbox.c.id)).scalars())


def test_by_default_the_web_process_only_records_what_is_owed(
    app_config: dict[str, Any], mail_config: dict[str, Any], smtp_server: SMTPServer,
    tmp_path: Path,
) -> None:
    assert DEFAULTS["DELIVER_AFTER_COMMIT"] is False
    config = {**app_config, **mail_config}
    del config["WITHDRAWAL_DELIVER_AFTER_COMMIT"]
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    try:
        _withdraw(app)
        state(app).wait_for_background()
        assert _statuses(app) == ["pending"] and smtp_server.messages == []
    finally:
        state(app).engine.dispose()


def test_a_waiting_worker_is_woken_by_the_commit_that_owes_a_message(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(WITHDRAWAL_DELIVERY_POLL=0.05)
    waiter = waiter_for(state(app).engine, poll=0.05)
    timer = threading.Timer(0.5, lambda: _withdraw(app))
    try:
        assert waiter.wait(0.3) is False  # nothing owed: the whole timeout
        started = time.monotonic()
        timer.start()
        assert waiter.wait(60) is True
        assert time.monotonic() - started < 30  # woken, not timed out
    finally:
        timer.join()
        waiter.close()


def test_a_message_owed_before_the_worker_listens_wakes_its_first_wait(
    make_app: Callable[..., Flask],
) -> None:
    """A worker claims, then waits: a message committed in between sent its notification
    before anyone listened. The wait that starts listening finds it instead of sleeping."""
    app = make_app(WITHDRAWAL_DELIVERY_POLL=0.05)
    waiter = waiter_for(state(app).engine, poll=0.05)
    try:
        _withdraw(app)  # owed before the first wait: on PostgreSQL, before LISTEN
        started = time.monotonic()
        assert waiter.wait(30) is True
        assert time.monotonic() - started < 15  # found, not timed out
    finally:
        waiter.close()


@pytest.mark.postgres
def test_only_a_message_of_its_own_schema_wakes_a_worker(pg_url: str, tmp_path: Path) -> None:
    """One database, two schemas (two shops, or a shop and its staging copy): a message owed
    in one wakes the workers of that one only."""
    base, schema = pg_url.rsplit("%3D", 1)
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}_other"))
    ours, theirs = (create_app({"TESTING": True, "SECRET_KEY": "s", "MAIL_SUPPRESS_SEND": True,
                                "WITHDRAWAL_DATABASE_URL": url},
                               instance_path=str(tmp_path / name))
                    for name, url in (("ours", pg_url), ("theirs", f"{base}%3D{schema}_other")))
    waiter = waiter_for(state(ours).engine, poll=0.05)
    try:
        assert waiter.wait(0.1) is False  # listening from here on
        _withdraw(theirs)
        assert waiter.wait(1.0) is False
        _withdraw(ours)
        assert waiter.wait(30) is True
    finally:
        waiter.close()
        for app in (ours, theirs):
            state(app).wait_for_background()
            state(app).engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema}_other CASCADE"))
        admin.dispose()


@pytest.mark.postgres
def test_the_listening_connection_is_probed_when_idle(pg_url: str, tmp_path: Path) -> None:
    """A listener only waits: a connection dropped silently on the way (a NAT forgetting it)
    must end in an error it hears of, not leave it waiting for ever."""
    import os
    import socket

    app = create_app({"TESTING": True, "SECRET_KEY": "s", "WITHDRAWAL_DATABASE_URL": pg_url},
                     instance_path=str(tmp_path))
    engine = state(app).engine
    waiter = waiter_for(engine, poll=0.05)
    try:
        assert waiter.wait(0.1) is False
        descriptor = os.dup(waiter._connection.fileno())  # type: ignore[attr-defined]
        with socket.socket(fileno=descriptor) as sock:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
    finally:
        waiter.close()
        engine.dispose()


def test_a_transaction_rolled_back_wakes_nobody(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    engine = state(app).engine
    waiter = waiter_for(engine, poll=0.05)
    try:
        assert waiter.wait(0.1) is False  # listening from here on
        with engine.connect() as conn, conn.begin() as transaction:
            conn.execute(insert(outbox).values(  # a message owed, then given up
                reference=None, purpose="anchor", recipient="a@b.example", status="pending",
                attempts=0, next_attempt_at=utcnow(), created_at=utcnow()))
            transaction.rollback()
        assert waiter.wait(0.5) is False
    finally:
        waiter.close()


@pytest.mark.slow
def test_a_worker_sends_at_once_not_at_its_next_round(
    make_app: Callable[..., Flask], database_url: str, mail_config: dict[str, Any],
    smtp_server: SMTPServer, tmp_path: Path,
) -> None:
    app = make_app()
    process = worker({"WITHDRAWAL_DATABASE_URL": database_url, **mail_config,
                      "WITHDRAWAL_SPOOL_DIR": str(tmp_path / "spool")},
                     tmp_path / "worker.log", "deliver", "--loop", "--interval", "600")
    try:
        _withdraw(app, 1)  # sent by the worker's first round, or woken: either way it starts
        _wait_for(lambda: len(smtp_server.messages) == 1, 120, tmp_path / "worker.log")
        started = time.monotonic()
        _withdraw(app, 2)  # the worker now waits out a 600 s interval, unless woken
        _wait_for(lambda: len(smtp_server.messages) == 2, 60, tmp_path / "worker.log")
        assert time.monotonic() - started < 60
        _wait_for(lambda: _statuses(app) == ["sent", "sent"], 30, tmp_path / "worker.log")
    finally:
        stop(process)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["c1@example.com"],
                                                           ["c2@example.com"]]


def test_the_next_attempt_is_the_earliest_pending_message(make_app: Callable[..., Flask]) -> None:
    engine = state(make_app()).engine
    assert seconds_to_next_attempt(engine) is None  # nothing pending: wait for a notification
    with engine.begin() as conn:
        for status, later in (("pending", 40), ("pending", 20), ("sent", 5)):
            conn.execute(insert(outbox).values(
                reference=None, purpose="anchor", recipient="a@b.example", status=status,
                attempts=1, next_attempt_at=utcnow() + timedelta(seconds=later),
                created_at=utcnow()))
    assert 10 < (seconds_to_next_attempt(engine) or 0) <= 20
    with engine.begin() as conn:
        conn.execute(insert(outbox).values(
            reference=None, purpose="anchor", recipient="a@b.example", status="pending",
            attempts=0, next_attempt_at=utcnow() - timedelta(seconds=5), created_at=utcnow()))
    assert seconds_to_next_attempt(engine) == 0.0  # due already


def test_a_worker_waits_for_the_next_attempt_and_longer_after_a_failure(
    make_app: Callable[..., Flask],
) -> None:
    """Due now: look again at once (another worker may hold it this instant); but after a
    round that failed (a database that reads and will not write) not twenty times a second."""
    app = make_app()
    engine = state(app).engine
    with app.app_context():
        assert 599 < _pause(time.monotonic() + 600) <= 600  # nothing pending: the round
        with engine.begin() as conn:
            conn.execute(insert(outbox).values(
                reference=None, purpose="anchor", recipient="a@b.example", status="pending",
                attempts=0, next_attempt_at=utcnow(), created_at=utcnow()))
        assert _pause(time.monotonic() + 600) == 0.05
        assert _pause(time.monotonic() + 600, failed=True) == 5.0
        assert _pause(time.monotonic() + 1, failed=True) <= 1  # the round comes first


@pytest.mark.slow
def test_a_worker_retries_when_the_backoff_ends_not_at_its_next_round(
    make_app: Callable[..., Flask], database_url: str, mail_config: dict[str, Any],
    smtp_server: SMTPServer, tmp_path: Path,
) -> None:
    """No notification marks the end of a backoff: the worker's wait ends there itself."""
    app = make_app()
    smtp_server.answer = "451 4.3.0 Please try again later"
    process = worker({"WITHDRAWAL_DATABASE_URL": database_url, **mail_config,
                      "WITHDRAWAL_SPOOL_DIR": str(tmp_path / "spool"),
                      "WITHDRAWAL_DELIVERY_BACKOFF_SECONDS": 3},
                     tmp_path / "worker.log", "deliver", "--loop", "--interval", "600")
    try:
        _withdraw(app, 1)
        _wait_for(lambda: "retrying 1" in (tmp_path / "worker.log").read_text(), 120,
                  tmp_path / "worker.log")
        smtp_server.answer = "250 OK"  # the retry, 3 s on, is sent; the round is 600 s on
        _wait_for(lambda: _statuses(app) == ["sent"], 60, tmp_path / "worker.log")
    finally:
        stop(process)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["c1@example.com"]]


def _wait_for(condition: Callable[[], bool], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
