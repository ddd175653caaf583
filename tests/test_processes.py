"""Real processes (issue 12, point 7): gunicorn killed with kill -9 during a burst of confirms,
24 concurrent first confirms on an empty database, two web instances and three ``deliver``
workers on one PostgreSQL database, and a worker that recovers the spool. Every answered
POST has its statement; no 5xx; no message lost or doubled (counted by a real SMTP server)."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from serving import Answer, HttpConsumer, Server, stop, worker
from sqlalchemy import func, select
from support import SMTPServer

from withdrawal import spool
from withdrawal.storage.engine import make_engine
from withdrawal.storage.tables import outbox, statements
from withdrawal.storage.verify import verify_chain
from wsgi import create_app

pytestmark = pytest.mark.slow


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def base_config(database_url: str, spool_dir: Path) -> dict[str, Any]:
    return {"WITHDRAWAL_DATABASE_URL": database_url, "WITHDRAWAL_SPOOL_DIR": str(spool_dir),
            "WITHDRAWAL_DELIVER_AFTER_COMMIT": False, "MAIL_SUPPRESS_SEND": True}


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _prepared(base: str, count: int, tag: str) -> list[tuple[HttpConsumer, str]]:
    """``count`` consumers who have done steps 1 and 2, each with their confirm page."""
    def prepare(n: int) -> tuple[HttpConsumer, str]:
        consumer = HttpConsumer(base)
        page = consumer.prepare(f"Consumer {n}", f"c{n}-{tag}@example.com", f"{tag}-{n}",
                                f"Licence key {n}")
        return consumer, page

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(prepare, range(count)))


def _confirm_all(prepared: list[tuple[HttpConsumer, str]],
                 on_answer: Callable[[], None] = lambda: None) -> list[Answer | None]:
    """Every consumer presses the button at once; None: no answer (the server died)."""
    start = threading.Barrier(len(prepared))

    def confirm(item: tuple[HttpConsumer, str]) -> Answer | None:
        consumer, page = item
        start.wait()
        try:
            answer = consumer.confirm(page)
        except (OSError, http.client.HTTPException):
            return None
        on_answer()
        return answer

    with ThreadPoolExecutor(len(prepared)) as pool:
        return list(pool.map(confirm, prepared))


def _recorded(database_url: str) -> set[str]:
    engine = make_engine(database_url, timeout=30)
    with engine.connect() as conn:
        found = set(conn.execute(select(statements.c.reference)).scalars())
    engine.dispose()
    return found


def _spooled(spool_dir: Path) -> set[str]:
    return {spool.read(path).content["reference"] for path in spool.waiting(spool_dir)}


def _recover_and_verify(config: dict[str, Any]) -> int:
    app = create_app({"SECRET_KEY": "k", **config})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["withdrawal", "recover"]).exit_code == 0
    result = verify_chain(app.extensions["withdrawal"].engine)
    app.extensions["withdrawal"].engine.dispose()
    assert result.ok, result.problem
    return result.statements


def test_kill_9_during_a_burst_of_confirms_loses_no_answered_statement(
    base_config: dict[str, Any], database_url: str, spool_dir: Path, tmp_path: Path,
    servers: list[Server],
) -> None:
    server = Server(base_config, tmp_path / "gunicorn.log", workers=2, threads=8).start()
    servers.append(server)
    prepared = _prepared(server.url, 40, "crash")
    answered = threading.Semaphore(0)

    def killer() -> None:
        for _ in range(10):  # let a quarter of the burst be answered, then pull the plug
            answered.acquire(timeout=60)
        server.kill()

    thread = threading.Thread(target=killer)
    thread.start()
    answers = _confirm_all(prepared, answered.release)
    thread.join()
    server.kill()
    kept = [a.reference() for a in answers if a is not None and a.status in (200, 302)]
    assert len(kept) >= 10 and None not in kept
    assert all(a is None or a.status in (200, 302) for a in answers), answers
    assert set(kept) <= _recorded(database_url) | _spooled(spool_dir)
    assert _recover_and_verify(base_config) >= len(kept)
    assert set(kept) <= _recorded(database_url)


def test_24_concurrent_first_confirms_on_an_empty_database_answer_no_5xx(
    base_config: dict[str, Any], database_url: str, spool_dir: Path, tmp_path: Path,
    servers: list[Server],
) -> None:
    server = Server(base_config, tmp_path / "gunicorn.log", workers=3, threads=8).start()
    servers.append(server)
    prepared = _prepared(server.url, 24, "cold")  # no database needed so far
    answers = _confirm_all(prepared)
    statuses = Counter(a.status if a else None for a in answers)
    assert set(statuses) <= {200, 302}, statuses
    references = {a.reference() for a in answers if a}
    assert len(references) == 24 and None not in references
    assert references <= _recorded(database_url) | _spooled(spool_dir)
    assert _recover_and_verify(base_config) == 24


@pytest.mark.postgres
def test_two_web_instances_and_three_workers_send_each_message_once(
    pg_url: str, tmp_path: Path, smtp_server: SMTPServer, mail_config: dict[str, Any],
    servers: list[Server],
) -> None:
    config = {"WITHDRAWAL_DATABASE_URL": pg_url, "WITHDRAWAL_DELIVER_AFTER_COMMIT": True,
              **mail_config}
    webs = [Server({**config, "WITHDRAWAL_SPOOL_DIR": str(tmp_path / f"spool-{n}")},
                   tmp_path / f"web-{n}.log").start() for n in range(2)]
    servers.extend(webs)
    workers = [worker({**config, "WITHDRAWAL_SPOOL_DIR": str(tmp_path / f"spool-{n % 2}")},
                      tmp_path / f"worker-{n}.log", "deliver", "--loop", "--interval", "0.2",
                      "--limit", "2") for n in range(3)]
    try:
        prepared = [item for n, web in enumerate(webs)
                    for item in _prepared(web.url, 15, f"web{n}")]
        answers = _confirm_all(prepared)
        assert all(a is not None and a.status in (200, 302) for a in answers), answers
        _wait_for(lambda: len(smtp_server.messages) >= 30, 180)
        time.sleep(3)  # time enough for a second copy, were one to be sent
    finally:
        for process in workers:
            stop(process)
    recipients = Counter(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos)
    assert len(recipients) == 30 and set(recipients.values()) == {1}, recipients
    engine = make_engine(pg_url, timeout=30)
    with engine.connect() as conn:
        pending = conn.execute(select(func.count()).select_from(outbox)
                               .where(outbox.c.status != "sent")).scalar_one()
    engine.dispose()
    assert pending == 0


def test_a_deliver_loop_recovers_the_spool_and_acknowledges_once(
    database_url: str, spool_dir: Path, tmp_path: Path, smtp_server: SMTPServer,
    mail_config: dict[str, Any],
) -> None:
    from support import Consumer, free_port

    down = create_app({
        "TESTING": True, "SECRET_KEY": "k", "WITHDRAWAL_SPOOL_DIR": str(spool_dir),
        "WITHDRAWAL_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x",
    })
    for n in range(3):
        response = Consumer(down.test_client()).withdraw(f"C{n}", f"c{n}@example.com",
                                                         f"X-{n}", description="x")
        assert response.status_code == 200
    assert len(spool.waiting(spool_dir)) == 3
    process = worker({"WITHDRAWAL_DATABASE_URL": database_url,
                      "WITHDRAWAL_SPOOL_DIR": str(spool_dir), **mail_config},
                     tmp_path / "worker.log", "deliver", "--loop", "--interval", "0.2")
    try:
        _wait_for(lambda: len(smtp_server.messages) >= 3, 120)
        time.sleep(1)
    finally:
        stop(process)
    recipients = Counter(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos)
    assert recipients == Counter({f"c{n}@example.com": 1 for n in range(3)})
    assert spool.waiting(spool_dir) == []


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
