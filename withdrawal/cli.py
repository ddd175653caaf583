"""``flask withdrawal ...``: the commands an operator runs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import TypeVar

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from . import spool
from .anchoring.service import anchor_if_due
from .anchoring.witnesses import witness_evidence
from .audit import audit_commands
from .audit.requeue import requeue_failed
from .backoffice import signal_overdue_refunds
from .config import config_value
from .delivery.worker import deliver_due
from .evidence_cli import echo_anchor, evidence_commands
from .health import check_health
from .receipt.issue import Seal, seal_problems
from .state import state
from .storage.schema import upgrade_schema
from .storage.verify import entries as chain_entries
from .storage.verify import verify_chain
from .storage.wakeup import Waiter, seconds_to_next_attempt, waiter_for
from .submission import recover_spooled

T = TypeVar("T")


def make_cli() -> AppGroup:
    """The command group, registered by ``init_app`` under ``WITHDRAWAL_CLI_GROUP``."""
    group = AppGroup("withdrawal", help="The withdrawal function's records and deliveries.")
    for command in (init_db, verify, deliver, recover, requeue, health, *audit_commands(),
                    *evidence_commands()):
        group.add_command(command)
    return group


@click.command("init-db", epilog="Example: flask --app wsgi withdrawal init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the tables to this version's schema (Alembic migrations shipped in the
    package). Safe to run again and from several processes at once; nothing is dropped."""
    engine = state().engine
    revision = upgrade_schema(engine)
    click.echo(f"Schema at revision {revision} in "
               f"{engine.url.render_as_string(hide_password=True)}")


@click.command("verify", epilog="Example: flask --app wsgi withdrawal verify --jobs 4")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Walk the chain in this many ranges at once, a process each (worth it from "
                   "about 40 000 entries; one per CPU at most).")
@with_appcontext
def verify(jobs: int) -> None:
    """Check the hash chain of statements and events, the search index and the kept documents
    against it, every anchored head (stored anchors, file witnesses, RFC 3161 tokens), and
    each kept document's bytes and seal; name the first problem of each kind and exit 1 (exit
    2: the database failed, nothing was found broken)."""
    seal = Seal.configured()
    failing = _database_failure("verify", "nothing was found broken")
    with failing, _progress(state().engine) as advance:
        result = verify_chain(state().engine, witness_evidence(config_value("WITNESSES")),
                              check_bytes=True, seal_check=partial(seal_problems, seal=seal),
                              progress=advance, jobs=jobs)
    for note in result.notes:
        click.echo(f"NOTE {note}", err=True)
    for problem in result.problems:
        click.echo(f"BROKEN {problem}", err=True)
    if not result.ok:
        raise SystemExit(1)
    click.echo(f"OK {result.statements} statements")
    if result.anchors:
        click.echo(f"OK {result.anchors} anchored heads")
    if result.documents:
        click.echo(f"OK {result.documents} documents ({result.sealed} sealed)")
    _report_spool()


#: The exit status of a command the database failed: not what exit 1 says (a broken chain,
#: a damaged spool file); run the command again.
DATABASE_FAILED = 2


@contextmanager
def _database_failure(command: str, meanwhile: str) -> Iterator[None]:
    """A database that fails the command is said as such, with what stands meanwhile, and
    exit status 2."""
    try:
        yield
    except DBAPIError as exc:
        click.echo(f"FAILED {command} could not finish, the database failed "
                   f"({exc.orig.__class__.__name__}: {str(exc.orig).strip()}); "
                   f"{meanwhile}: run it again", err=True)
        raise SystemExit(DATABASE_FAILED) from exc


@contextmanager
def _progress(engine: Engine) -> Iterator[Callable[[int], None] | None]:
    """A bar with the entries walked, their rate and the time left, on a terminal only (a
    cron job's log or a pipe gets the report alone)."""
    if not sys.stderr.isatty():
        yield None
        return
    started = time.monotonic()

    def rate(_item: object) -> str:
        return f"{bar.pos / max(time.monotonic() - started, 1e-6):,.0f} entries/s"

    with click.progressbar(length=chain_entries(engine), label="Verifying", file=sys.stderr,
                           show_eta=True, show_pos=True, item_show_func=rate) as bar:
        yield bar.update


def _report_spool() -> None:
    """Statements that wait in this host's spool are not in the chain yet: say how many (they
    are not a broken link; ``recover`` moves them). An empty spool says nothing."""
    waiting = len(spool.waiting(state().spool_dir))
    if waiting:
        click.echo(f"SPOOL {waiting} statements wait in {state().spool_dir}: "
                   "run flask withdrawal recover")


@click.command("recover", epilog="Example: flask --app wsgi withdrawal recover")
@with_appcontext
def recover() -> None:
    """Move the statements that waited in the spool (the database could not take them) into
    the chain, keeping their submission time and reference, and queue their acknowledgements
    for `deliver`. Safe to run again and from several workers at once. Exit 1: a damaged
    file, or a statement the database refused (both stay in the spool; the others are
    recorded); exit 2: the database failed (the rest waits in the spool)."""
    with _database_failure("recover", "what is not recorded waits in the spool"):
        report = recover_spooled()
    click.echo(str(report))
    if report.damaged:
        click.echo("DAMAGED " + ", ".join(report.damaged), err=True)
    if report.refused:
        click.echo("REFUSED " + ", ".join(report.refused), err=True)
    if report.damaged or report.refused:
        raise SystemExit(1)


