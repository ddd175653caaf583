"""``flask withdrawal anchor`` and ``flask withdrawal bounce``: evidence beyond the database,
added to the extension's command group by ``cli.make_cli``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .anchoring.service import BUSY, AnchorReport, anchor_chain
from .delivery.bounces import UnknownMessage, record_bounce
from .delivery.dsn import NotADSN
from .state import state

#: Why nothing was anchored that fails the command: no witness took it, or another
#: process's anchoring outlasted the wait.
NOT_ANCHORED = ("no witness", BUSY)


@click.command("anchor", epilog="Example: flask --app wsgi withdrawal anchor")
@with_appcontext
def anchor_command() -> None:
    """Record the chain's head (entry, hash, time) with every witness of
    WITHDRAWAL_WITNESSES (file:/dir, mailto:address, rfc3161:https://tsa/) and as a chain
    event; exit 1 when a witness failed. `flask withdrawal deliver` sends the e-mails."""
    try:
        report = anchor_chain()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    echo_anchor(report)
    if report.failed or (report.anchor is None and report.skipped.startswith(NOT_ANCHORED)):
        raise SystemExit(1)


def echo_anchor(report: AnchorReport) -> None:
    for url, error in sorted(report.failed.items()):
        click.echo(f"FAILED {url}: {error}", err=True)
    anchor = report.anchor
    if anchor is None:
        click.echo(f"Nothing anchored: {report.skipped}")
        return
    click.echo(f"Anchored entry {anchor.head_seq} {anchor.head_hash} at "
               f"{anchor.anchored_at.isoformat()} (chain event {anchor.event_seq})")
    for url, detail in sorted(anchor.witnesses.items()):
        click.echo(f"  {url}: {detail}")


@click.command(
    "bounce",
    epilog="Example (Postfix, /etc/aliases): withdrawal-bounces: \"|flask --app wsgi "
           "withdrawal bounce\"",
)
@with_appcontext
def bounce_command() -> None:
    """Read a delivery status notification (RFC 3464) from standard input and record the
    bounce of the message it names (its Message-ID) as a chain event; exit 1 when it is no
    report or names no message of ours."""
    raw = sys.stdin.buffer.read()
    try:
        bounce = record_bounce(state().engine, raw)
    except (NotADSN, UnknownMessage) as exc:
        click.echo(f"Nothing recorded: {exc}", err=True)
        raise SystemExit(1) from exc
    notice = bounce.notification
    where = bounce.reference or "the chain's anchor"
    if not bounce.recorded:
        click.echo(f"Nothing recorded: {bounce.message_id} ({where}) was {notice.action}")
        return
    click.echo(f"Recorded the bounce of {bounce.message_id} ({where}, {bounce.purpose}): "
               f"{notice.status} {notice.diagnostic}".rstrip())


def evidence_commands() -> list[click.Command]:
    return [anchor_command, bounce_command]
