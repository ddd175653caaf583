"""``flask withdrawal demo-reset``: the demo shop starts afresh (``make run`` calls it), so
every demo order shows its case again instead of "already withdrawn" after one walk-through.
Registered by the demo shop only, and it deletes nothing but a SQLite database file and the
demo mailbox's messages."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from ..state import state
from ..storage.schema import upgrade_schema


@click.command("demo-reset", epilog="Example: DEMO_SHOP=1 flask --app wsgi withdrawal demo-reset")
@with_appcontext
def demo_reset() -> None:
    """Delete the demo's SQLite database and captured e-mails, then create the schema again."""
    url = make_url(state().database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException("demo-reset only deletes the demo's own SQLite database; "
                                   f"this app uses {url.render_as_string(hide_password=True)}")
    database, engine = Path(url.database), state().engine
    engine.dispose()  # no connection of this process keeps the old file open
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    mailbox = Path(current_app.instance_path) / "demo-mailbox"
    messages = list(mailbox.glob("*.eml"))
    for message in messages:
        message.unlink()
    upgrade_schema(engine)
    click.echo(f"Demo reset: a fresh database {database}; {len(messages)} captured e-mails "
               "removed")
