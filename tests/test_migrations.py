"""The schema is Alembic's: migrations shipped in the package build exactly the tables of
``storage/tables.py``, upgrade a database made by the first release in place, and run safely
from several processes at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError
from support import Consumer, free_port

from withdrawal.state import WithdrawalState
from withdrawal.storage.engine import make_engine
from withdrawal.storage.schema import (
    VERSION_TABLE,
    current_revision,
    head_revision,
    upgrade_schema,
)
from withdrawal.storage.tables import (
    NAME_SEARCH,
    NAME_TRGM_INDEX,
    chain_head,
    metadata,
    statements,
)
from withdrawal.storage.verify import verify_chain
from wsgi import create_app

DATA = Path(__file__).with_name("data")
ROOT = Path(__file__).resolve().parent.parent


def _declared(name: str | None, type_: str, _parents: Any) -> bool:
    """Withdrawal's tables and indexes, except the name search's trigram index that migration
    0017 makes outside the metadata (an FTS5 table and its shadow tables on SQLite, a
    ``pg_trgm`` index on PostgreSQL)."""
    name = name or ""
    if name.startswith((NAME_SEARCH, NAME_TRGM_INDEX)):
        return False
    return type_ != "table" or name.startswith("withdrawal_") and name != VERSION_TABLE


def _differences(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "version_table": VERSION_TABLE, "compare_type": True,
                "include_name": _declared,
            })
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_declared_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    assert upgrade_schema(engine) == head_revision()
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(select(chain_head.c.seq, chain_head.c.hash)).one() == (0, "0" * 64)
    engine.dispose()
    assert _differences(database_url) == []


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    upgrade_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(select(chain_head.c.id)).all() == [(1,)]
    engine.dispose()


def _round_one_sqlite(tmp_path: Path) -> str:
    copy = tmp_path / "round1.sqlite3"
    shutil.copy(DATA / "round1.sqlite3", copy)
    return f"sqlite:///{copy}"


def _round_one_postgres(pg_url: str) -> str:
    schema = pg_url.rsplit("%3D", 1)[1]
    dump = (DATA / "round1-postgres.sql").read_text().replace("{schema}", schema)
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(dump)
    engine.dispose()
    return pg_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def round_one_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database made by the first release (no migrations yet): two statements, their
    acknowledgements, PDFs and e-mails, a decision and a verification."""
    if request.param == "sqlite":
        return _round_one_sqlite(tmp_path)
    return _round_one_postgres(str(request.getfixturevalue("pg_url")))


def test_a_round_one_database_upgrades_in_place(round_one_url: str) -> None:
    engine = make_engine(round_one_url)
    assert current_revision(engine) is None
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    result = verify_chain(engine)
    # 7 entries, and revision 0013's acknowledgement-eml-stored event for each of the two
    # e-mails kept before kept documents had their SHA-256 in the chain.
    assert result.ok and result.statements == 2 and result.entries == 9, result
    engine.dispose()
    assert _differences(round_one_url) == []


def test_the_app_goes_on_recording_on_an_upgraded_database(round_one_url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "MAIL_SUPPRESS_SEND": True,
                      "WITHDRAWAL_DATABASE_URL": round_one_url,
                      "WITHDRAWAL_DELIVER_AFTER_COMMIT": False})
    response = Consumer(app.test_client()).withdraw("Ann", "ann@example.com", "4242",
                                                     description="A key bought last week")
    assert response.status_code == 302
    state: WithdrawalState = app.extensions["withdrawal"]
    with state.engine.connect() as conn:
        assert len(conn.execute(select(statements.c.reference)).all()) == 3
    result = app.test_cli_runner().invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 0 and "OK 3 statements" in result.output
    state.engine.dispose()


@pytest.mark.slow
def test_init_db_runs_safely_from_several_processes_at_once(
    database_url: str, tmp_path: Path,
) -> None:
    env = {**os.environ, "SECRET_KEY": "k", "FLASK_WITHDRAWAL_DATABASE_URL": database_url,
           "PYTHONPATH": str(ROOT)}
    script = ("import sys; from wsgi import create_app; app = create_app("
              "{'WITHDRAWAL_DATABASE_URL': sys.argv[1], 'SECRET_KEY': 'k'}); "
              "result = app.test_cli_runner().invoke(args=['withdrawal', 'init-db']); "
              "print(result.output); sys.exit(result.exit_code)")
    runs = [subprocess.Popen([sys.executable, "-c", script, database_url], cwd=tmp_path,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(6)]
    outputs = [(run.communicate(timeout=120)[0], run.returncode) for run in runs]
    assert all(code == 0 for _, code in outputs), outputs
    assert all(f"Schema at revision {head_revision()}" in out for out, _ in outputs), outputs
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(select(chain_head.c.id)).all() == [(1,)]
        assert conn.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar_one() == 1
    engine.dispose()


def test_an_engine_whose_setup_failed_is_not_kept(tmp_path: Path) -> None:
    refused = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    state = WithdrawalState(order_source=None,  # type: ignore[arg-type]
                            database_url=refused)
    with pytest.raises(OperationalError):
        state.engine  # noqa: B018  (the property creates the engine)
    state.database_url = f"sqlite:///{tmp_path / 'withdrawal.sqlite3'}"  # the database is back
    assert current_revision(state.engine) == head_revision()
    state.engine.dispose()
