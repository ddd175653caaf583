"""``flask withdrawal export`` and ``flask withdrawal purge``: the audit area's commands, added
to the extension's command group."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

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
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True,
              help="File to write (only once the export is complete); - is standard output.")
@with_appcontext
def export_command(
    fmt: str, since: datetime | None, until: datetime | None, output: str,
) -> None:
    """Export statements, newest first, as CSV or JSON Lines, in constant memory."""
    filters = Filters(since=since.date() if since else None,
                      until=until.date() if until else None)
    parts = export_chunks(fmt, filters)
    try:
        if output == "-":
            with click.open_file("-", "wb") as stdout:
                _write(stdout, parts)
        else:
            _write_whole(Path(output), parts)
    except DBAPIError as exc:
        where = "standard output is incomplete" if output == "-" else f"{output} was not written"
        raise click.ClickException(
            f"the database failed during the export ({exc.orig.__class__.__name__}: "
            f"{str(exc.orig).strip()}): {where}") from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc


def export_chunks(fmt: str, filters: Filters) -> Iterator[str]:
    """The export of the statements ``filters`` select, in chunks of text."""
    return chunks(fmt, export_rows(state().engine, filters, Scope(trader_zone(), today())))


def _write(stream: IO[bytes], parts: Iterable[str]) -> None:
    for part in parts:
        stream.write(part.encode())


def _write_whole(path: Path, parts: Iterable[str]) -> None:
    """Written beside ``path`` (readable by its owner only: it holds personal data) and moved
    into place once complete: an export that fails half-way leaves no file that looks like a
    whole one, nor replaces an earlier one."""
    with tempfile.NamedTemporaryFile("wb", dir=path.parent,
                                     prefix=f".{path.name}.", delete=False) as partial:
        try:
            _write(partial, parts)
        except BaseException:
            partial.close()
            Path(partial.name).unlink()
            raise
    os.replace(partial.name, path)


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
