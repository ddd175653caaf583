"""The demo starts afresh (issue 15, point 6): ``make run`` calls ``flask withdrawal
demo-reset``, so after a walk-through every demo order shows its case again instead of
"already withdrawn". The command exists in the demo shop only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from support import Consumer

from withdrawal.delivery.worker import deliver_due
from withdrawal.storage.tables import statements
from wsgi import create_app

ROOT = Path(__file__).resolve().parent.parent


def demo(tmp_path: Path, **config: Any) -> Flask:
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "DEMO_MAILBOX": True,
        "WITHDRAWAL_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "WITHDRAWAL_DELIVER_AFTER_COMMIT": False, **config,
    }, instance_path=str(tmp_path / "instance"))


def count(app: Flask) -> int:
    with app.extensions["withdrawal"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(statements)).scalar_one())


def test_demo_reset_brings_every_case_back(tmp_path: Path) -> None:
    app = demo(tmp_path)
    consumer = Consumer(app.test_client())
    assert consumer.withdraw("Ann", "noconsent@demo.example", "1002", ["1"]).status_code == 302
    with app.app_context():
        deliver_due()
    mailbox = tmp_path / "instance" / "demo-mailbox"
    assert count(app) == 1 and list(mailbox.glob("*.eml"))
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    assert "already withdrawn" in consumer.client.get("/withdrawal/select").get_data(
        as_text=True)
    result = app.test_cli_runner().invoke(args=["withdrawal", "demo-reset"])
    assert result.exit_code == 0, result.output
    assert "Demo reset" in result.output
    assert count(app) == 0 and not list(mailbox.glob("*.eml"))
    fresh = Consumer(app.test_client())
    fresh.identify("Ann", "noconsent@demo.example", "1002")
    html = fresh.client.get("/withdrawal/select").get_data(as_text=True)
    assert "already withdrawn" not in html and "You can withdraw from this item." in html
    app.extensions["withdrawal"].engine.dispose()


def test_demo_reset_exists_only_in_the_demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["withdrawal", "--help"])
    assert "demo-reset" not in result.output


def test_demo_reset_deletes_nothing_but_a_sqlite_file(tmp_path: Path) -> None:
    app = demo(tmp_path, WITHDRAWAL_DATABASE_URL="postgresql+psycopg://demo@127.0.0.1:1/shop")
    result = app.test_cli_runner().invoke(args=["withdrawal", "demo-reset"])
    assert result.exit_code != 0 and "only deletes the demo's own SQLite" in result.output


def test_make_run_starts_from_fresh_demo_data() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    reset, serve = recipe.index("withdrawal demo-reset"), recipe.index("wsgi run")
    assert reset < serve


def test_make_run_starts_a_delivery_worker_that_stops_with_the_server() -> None:
    """The demo sends like production (issue 16, point 2): a worker beside the web server,
    killed when the server stops (Ctrl-C, or the shell exiting)."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    worker, trap, serve = (recipe.index("withdrawal deliver --loop &"),
                           recipe.index("trap 'kill $$worker"), recipe.index("wsgi run"))
    assert worker < trap < serve
