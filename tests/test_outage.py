"""The outage test (issue 12, point 7): the database refused, black-holed (a listener that
accepts and never answers; a connection that goes silent mid-way), read-only, or locked.
Every confirm is answered with the receipt and kept in the spool; once the database is back,
``recover`` records each statement and ``deliver`` acknowledges it exactly once, through a
real SMTP server."""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine
from support import Consumer, SMTPServer, free_port

from withdrawal import spool
from withdrawal.storage.schema import upgrade_schema
from withdrawal.storage.statements import load_statement
from wsgi import create_app

#: Consumers per scenario: (name, e-mail, order number, matched demo order?)
CONSUMERS = (
    ("Ann", "ann@example.com", "NO-SUCH-1", False),
    ("Bob", "bob@example.com", "NO-SUCH-2", False),
    ("Mario", "pending@demo.example", "1003", True),
)


class BlackHole:
    """A TCP listener that completes the handshake and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


@dataclass
class Proxy:
    """A TCP proxy to PostgreSQL that can go silent: after ``black_hole.set()`` it forwards
    nothing more, in either direction, on open connections and new ones."""

    upstream: tuple[str, int]
    black_hole: threading.Event = field(default_factory=threading.Event)
    sockets: list[socket.socket] = field(default_factory=list)

    def start(self) -> int:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self.sockets.append(listener)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
                if not data:
                    return
                if not self.black_hole.is_set():
                    target.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


@dataclass
class Outage:
    """An app whose database cannot take statements, and the URL of the database once it
    is back. ``during`` starts the outage (after a warm-up confirm, if any), ``end`` ends it."""

    down_url: str
    back_url: str
    warm_up: bool = False
    during: Callable[[], None] = lambda: None
    end: Callable[[], None] = lambda: None


def _sqlite(tmp_path: Path) -> str:
    return _upgraded(f"sqlite:///{tmp_path / 'withdrawal.sqlite3'}")


def _upgraded(url: str) -> str:
    engine = create_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    return url


def _pg_port(url: str, port: int) -> str:
    return re.sub(r"@127\.0\.0\.1:\d+/", f"@127.0.0.1:{port}/", url)


def _outage(kind: str, tmp_path: Path, stack: ExitStack, request: pytest.FixtureRequest
            ) -> Outage:
    if kind == "sqlite-unreachable":  # its folder cannot be opened (a file is in the way)
        (tmp_path / "gone").write_text("")
        return Outage(f"sqlite:///{tmp_path / 'gone' / 'withdrawal.sqlite3'}", _sqlite(tmp_path))
    if kind == "sqlite-locked":
        url = _sqlite(tmp_path)
        holder = sqlite3.connect(tmp_path / "withdrawal.sqlite3", check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        stack.callback(holder.close)
        return Outage(url, url, end=holder.rollback)
    if kind == "sqlite-read-only":
        url = _sqlite(tmp_path)
        path = tmp_path / "withdrawal.sqlite3"
        return Outage(f"sqlite:///file:{path}?mode=ro&uri=true", url)
    pg_url = str(request.getfixturevalue("pg_url"))
    if kind == "postgres-refused":
        return Outage(_pg_port(pg_url, free_port()), pg_url)
    if kind == "postgres-black-hole":
        hole = BlackHole()
        stack.callback(hole.close)
        return Outage(_pg_port(pg_url, hole.port), pg_url)
    if kind == "postgres-silent-mid-connection":
        _upgraded(pg_url)  # the warm-up confirm only records
        proxy = Proxy(("127.0.0.1", int(re.findall(r":(\d+)/", pg_url)[0])))
        stack.callback(proxy.close)
        return Outage(_pg_port(pg_url, proxy.start()), pg_url, warm_up=True,
                      during=proxy.black_hole.set)
    assert kind == "postgres-read-only"
    return Outage(pg_url + "%20-cdefault_transaction_read_only%3Don", pg_url)


KINDS = [
    "sqlite-unreachable", "sqlite-locked", "sqlite-read-only",
    pytest.param("postgres-refused", marks=pytest.mark.postgres),
    pytest.param("postgres-black-hole", marks=pytest.mark.postgres),
    pytest.param("postgres-silent-mid-connection", marks=pytest.mark.postgres),
    pytest.param("postgres-read-only", marks=pytest.mark.postgres),
]


@pytest.fixture(params=KINDS)
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Outage]:
    with ExitStack() as stack:
        yield _outage(request.param, tmp_path, stack, request)


def _app(url: str, spool_dir: Path, timeout: float, **more: Any) -> Flask:
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WITHDRAWAL_DATABASE_URL": url,
        "WITHDRAWAL_SPOOL_DIR": str(spool_dir), "WITHDRAWAL_DATABASE_TIMEOUT": timeout,
        "WITHDRAWAL_DELIVER_AFTER_COMMIT": False, "MAIL_SUPPRESS_SEND": True, **more,
    })


def _withdraw(app: Flask, name: str, email: str, number: str, matched: bool) -> Any:
    consumer = Consumer(app.test_client())
    if matched:
        assert consumer.identify(name, email, number).status_code == 302
        assert consumer.select(["1"]).status_code == 302
        return consumer.confirm()
    return consumer.withdraw(name, email, number, description=f"{name}'s licence key")


def _reference(html: str) -> str:
    match = re.search(r"<strong>(W-[0-9A-Z]{4}-[0-9A-Z]{4})</strong>", html)
    assert match, html
    return match.group(1)


def _acknowledgements(smtp: SMTPServer) -> dict[str, list[str]]:
    sent: dict[str, list[str]] = {}
    for received in smtp.messages:
        message = received.message()
        reference = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", str(message["Subject"]))
        for rcpt in received.rcpt_tos:
            sent.setdefault(rcpt, []).append(reference.group(0) if reference else "")
    return sent


def test_every_confirm_is_kept_then_recovered_and_acknowledged_once(
    outage: Outage, tmp_path: Path, smtp_server: SMTPServer, mail_config: dict[str, Any],
) -> None:
    spool_dir = tmp_path / "spool"
    down = _app(outage.down_url, spool_dir, timeout=2)
    if outage.warm_up:  # the connection works, then goes silent
        assert _withdraw(down, "Zoe", "zoe@example.com", "WARM-UP", False).status_code == 302
    outage.during()
    references = {}
    for name, email, number, matched in CONSUMERS:
        response = _withdraw(down, name, email, number, matched)
        assert response.status_code == 200, response.get_data(as_text=True)
        references[email] = _reference(response.get_data(as_text=True))
    assert len(spool.waiting(spool_dir)) == len(CONSUMERS)
    outage.end()

    back = _app(outage.back_url, spool_dir, timeout=10, **mail_config)
    runner = back.test_cli_runner()
    for _round in range(2):  # a second round finds nothing more to do
        assert runner.invoke(args=["withdrawal", "recover"]).exit_code == 0
        assert runner.invoke(args=["withdrawal", "deliver"]).exit_code == 0
    sent = _acknowledgements(smtp_server)
    for email, reference in references.items():
        assert sent[email] == [reference], sent  # acknowledged once, under its reference
    engine = back.extensions["withdrawal"].engine
    for reference in references.values():
        stored = load_statement(engine, reference)
        assert stored is not None and "spooled" in stored.content["flags"]
    verify = runner.invoke(args=["withdrawal", "verify"])
    assert verify.exit_code == 0 and "SPOOL" not in verify.output, verify.output
    assert spool.waiting(spool_dir) == []
    engine.dispose()
