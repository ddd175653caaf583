"""Engines: SQLite (the embedded default, WAL, durable commits) or any SQLAlchemy URL, each
bounded in time so that a database that is down, locked or silent answers with an error within
``timeout`` seconds instead of holding the consumer's request (the statement then goes to the
spool, ``withdrawal/spool.py``). SQLite's writers queue for their turn (``writers.py``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, ExceptionContext, create_engine, event, make_url

from . import writers

#: Seconds allowed by default (``WITHDRAWAL_DATABASE_TIMEOUT``).
DEFAULT_TIMEOUT = 5.0


def default_url(instance_path: str) -> str:
    """``instance/withdrawal.sqlite3`` beside the host app."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(instance_path) / "withdrawal.sqlite3")


def make_engine(url: str, timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """An engine with the settings each backend needs for a durable append-only log, and with
    ``timeout`` as its connect timeout, lock wait (SQLite's busy timeout) and statement timeout
    (PostgreSQL)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": timeout,
                                                  "factory": writers.QueuedConnection})
        event.listen(engine, "connect", _sqlite_pragmas)
        writers.queue(engine, make_url(url).database or "", timeout)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_timeout=timeout,
                           connect_args=_postgres_timeouts(url, timeout))
    event.listen(engine, "handle_error", _close_lost_cursor)
    return engine


def _postgres_timeouts(url: str, timeout: float) -> dict[str, Any]:
    """libpq's connect timeout (whole seconds, 2 at least) and a server-side statement
    timeout, added to any ``options`` the URL already carries (e.g. a search_path)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return {}
    options = str(parsed.query.get("options", ""))
    milliseconds = max(1, int(timeout * 1000))
    return {
        "connect_timeout": max(2, math.ceil(timeout)),
        "options": f"{options} -c statement_timeout={milliseconds}".strip(),
    }


def _close_lost_cursor(context: ExceptionContext) -> None:
    """Close the cursor of a statement whose connection was lost. SQLAlchemy leaves it to the
    garbage collector then, and a streamed query's server-side cursor warns that it was
    deleted while open. (The context's own ``cursor`` is not set in SQLAlchemy 2.1: the
    execution context's is.)"""
    executed = context.execution_context
    cursor = getattr(executed, "cursor", None)
    if context.is_disconnect and cursor is not None:
        with suppress(Exception):  # the connection is gone: nothing to tell the server
            cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while a statement is written; FULL makes a commit survive power
    # loss, which the consumer's statement deserves.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


#: What a reader reads from: an engine (a connection of its own) or a connection already open
#: (its transaction, e.g. ``one_snapshot``'s, shared with the caller's other reads).
Source = Engine | Connection


@contextmanager
def connected(source: Source) -> Iterator[Connection]:
    """A connection of ``source``: itself when it is one (left open), else a new one."""
    if isinstance(source, Connection):
        yield source
        return
    with source.connect() as conn:
        yield conn


def one_snapshot(conn: Connection) -> Connection:
    """``conn`` reading one snapshot of the record from its first query to its last (a walk of
    ``verify``, an export): what the shop records meanwhile is not read in part. PostgreSQL:
    a REPEATABLE READ transaction (READ COMMITTED, the default, takes a snapshot per query),
    without the statement timeout that keeps a consumer's request short: a long read is what
    it is for, and a check of the whole record (``verify``'s stray index rows, about 0.7 s per
    million statements) would otherwise fail for good past some size. A read takes no lock
    that a statement's write waits for. SQLite: a transaction begun by hand, since the driver
    begins none for reads (each query, or each streamed cursor, would read the database as it
    then is); its busy timeout is a lock wait, which a WAL reader never has."""
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")  # takes no snapshot yet
        return conn
    conn.exec_driver_sql("BEGIN")
    return conn
