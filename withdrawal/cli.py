"""``flask withdrawal ...``: the commands an operator runs."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup, with_appcontext

from .audit import audit_commands
from .audit.requeue import requeue_failed
from .delivery.worker import deliver_due
from .receipt.issue import Seal, seal_problems
from .state import state
from .storage.documents import check_documents
from .storage.schema import upgrade_schema
from .storage.verify import verify_chain


def make_cli() -> AppGroup:
    """The command group, registered by ``init_app`` under ``WITHDRAWAL_CLI_GROUP``."""
    group = AppGroup("withdrawal", help="The withdrawal function's records and deliveries.")
    for command in (init_db, verify, deliver, requeue, *audit_commands()):
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


@click.command("verify", epilog="Example: flask --app wsgi withdrawal verify")
@with_appcontext
def verify() -> None:
    """Check the hash chain of statements and events, and each kept PDF's hash and seal;
    exit 1 at the first broken link."""
    result = verify_chain(state().engine)
    if not result.ok:
        click.echo(f"BROKEN {result.problem}", err=True)
        raise SystemExit(1)
    click.echo(f"OK {result.statements} statements")
    seal = Seal.configured()
    documents = check_documents(state().engine, lambda pdf: seal_problems(pdf, seal))
    for problem in documents.problems:
        click.echo(f"BROKEN {problem}", err=True)
    if documents.problems:
        raise SystemExit(1)
    if documents.count:
        click.echo(f"OK {documents.count} documents ({documents.sealed} sealed)")


@click.command("deliver", epilog="Example: flask --app wsgi withdrawal deliver --loop")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=15.0, show_default=True, help="Seconds between rounds.")
@click.option("--limit", default=50, show_default=True, help="Entries claimed at a time.")
@with_appcontext
def deliver(loop: bool, interval: float, limit: int) -> None:
    """Send the pending acknowledgements, retrying failures with exponential backoff."""
    while True:
        report = deliver_due(limit=limit)
        if report.sent or report.retrying or report.failed or not loop:
            click.echo(str(report))
        if not loop:
            return
        time.sleep(interval)


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
