"""Waking the delivery workers the moment a message is owed.

The transaction that puts a message in the outbox also wakes the workers: on PostgreSQL a
trigger on the outbox (migrations 0018, 0021) sends ``NOTIFY withdrawal_outbox``, which the server
delivers at commit (never for a transaction rolled back), to every ``flask withdrawal deliver
--loop`` listening on any host.
SQLite has no notifications: its workers look for a due message every
``WITHDRAWAL_DELIVERY_POLL`` seconds instead, with one indexed read that never takes the
write lock. Either way a worker that is woken for nothing finds nothing to claim; a wake-up
only saves waiting, the outbox stays the record of what is owed."""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine, func, select

from .tables import outbox

log = logging.getLogger(__name__)

#: The PostgreSQL channel (one per database: workers of every schema share it; each
#: notification's payload names its schema, and a worker counts only its own).
CHANNEL = "withdrawal_outbox"


class Waiter(Protocol):
    def wait(self, timeout: float) -> bool:
        """Wait until a message may be due or ``timeout`` seconds pass; True when woken."""

    def close(self) -> None:
        """Stop listening."""


def waiter_for(engine: Engine, poll: float) -> Waiter:
    """How a worker of this database waits for work: ``LISTEN`` on PostgreSQL, a poll every
    ``poll`` seconds elsewhere."""
    if engine.dialect.name == "postgresql":
        return Listener(engine)
    return Poller(engine, poll)


class Poller:
    """SQLite: one read of the outbox's due index every ``poll`` seconds."""

    def __init__(self, engine: Engine, poll: float) -> None:
        self.engine, self.poll = engine, max(poll, 0.01)

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(self.poll, left))
            if self._due():
                return True
        return False

    def _due(self) -> bool:
        try:
            return message_due(self.engine)
        except Exception as exc:  # the database is away: the round after the timeout says so
            log.debug("outbox poll failed: %s", exc)
            return False

    def close(self) -> None:
        pass


def message_due(engine: Engine) -> bool:
    """Whether a message waits to be sent now: one read of the outbox's due index."""
    query = (select(outbox.c.id)
             .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= datetime.now(UTC))
             .limit(1))
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def seconds_to_next_attempt(engine: Engine) -> float | None:
    """Seconds until the earliest pending message falls due (a retry after its backoff, a
    claim whose lease runs out), 0 when one is due already; None when none is pending or
    the database cannot say. No notification marks that moment: a worker waits for it."""
    query = select(func.min(outbox.c.next_attempt_at)).where(outbox.c.status == "pending")
    try:
        with engine.connect() as conn:
            earliest: datetime | None = conn.execute(query).scalar_one_or_none()
    except Exception as exc:  # the database is away: the next round says so
        log.debug("outbox's next attempt unknown: %s", exc)
        return None
    if earliest is None:
        return None
    return max(0.0, (earliest - datetime.now(UTC)).total_seconds())


#: TCP keepalive of the listening connection: first probe after this many idle seconds, then
#: every ``KEEPALIVE_INTERVAL``, the peer given up after ``KEEPALIVE_PROBES`` unanswered.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_PROBES = 60, 10, 3


def keep_alive(descriptor: int) -> None:
    """Probe an idle connection, so that one dropped silently on the way (a NAT or firewall
    forgetting it) ends in an error within about 90 s instead of waiting for ever: a
    listener otherwise only ever waits, and would never hear of its loss."""
    with socket.socket(fileno=os.dup(descriptor)) as sock:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # a Unix socket: the server is on this host, nothing on the way drops it
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE),
                            ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
                            ("TCP_KEEPCNT", KEEPALIVE_PROBES)):
            if hasattr(socket, name):  # Linux; other systems keep their defaults
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


class Listener:
    """PostgreSQL: a connection of its own (taken out of the pool) that ``LISTEN``s. A lost
    connection is opened again at the next wait; meanwhile the worker waits out its timeout,
    as it would without notifications.

    A notification sent before ``LISTEN`` reaches nobody, so a wait that has just started
    listening first looks whether a message is already due (one committed while the worker
    was claiming, or while its connection was away) and returns at once when one is.

    The channel is the whole database's: a notification's payload names the schema whose
    outbox was written (revision 0021), and only this worker's schema, or an empty payload
    (a process not yet upgraded), wakes it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Any = None
        self._schema = ""

    def wait(self, timeout: float) -> bool:
        try:
            if self._connection is None:
                self._connection = self._listen()
                if message_due(self.engine):  # committed before LISTEN: no notification
                    return True
            return self._notified(self._connection, time.monotonic() + max(timeout, 0.0))
        except Exception as exc:  # the database is away: wait as a poll would
            log.warning("LISTEN %s failed (%s): waiting %.0f s", CHANNEL, exc, timeout)
            self.close()
            time.sleep(timeout)
            return False

    def _notified(self, connection: Any, deadline: float) -> bool:
        """Whether a notification of this schema comes before ``deadline``; the rest of the
        burst that woke it is taken too (one round claims for all of it)."""
        while (left := deadline - time.monotonic()) > 0:
            payloads = [n.payload for n in connection.notifies(timeout=left, stop_after=1)]
            if any(payload in ("", self._schema) for payload in payloads):
                for _notify in connection.notifies(timeout=0.0):
                    pass
                return True
        return False

    def _listen(self) -> Any:
        pooled = self.engine.raw_connection()
        connection: Any = pooled.driver_connection
        pooled.detach()  # its LISTEN must not go back to the pool
        connection.autocommit = True
        keep_alive(connection.fileno())
        self._schema = connection.execute("SELECT current_schema()").fetchone()[0]
        connection.execute(f"LISTEN {CHANNEL}")
        return connection

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # already gone
                pass
            self._connection = None
