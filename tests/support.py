"""Test helpers shared by the test modules: a client that walks the three steps, CSRF tokens
and references out of pages, the text of a PDF, a real SMTP server."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import pypdf
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select, text, update

from withdrawal.state import engine, state
from withdrawal.statement import LineJSON, StatementContent
from withdrawal.storage.chain import lock_head
from withdrawal.storage.tables import ledger

#: The ``make_app`` fixture: ``make_app(**overrides)`` makes the demo shop from ``app_config``
#: with ``overrides``.
MakeApp = Callable[..., Flask]

#: A statement's reference as pages, e-mails and PDFs show it.
REFERENCE = re.compile(r"\bW-[0-9A-Z]{4}-[0-9A-Z]{4}\b")

_CSRF = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"')
_KEY = re.compile(r'id="key" name="key" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on the page, whether its field is ``csrf_token`` or
    prefixed (``accepted-csrf_token``: the audit area's decision forms). Flask-WTF gives every
    form of a page the same token, so it serves for any of them."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def reference_in(text: str) -> str:
    """The first statement reference in ``text`` (a receipt page, an audit page...)."""
    match = REFERENCE.search(text)
    assert match, "no statement reference in page"
    return match.group(0)


def delivery_recorded(
    app: Flask, reference: str, *, error: str | None = None, smtp_reply: str | None = None,
) -> dict[str, Any]:
    """The acknowledgement's outcome as the delivery worker records it, without sending: its
    outbox entry claimed, then marked sent (or, with ``error``, failed for good) with its
    event in one transaction. Returns the event's data."""
    from withdrawal.delivery import outbox
    from withdrawal.statement import EventType
    from withdrawal.storage.statements import append_event, utcnow

    [entry] = outbox.claim_due(engine_of(app), reference=reference)
    now = utcnow()
    data: dict[str, Any] = {"purpose": entry.purpose, "recipient": entry.recipient,
                            "message_id": entry.message_id, "attempt": entry.attempts}
    with engine_of(app).begin() as conn:
        if error is None:
            outbox.mark_sent(conn, entry, entry.message_id or "", now, smtp_reply)
            data |= {"smtp_reply": smtp_reply, "sent_at": now.isoformat()}
            append_event(conn, reference, EventType.ACKNOWLEDGEMENT_SENT, data)
        else:
            outbox.mark_failed(conn, entry, error, final=True, retry_at=now)
            data |= {"error": error, "final": True, "retry_at": None}
            append_event(conn, reference, EventType.ACKNOWLEDGEMENT_FAILED, data)
    return data


def engine_of(app: Flask) -> Engine:
    """The app's database engine (the record)."""
    return engine(app)


def rewrite_entry(app: Flask, seq: int = 1, **content: Any) -> None:
    """Change the recorded content of ledger entry ``seq`` as an insider with database access
    could, leaving its hashes as they were."""
    with engine_of(app).begin() as conn:
        body = json.loads(conn.execute(select(ledger.c.body).where(ledger.c.seq == seq))
                          .scalar_one())
        body["content"].update(content)
        conn.execute(update(ledger).where(ledger.c.seq == seq).values(body=json.dumps(body)))


def statement_content(
    reference: str, at: datetime, *, name: str = "Ann Example", email: str = "ann@example.com",
    order_number: str = "1001", order_matched: bool = True,
    statuses: Sequence[str] = ("withdrawable",), contract_description: str | None = None,
    flags: list[str] | None = None, lines: Sequence[Any] | None = None,
) -> StatementContent:
    """A statement's content with every key the app records: a licence key per status in
    ``statuses`` when the order matched; without lines, with a description and the
    ``order-not-found`` flag when it did not; ``lines`` replaces the generated lines."""
    recorded: list[LineJSON] = list(lines) if lines is not None else [
        {"line_id": str(n), "title": f"Licence key {n}", "quantity": 1, "unit_price": "19.90",
         "kind": "digital-content", "assessment": assessment(str(n), status)}
        for n, status in enumerate(statuses, start=1)
    ] if order_matched else []
    if contract_description is None:
        contract_description = "" if order_matched else "A key bought last week"
    return {
        "reference": reference, "submitted_at": at.isoformat(), "timezone": "Europe/Rome",
        "locale": "en", "name": name, "email": email,
        "order_number": order_number, "order_matched": order_matched,
        "order_email": "ann@example.com" if order_matched else None,
        "contract_description": contract_description,
        "currency": "EUR", "trader": {"name": "Demo", "address": "", "email": ""},
        "lines": recorded,
        "labels": {"locale": "en", "entry": "Withdraw from contract here",
                   "confirm": "Confirm withdrawal", "verified": True, "source": "CRD",
                   "overridden": False},
        "flags": flags if flags is not None else [] if order_matched else ["order-not-found"],
    }


def assessment(line_id: str, status: str) -> dict[str, Any]:
    """A line's recorded assessment with one reason, as the legal engine writes it."""
    return {
        "line_id": line_id, "status": status, "assessed_at": "2026-11-22T10:11:12.123456+00:00",
        "period_start": "2026-11-20", "deadline": "2026-12-04T23:59:59.999999+01:00",
        "deadline_timezone": "Europe/Rome", "policy_deadline": None,
        "no_cost": status == "withdrawable",
        "reasons": [{"code": "period-14-days", "article": "CRD Art. 9(1)",
                     "message": "The withdrawal period is 14 days.", "params": {}}],
    }


