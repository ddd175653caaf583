"""Asking the database on a consumer's behalf, within ``WITHDRAWAL_DATABASE_TIMEOUT``.

The engine bounds connecting, lock waits and statements (``storage/engine.py``), but a
connection that stops answering mid-way (a "black hole": a firewall dropping packets, a server
frozen by its host) would still hold the request for as long as TCP cares to wait. So the work
runs on a thread of its own and the request waits for it only until the deadline; then the work
is abandoned and :class:`DatabaseUnavailable` is raised, as for any other failure of the
database, so the caller can fall back (the spool, a page without the check).

The threads are daemons (an abandoned one must not keep the process from exiting) and at most
:data:`MAX_THREADS` run at once per process, so a silent database cannot pile them up: a
request that finds no free slot before its deadline gives up like one that timed out.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import Engine

from .state import state

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The instant (``time.monotonic()``) after which the current guarded work is abandoned.
_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("withdrawal_deadline")

#: Database threads running at once in this process, abandoned ones included.
MAX_THREADS = 16
_slots = threading.BoundedSemaphore(MAX_THREADS)


class DatabaseUnavailable(RuntimeError):
    """The database failed, or did not answer within the deadline."""


def with_database(work: Callable[[Engine], T], app: Flask | None = None) -> T:
    """``work(engine)`` on a database thread, within the app's database timeout; any failure
    (setting the engine up included) is raised as :class:`DatabaseUnavailable`."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    timeout = state(app).database_timeout
    deadline = time.monotonic() + timeout
    try:
        return _start(app, work, deadline).result(timeout=max(0, deadline - time.monotonic()))
    except FutureTimeout:
        log.error("the database did not answer within %ss", timeout)
        raise DatabaseUnavailable("the database did not answer in time") from None
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        log.error("the database failed: %s: %s", exc.__class__.__name__, exc)
        raise DatabaseUnavailable(f"{exc.__class__.__name__}: {exc}") from exc


def _start(app: Flask, work: Callable[[Engine], T], deadline: float) -> Future[T]:
    """``work`` on a daemon thread once a slot is free; the future holds its outcome."""
    future: Future[T] = Future()
    if not _slots.acquire(timeout=max(0, deadline - time.monotonic())):
        future.set_exception(FutureTimeout())
        return future

    def run() -> None:
        try:
            future.set_result(_run(app, work, deadline))
        except BaseException as exc:
            future.set_exception(exc)
        finally:
            _slots.release()

    threading.Thread(target=run, name="withdrawal-database", daemon=True).start()
    return future


def check_deadline() -> None:
    """Raise :class:`DatabaseUnavailable` if the guarded work's request stopped waiting:
    called before a commit, so abandoned work does not record behind the caller's back."""
    deadline = _deadline.get(None)
    if deadline is not None and time.monotonic() > deadline:
        raise DatabaseUnavailable("abandoned: the deadline passed")


def _run(app: Flask, work: Callable[[Engine], T], deadline: float) -> T:
    token = _deadline.set(deadline)
    try:
        check_deadline()  # started after the deadline: the caller has gone
        with app.app_context():
            return work(state(app).engine)
    finally:
        _deadline.reset(token)
