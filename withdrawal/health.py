"""``flask withdrawal health``: what a monitor should wake someone for, one line per check,
exit status 1 when one fails. Delivery runs in workers of their own (``deliver --loop``): a
shop whose workers stopped, or were never started, records every statement and sends no
acknowledgement, which Art. 11a(4) CRD wants sent without undue delay. This is its alarm,
for cron, a systemd timer or a monitoring agent.

- ``database``: reachable, and its schema at the revision this version ships;
- ``delivery``: no message due for longer than ``after`` (no worker sends, or they cannot
  keep up);
- ``failed``: no message failed for good without a resend since (``requeue``);
- ``spool``: no statement waiting in this host's spool (the database could not take it;
  the worker's round, or ``recover``, moves it into the chain);
- ``anchors`` (when ``WITHDRAWAL_WITNESSES`` names witnesses): no entry unanchored for more
  than two anchor intervals (the worker anchors every interval; a witness that fails only
  shows in its log, and the entries since are then as strong as the database alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from . import spool
from .audit.requeue import final_failures
from .delivery.outbox import waiting
from .storage.anchors import unanchored_since
from .storage.schema import current_revision, head_revision
from .storage.statements import utcnow


@dataclass(frozen=True)
class Check:
    """One check's outcome: its name, whether it holds, and what it found."""

    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'OK' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def check_health(open_engine: Callable[[], Engine], spool_dir: str | Path, after: timedelta,
                 now: datetime | None = None,
                 anchor_every: timedelta | None = None) -> list[Check]:
    """Every check, in the order above. ``open_engine`` gives the app's engine (opening it
    may fail: that is the database check's finding); the delivery and anchor checks are left
    out when the database cannot be read, the anchor check without ``anchor_every`` (no
    witnesses)."""
    try:
        engine = open_engine()
        database = _database(engine)
    except (SQLAlchemyError, OSError) as exc:
        return [Check("database", False, f"cannot be read: {exc.__class__.__name__}: "
                                         f"{str(exc).splitlines()[0]}"), _spool(spool_dir)]
    checks = [database]
    if database.ok:
        checks += [_delivery(engine, after, now), _failed(engine)]
    checks.append(_spool(spool_dir))
    if database.ok and anchor_every is not None:
        checks.append(_anchors(engine, anchor_every, now or utcnow()))
    return checks


def _database(engine: Engine) -> Check:
    revision = current_revision(engine)
    head = head_revision()
    if revision != head:
        return Check("database", False, f"schema at revision {revision or 'none'}, this "
                                        f"version needs {head}: run flask withdrawal init-db")
    return Check("database", True, f"reachable, schema at revision {head}")


def _delivery(engine: Engine, after: timedelta, now: datetime | None) -> Check:
    minutes = f"{after.total_seconds() / 60:g} minutes"
    late = waiting(engine, after, now)
    if not late.count:
        return Check("delivery", True, f"no message due for more than {minutes}")
    since = f"{late.since:%Y-%m-%d %H:%M} UTC" if late.since else "?"
    return Check("delivery", False, f"{_count(late.count, 'message')} due for more than "
                                    f"{minutes}, the "
                                    f"oldest since {since}: is flask withdrawal deliver "
                                    "--loop running?")


def _failed(engine: Engine) -> Check:
    count, oldest = final_failures(engine)
    if not count:
        return Check("failed", True, "no message failed for good")
    since = f"{oldest:%Y-%m-%d %H:%M} UTC" if oldest else "?"
    return Check("failed", False, f"{_count(count, 'message')} failed for good (the oldest "
                                  f"owed since "
                                  f"{since}): see the worker's log, then flask withdrawal "
                                  "requeue --failed")


def _spool(spool_dir: str | Path) -> Check:
    count = len(spool.waiting(spool_dir))
    if not count:
        return Check("spool", True, f"no statement waiting in {spool_dir}")
    waits = "waits" if count == 1 else "wait"
    return Check("spool", False, f"{_count(count, 'statement')} {waits} in {spool_dir} (the "
                                 "database could not take it): the worker's round moves it "
                                 "into the chain, or run flask withdrawal recover")


def _anchors(engine: Engine, every: timedelta, now: datetime) -> Check:
    since = unanchored_since(engine)
    allowed = 2 * every
    hours = f"{allowed.total_seconds() / 3600:g} hours"
    if since is None or now - since <= allowed:
        return Check("anchors", True, f"no entry unanchored for more than {hours}")
    return Check("anchors", False, f"entries since {since:%Y-%m-%d %H:%M} UTC unanchored for "
                                   f"more than {hours} (two anchor intervals): is flask "
                                   "withdrawal deliver --loop running, and do its witnesses "
                                   "answer (its log)? flask withdrawal anchor says which fails")


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
