"""Transactions tried again when the database refused them for a moment.

A worker's transaction can meet a lock held longer than ``WITHDRAWAL_DATABASE_TIMEOUT`` (a
host that stalls the process holding the chain's head, a slow disk under a commit): PostgreSQL
cancels the statement (``statement_timeout``), SQLite answers "database is locked". The
transaction was rolled back, nothing of it stays, so it is safe to try it again; giving up
instead would leave a message sent but unrecorded until its lease passes, and then sent twice.

Only errors that prove the rollback are tried again: a lost connection may have lost the
answer to a COMMIT that took effect, and is raised as it is.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: PostgreSQL's SQLSTATEs of a statement refused without effect: query canceled (the
#: statement timeout), lock not available, deadlock detected, serialization failure.
REFUSED = frozenset({"57014", "55P03", "40P01", "40001"})

#: Tries in all, and the pause before the second (doubled before each further one).
ATTEMPTS = 4
PAUSE = 0.25


def refused(exc: BaseException) -> bool:
    """Whether ``exc`` is the database refusing a statement for now, its transaction rolled
    back: a lock it could not get in time, a deadlock or serialization failure."""
    if not isinstance(exc, DBAPIError) or exc.connection_invalidated:
        return False
    original = exc.orig
    if getattr(original, "sqlstate", None) in REFUSED:
        return True
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)


def retried(work: Callable[[], T], what: str, *, attempts: int = ATTEMPTS,
            pause: float = PAUSE) -> T:
    """``work()``, one whole transaction, tried again (up to ``attempts`` in all, pausing
    ``pause`` seconds, then twice as long each time) while the database refuses it for now."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not refused(exc):
                raise
            log.warning("%s: the database refused it for now (%s); trying again (%s of %s)",
                        what, exc.orig.__class__.__name__, attempt + 1, attempts)
            time.sleep(pause * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # the loop returns or raises


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached or did not answer in time (a
    lost connection, a lock or statement timeout), as opposed to refusing what it was given
    (a constraint, a value no column takes) or a fault of the caller's own."""
    if isinstance(exc, (OperationalError, InterfaceError, TimeoutError, ConnectionError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
