"""``flask withdrawal ...``: the commands an operator runs."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from .extension import state
from .storage.engine import create_schema
from .storage.verify import verify_chain


def make_cli() -> AppGroup:
    """The command group, registered by ``init_app`` under ``WITHDRAWAL_CLI_GROUP``."""
    group = AppGroup("withdrawal", help="The withdrawal function's records and deliveries.")
    group.add_command(init_db)
    group.add_command(verify)
    return group


@click.command("init-db", epilog="Example: flask --app wsgi withdrawal init-db")
@with_appcontext
def init_db() -> None:
    """Create the tables (safe to run again; nothing is dropped)."""
    engine = state().engine
    create_schema(engine)
    click.echo(f"Tables ready in {engine.url.render_as_string(hide_password=True)}")


@click.command("verify", epilog="Example: flask --app wsgi withdrawal verify")
@with_appcontext
def verify() -> None:
    """Check the hash chain of statements and events; exit 1 at the first broken link."""
    result = verify_chain(state().engine)
    if not result.ok:
        click.echo(f"BROKEN {result.problem}", err=True)
        raise SystemExit(1)
    click.echo(f"OK {result.statements} statements")