def english(message: str) -> str:
    """The identity gettext: the English msgids as they are."""
    return message


def squash(text: str) -> str:
    """Collapse all whitespace (Babel's no-break spaces too) to single spaces."""
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    """All text of a PDF, whitespace collapsed (lines wrap wherever the layout breaks them)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return squash(" ".join(page.extract_text() or "" for page in reader.pages))


@dataclass
class Consumer:
    """Walks the three steps through the test client as a browser would."""

    client: FlaskClient
    prefix: str = "/withdrawal"

    def identify(self, name: str, email: str, number: str) -> Any:
        page = self.client.get(self.prefix + "/").get_data(as_text=True)
        return self.client.post(self.prefix + "/", data={
            "csrf_token": csrf_token(page), "name": name, "email": email, "order_number": number,
        })

    def select(self, lines: list[str] | None = None, description: str = "") -> Any:
        page = self.client.get(self.prefix + "/select").get_data(as_text=True)
        data: dict[str, Any] = {"csrf_token": csrf_token(page), "description": description}
        if lines is not None:
            data["lines"] = lines
        return self.client.post(self.prefix + "/select", data=data)

    def confirm_page(self) -> str:
        return str(self.client.get(self.prefix + "/confirm").get_data(as_text=True))

    def confirm(self, page: str | None = None) -> Any:
        page = page or self.confirm_page()
        key = _KEY.search(page)
        assert key, "no submission key on the confirm page"
        return self.client.post(self.prefix + "/confirm", data={
            "csrf_token": csrf_token(page), "key": key.group(1),
        })

    def withdraw(self, name: str, email: str, number: str, lines: list[str] | None = None,
                 description: str = "") -> Any:
        """The whole flow; returns the confirm POST's response."""
        assert self.identify(name, email, number).status_code == 302
        assert self.select(lines, description).status_code == 302
        return self.confirm()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    at: float = field(default_factory=time.time)  # when the server took it (bench/flow.py)

    def message(self) -> Any:
        from email import message_from_bytes, policy

        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class SMTPServer:
    """A real SMTP server (aiosmtpd) on a free loopback port. ``answer`` sets the reply to
    DATA, e.g. "451 4.3.0 try later" or "550 5.1.1 no such user"."""

    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    answer: str = "250 OK"
    greetings: int = 0  # EHLO/HELO sessions: one per connection a client opened

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer.startswith("250"):
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content or envelope.content)))
        return self.answer


Server = TypeVar("Server", bound=SMTPServer)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """``server`` answering SMTP on its host and port until the block ends."""
    from aiosmtpd.controller import Controller

    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settle(app: Flask) -> None:
    """Wait for the after-commit deliveries to finish."""
    state(app).wait_for_background()


#: The trader's details every app must configure (start-up fails without them), for tests that
#: build a bare shop of their own.
TRADER_CONFIG: dict[str, Any] = {
    "WITHDRAWAL_TRADER_NAME": "Host Shop GmbH",
    "WITHDRAWAL_TRADER_ADDRESS": "Hauptstr. 1\n10115 Berlin",
    "WITHDRAWAL_TRADER_EMAIL": "service@host.example",
}


def by_recipient(server: SMTPServer, address: str) -> Any:
    """The one message the SMTP server received for ``address``."""
    matches = [m for m in server.messages if address in m.rcpt_tos]
    assert len(matches) == 1, [m.rcpt_tos for m in server.messages]
    return matches[0].message()


@contextmanager
def head_held(app: Flask, seconds: float) -> Iterator[None]:
    """Another connection holds the chain's head (on SQLite: the write lock) for ``seconds``,
    from before the block runs: set them past the app's database timeout to see a writer
    refused, short of its retries to see it go through."""
    locked = threading.Event()

    def hold() -> None:
        with engine_of(app).begin() as conn:
            lock_head(conn)
            locked.set()
            threading.Event().wait(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(5)
    try:
        yield
    finally:
        holder.join()


@contextmanager
def database_fails_at(app: Flask, marker: str, nth: int = 1) -> Iterator[None]:
    """The database fails, for real, the ``nth`` statement of the app's engine that holds
    ``marker``: SQLite interrupts it (a progress handler asks it to), PostgreSQL's session
    is ended before it runs."""
    seen: list[str] = []
    interrupted: list[Any] = []
    app_engine = engine_of(app)

    def fail(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if marker not in statement:
            return
        seen.append(statement)
        if len(seen) != nth:
            return
        dbapi = conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite":
            dbapi.set_progress_handler(lambda: 1, 1)
            interrupted.append(dbapi)
            return
        with app_engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"),
                          {"pid": dbapi.info.backend_pid})

    event.listen(app_engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(app_engine, "before_cursor_execute", fail)
        for dbapi in interrupted:  # back in the pool (unless it was closed), it works again
            with suppress(sqlite3.ProgrammingError):
                dbapi.set_progress_handler(None, 1)