@click.command("deliver", epilog="Example: flask --app wsgi withdrawal deliver --loop")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=15.0, show_default=True,
              help="Seconds between the rounds of spool, refund and anchor work.")
@click.option("--limit", default=50, show_default=True, help="Entries claimed at a time.")
@with_appcontext
def deliver(loop: bool, interval: float, limit: int) -> None:
    """Send the pending acknowledgements and decision notices, retrying failures with
    exponential backoff; then send ``refund_overdue`` once for each refund past its day.

    With --loop, the worker: every INTERVAL seconds it recovers the statements waiting in the
    spool, signals overdue refunds and anchors the chain every WITHDRAWAL_ANCHOR_INTERVAL
    seconds (when WITHDRAWAL_WITNESSES names witnesses); in between it sends each message the
    moment it is owed (woken by PostgreSQL's NOTIFY, or looking every WITHDRAWAL_DELIVERY_POLL
    seconds on SQLite). A round that fails (the database is down) is reported and tried
    again."""
    if not loop:
        click.echo(str(deliver_due(limit=limit)))
        _echo_overdue(signal_overdue_refunds())
        return
    waiter = waiter_for(state().engine, float(config_value("DELIVERY_POLL")))
    try:
        _work(waiter, interval, limit)
    finally:
        waiter.close()


def _work(waiter: Waiter, interval: float, limit: int) -> None:
    next_round = time.monotonic()
    while True:
        if time.monotonic() >= next_round:
            _periodic_round()
            next_round = time.monotonic() + interval
        delivery = _attempt("deliver", lambda: deliver_due(limit=limit))
        if delivery and (delivery.sent or delivery.retrying or delivery.failed):
            click.echo(str(delivery))
        waiter.wait(_pause(next_round, failed=delivery is None))


#: The shortest wait for a message due already but claimed by another worker this instant.
_SHORTEST_PAUSE = 0.05
#: The shortest wait after sending failed (a database that reads but refuses to write
#: would otherwise be tried, and reported, twenty times a second).
_PAUSE_AFTER_A_FAILURE = 5.0


def _pause(next_round: float, *, failed: bool = False) -> float:
    """Seconds to wait: until the next round, or sooner when a pending message falls due
    before it (a retry after its backoff is notified to nobody)."""
    left = max(0.0, next_round - time.monotonic())
    due = seconds_to_next_attempt(state().engine)
    shortest = _PAUSE_AFTER_A_FAILURE if failed else _SHORTEST_PAUSE
    return left if due is None else min(left, max(due, shortest))


def _periodic_round() -> None:
    recovery = _attempt("recover", recover_spooled)
    if recovery and (recovery.recorded or recovery.already or recovery.damaged
                     or recovery.refused):
        click.echo(str(recovery))
    _echo_overdue(_attempt("refund_overdue", signal_overdue_refunds))
    anchored = _attempt("anchor", anchor_if_due)
    if anchored is not None and anchored.anchor is not None:
        echo_anchor(anchored)


def _echo_overdue(references: list[str] | None) -> None:
    if references:
        click.echo(f"refund overdue: {', '.join(references)}")


def _attempt(name: str, work: Callable[[], T]) -> T | None:
    try:
        return work()
    except Exception as exc:  # a worker outlives a database outage
        click.echo(f"{name} failed: {exc.__class__.__name__}: {exc}", err=True)
        return None


@click.command("requeue", epilog="""\b
Examples:
  flask --app wsgi withdrawal requeue W-7K3M-9QX2
  flask --app wsgi withdrawal requeue --failed""")
@click.argument("reference", required=False)
@click.option("--failed", "every_failure", is_flag=True,
              help="Every message that failed for good, of every statement.")
@with_appcontext
def requeue(reference: str | None, every_failure: bool) -> None:
    """Put the messages of REFERENCE that failed for good (an SMTP 5xx answer, or every
    attempt used) back in the outbox, each recorded as a resend-requested event; `deliver`
    (or the worker) then sends them."""
    if bool(reference) == every_failure:
        raise click.UsageError("Give a REFERENCE or --failed, not both.")
    try:
        queued = requeue_failed(state().engine, reference=reference,
                                by="flask withdrawal requeue")
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in queued:
        click.echo(f"requeued {item.purpose} {item.reference} to {item.recipient} "
                   f"(outbox entry {item.failed_id} -> {item.outbox_id})")
    click.echo(f"{len(queued)} requeued")


@click.command("health", epilog="""\b
Examples:
  flask --app wsgi withdrawal health
  flask --app wsgi withdrawal health --after 15   # in cron or a monitoring agent""")
@click.option("--after", default=5.0, show_default=True,
              help="Minutes a message may wait before it counts as not sent.")
@with_appcontext
def health(after: float) -> None:
    """Check that the database is reachable at this version's schema, that no message waits
    longer than AFTER minutes (the delivery workers run and keep up), that none failed for
    good without a resend, that no statement waits in this host's spool and, with
    WITHDRAWAL_WITNESSES, that no entry is unanchored for more than two anchor intervals.
    One line per check; exit 1 when one fails."""
    every = (timedelta(seconds=float(config_value("ANCHOR_INTERVAL")))
             if config_value("WITNESSES") else None)
    checks = check_health(lambda: state().engine, state().spool_dir, timedelta(minutes=after),
                          anchor_every=every)
    for check in checks:
        click.echo(str(check), err=not check.ok)
    if not all(check.ok for check in checks):
        raise SystemExit(1)
