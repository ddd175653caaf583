"""SQLite's writers, queued.

SQLite lets one transaction write at a time. A writer that finds the database locked sleeps
and tries again, and its sleeps grow from 1 ms to 100 ms (SQLite's busy handler): under the
consumers' flow (``bench/flow.py``: two web processes of four threads and a delivery worker,
three write transactions per statement) the web processes waited for the chain's head a
median 11–16 ms, a p95 of 250–340 ms and up to 1.2 s, asleep while the lock was left and
taken again. So every write transaction of an engine made by ``make_engine`` queues before its
first write: the threads of a process on a lock of their own (each woken in turn), then one
thread per process on an OS lock of the file ``<database>.write-lock`` beside the database
(the kernel wakes its waiters in turn). It leaves the queue when it commits or rolls back,
and SQLite's lock is free when it asks for it. A writer outside the queue (another program, the
``sqlite3`` shell, a platform without ``fcntl``) meets SQLite's busy handler as before.

A place in the queue is waited for within the engine's timeout, as SQLite's lock is; past it
the statement fails as SQLite's would, "database is locked" (``storage/transient.py`` tries a
worker's transaction again; a consumer's statement goes to the spool)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import Engine, event

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

#: The statements that take SQLite's write lock (data and schema).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class Gate:
    """One process's way into the queue of the writers of one database file: its threads
    queue on ``threads``, and the one whose turn it is in this process on the lock file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.threads = threading.Lock()
        self.fd: int | None = None  # the lock file, locked, while a thread here writes

    def enter(self, timeout: float) -> None:
        """Wait for this thread's turn (``timeout`` seconds at most)."""
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=max(timeout, 0)):
            raise _locked()
        try:
            self.fd = _lock_file(self.path, deadline)
        except BaseException:
            self.threads.release()
            raise

    def leave(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            _unlock(fd)
        self.threads.release()


def _lock_file(path: str, deadline: float) -> int | None:
    """The lock file, opened and locked (None without ``fcntl``): at once when it is free,
    else in the kernel's queue of its waiters, given up on at ``deadline``."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        pass
    except BaseException:
        os.close(fd)
        raise
    if _Turn(fd).wait(deadline - time.monotonic()):
        return fd
    raise _locked()


def _unlock(fd: int) -> None:
    """Unlocked for every copy of the descriptor (a child forked meanwhile has one), closed."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class _Turn:
    """A blocking lock of the file on a thread of its own: the kernel wakes the waiter as soon
    as the lock is left, and the thread that asked can give up at its deadline (a lock wait
    has no timeout). Given up on, the thread leaves the lock as soon as it gets it."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.got = threading.Event()
        self.settled = threading.Lock()
        self.abandoned = False
        self.error: OSError | None = None
        threading.Thread(target=self._wait, name="withdrawal-writers-queue",
                         daemon=True).start()

    def _wait(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError as exc:
            self.error = exc
        with self.settled:
            if self.abandoned:
                _unlock(self.fd)
                return
            self.got.set()

    def wait(self, timeout: float) -> bool:
        """Whether the lock was got within ``timeout`` seconds (the descriptor is closed
        when it was not)."""
        if not self.got.wait(max(timeout, 0)):
            with self.settled:
                self.abandoned = not self.got.is_set()
            if self.abandoned:
                return False
        if self.error is not None:
            os.close(self.fd)
            raise self.error
        return True


def _locked() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked (waiting for the writers' queue)")


_gates: dict[tuple[int, str], Gate] = {}
_gates_made = threading.Lock()


def _forget_gates() -> None:
    """In a child just forked: the parent's gates (and a lock another thread of the parent
    may have held at the fork) are not the child's."""
    global _gates_made
    _gates.clear()
    _gates_made = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_gates)


def gate_for(database: str) -> Gate | None:
    """The gate of ``database`` (a file path, as the URL names it) in this process; None for
    a database in memory. Kept per process: a child forked gets its own (the key's pid, for
    a connection the child inherited, and ``_forget_gates``)."""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    path = os.path.abspath(database) + ".write-lock"
    key = (os.getpid(), path)
    with _gates_made:
        return _gates.setdefault(key, Gate(path))


class QueuedConnection(sqlite3.Connection):
    """``sqlite3``'s connection that leaves the writers' queue when its transaction ends."""

    gate: Gate | None = None
    timeout: float = 5.0
    queued: bool = False

    def enter_queue(self) -> None:
        if not self.queued and self.gate is not None:
            self.gate.enter(self.timeout)
            self.queued = True

    def leave_queue(self) -> None:
        if self.queued and self.gate is not None:
            self.queued = False
            self.gate.leave()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_queue()

    def __del__(self) -> None:  # a connection dropped without close: its place is left
        self.leave_queue()


def queue(engine: Engine, database: str, timeout: float) -> None:
    """The writers of ``engine`` (made with ``QueuedConnection`` as its connections' factory)
    queue for ``database`` (its path, as the URL names it), ``timeout`` seconds at most."""

    def prepare(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, QueuedConnection):
            dbapi_connection.gate = gate_for(database)
            dbapi_connection.timeout = timeout

    event.listen(engine, "connect", prepare)
    event.listen(engine, "before_cursor_execute", _queue_writes)
    event.listen(engine, "after_cursor_execute", _leave_outside_transactions)


def _queue_writes(conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any,
                 _executemany: bool) -> None:
    """Before a statement (SQLAlchemy's ``before_cursor_execute``): a write takes its place
    in the queue, unless its transaction has one."""
    dbapi = conn.connection.dbapi_connection
    if isinstance(dbapi, QueuedConnection) and not dbapi.queued and _writes(statement, context):
        dbapi.enter_queue()


def _leave_outside_transactions(conn: Any, *_: Any) -> None:
    """After a statement: a write that left no transaction open (autocommit) leaves the
    queue at once."""
    dbapi = conn.connection.dbapi_connection
    if isinstance(dbapi, QueuedConnection) and dbapi.queued and not dbapi.in_transaction:
        dbapi.leave_queue()


def _writes(statement: str, context: Any) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    return statement.lstrip()[:7].upper().startswith(_WRITES)
