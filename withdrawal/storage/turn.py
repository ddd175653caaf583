"""One process at a time, across every process and host of the shop, for work that must not
run twice at once: anchoring the chain (``anchoring.service``). Several ``deliver --loop``
workers start their rounds together (woken by the same NOTIFY, started by the same deploy);
without a turn each would ask the TSAs for a token, write a witness file and e-mail the
witnesses for the same head.

PostgreSQL is the coordination: a session advisory lock (``pg_try_advisory_lock``), held by a
connection of its own while the work runs and outside any transaction (no session left idle
in one while a TSA answers), given back by ``pg_advisory_unlock`` or, should the connection
die, by the server. A SQLite database is one host's: a file lock beside it, as the schema
upgrade takes (``storage.schema``). An in-memory database has one process: always its turn.

The turn is a courtesy, not the evidence's guard: the chain's head lock still orders every
append, so work done twice (a lock lost with its connection) records twice, never wrongly."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, func, select

log = logging.getLogger(__name__)

#: The advisory lock key of anchoring ("wdra" in ASCII; the schema upgrade's is "wdrw").
ANCHOR_TURN = 0x77647261

#: Seconds between two tries while waiting for a turn.
POLL = 0.2


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite database (None: another database, or one in memory)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database.startswith("file:"):  # a URI filename (``?uri=true``)
        database = database[len("file:"):].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    return Path(database)


@contextmanager
def exclusive_turn(engine: Engine, key: int, name: str, *, wait: float = 0.0) -> Iterator[bool]:
    """Whether this process has the turn ``key`` (PostgreSQL) or ``name`` (the lock file's
    suffix beside a SQLite database), waiting up to ``wait`` seconds for it; held until the
    block ends."""
    if engine.dialect.name == "postgresql":
        with _advisory_turn(engine, key, wait) as mine:
            yield mine
        return
    database = sqlite_file(engine)
    if database is None:
        yield True
        return
    lock = FileLock(f"{database}.{name}-lock", timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


@contextmanager
def _advisory_turn(engine: Engine, key: int, wait: float) -> Iterator[bool]:
    with engine.connect() as conn:
        if not _try(conn, key, time.monotonic() + wait):
            yield False
            return
        try:
            yield True
        finally:
            _give_back(conn, key)


def _try(conn: Connection, key: int, deadline: float) -> bool:
    while True:
        mine = bool(conn.execute(select(func.pg_try_advisory_lock(key))).scalar())
        conn.commit()  # the session keeps the lock; no transaction stays open
        if mine or time.monotonic() >= deadline:
            return mine
        time.sleep(POLL)


def _give_back(conn: Connection, key: int) -> None:
    try:
        conn.execute(select(func.pg_advisory_unlock(key)))
        conn.commit()
    except Exception as exc:  # the work's own outcome stands; its lock must not outlive it
        log.warning("giving back the turn %#x failed (%s): closing its connection", key, exc)
        conn.invalidate()  # its session ends, and the server gives the lock back
