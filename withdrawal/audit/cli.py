"""``flask withdrawal export`` and ``flask withdrawal purge``: the audit area's commands, added
to the extension's command group."""

from __future__ import annotations

from datetime import datetime
from typing import IO

import click
from flask import current_app
from flask.cli import with_appcontext

from ..state import state
from ..storage.statements import utcnow
from .context import today, trader_zone
from .export import FORMATS, chunks
from .export_rows import export_rows
from .queries import Filters, Scope
from .retention import parse_period, purge

#: Used when ``--older-than`` is not given (``WITHDRAWAL_RETENTION``).
DEFAULT_RETENTION = "10y"

_DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command(
    "export",
    epilog="Example: flask --app wsgi withdrawal export --format csv --since 2026-01-01 "
           "--until 2026-03-31 -o q1.csv",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="CSV (cells a spreadsheet would run as formulas are quoted) or JSON Lines.")
@click.option("--since", type=_DATE, help="First day (YYYY-MM-DD, trader's time zone).")
@click.option("--until", type=_DATE, help="Last day, included (YYYY-MM-DD).")
@click.option("--output", "-o", type=click.File("wb"), default="-", show_default=True,
              help="File to write; - is standard output.")
@with_appcontext
def export_command(
    fmt: str, since: datetime | None, until: datetime | None, output: IO[bytes],
) -> None:
    """Export statements, newest first, as CSV or JSON Lines, in constant memory."""
    filters = Filters(since=since.date() if since else None,
                      until=until.date() if until else None)
    rows = export_rows(state().engine, filters, Scope(trader_zone(), today()))
    for chunk in chunks(fmt, rows):
        output.write(chunk.encode())


@click.command(
    "purge",
    epilog="Example: flask --app wsgi withdrawal purge --older-than 10y --yes",
)
@click.option("--older-than", "older_than", metavar="PERIOD",
              help="Retention period, e.g. 10y, 6m or 30d; default WITHDRAWAL_RETENTION "
                   f"({DEFAULT_RETENTION}).")
@click.option("--dry-run", is_flag=True, help="Only count the statements concerned.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def purge_command(older_than: str | None, dry_run: bool, yes: bool) -> None:
    """Erase the personal data of statements older than the retention period.

    Names, e-mail addresses and descriptions become "[erased]", the PDF and the e-mail as sent
    are deleted; the digests are kept, so `flask withdrawal verify` still passes."""
    text = older_than or current_app.config.get("WITHDRAWAL_RETENTION", DEFAULT_RETENTION)
    try:
        period = parse_period(str(text))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from exc
    cutoff = period.before(utcnow())
    if not dry_run and not yes:
        click.confirm(f"Erase the personal data of statements submitted before "
                      f"{cutoff.isoformat()}?", abort=True)
    report = purge(state().engine, cutoff, period=str(period), dry_run=dry_run)
    verb = "Would erase" if dry_run else "Erased"
    click.echo(f"{verb} the personal data of {len(report.references)} statements submitted "
               f"before {cutoff.isoformat()}")


def audit_commands() -> list[click.Command]:
    """The commands to add to the ``flask withdrawal`` group."""
    return [export_command, purge_command]
