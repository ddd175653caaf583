"""``WITHDRAWAL_DATABASE_TIMEOUT`` reaches the engine: PostgreSQL's connect and statement
timeouts (beside any options the URL carries), SQLite's busy timeout."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from withdrawal.config import ConfigurationError
from withdrawal.storage.engine import make_engine, one_snapshot
from withdrawal.storage.schema import upgrade_schema
from withdrawal.storage.statements import append_event
from wsgi import create_app


@pytest.mark.postgres
def test_postgres_gets_a_statement_timeout_and_keeps_the_urls_options(pg_url: str) -> None:
    engine = make_engine(pg_url, timeout=2.5)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "2500ms"
        assert conn.exec_driver_sql("SHOW search_path").scalar() == pg_url.rsplit("%3D", 1)[1]
        with pytest.raises(OperationalError, match="statement timeout"):
            conn.exec_driver_sql("SELECT pg_sleep(4)")
    engine.dispose()


@pytest.mark.postgres
def test_a_long_read_of_the_whole_record_is_not_cut_at_the_timeout(pg_url: str) -> None:
    """verify and the exports read one snapshot (``one_snapshot``): a query of the whole
    record may take longer than a consumer's request may wait, and must not fail for it."""
    engine = make_engine(pg_url, timeout=0.2)
    with engine.connect() as opened:
        conn = one_snapshot(opened)
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "repeatable read"
        conn.exec_driver_sql("SELECT pg_sleep(0.5)")
    with engine.connect() as conn, pytest.raises(OperationalError, match="statement timeout"):
        conn.exec_driver_sql("SELECT pg_sleep(0.5)")  # the consumer's requests keep it
    engine.dispose()


def test_a_locked_sqlite_database_fails_within_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "withdrawal.sqlite3"
    engine = make_engine(f"sqlite:///{path}", timeout=0.5)
    upgrade_schema(engine)
    with engine.connect() as conn:  # half a second, not the 30 s it used to wait
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 500
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="locked"):
        append_event(engine, "W-0000-0000", "decision", {})  # type: ignore[arg-type]
    holder.rollback()
    holder.close()
    engine.dispose()


def test_an_in_memory_sqlite_engine_still_works() -> None:
    engine = make_engine("sqlite://", timeout=1)
    upgrade_schema(engine)
    engine.dispose()


@pytest.mark.parametrize("value", [0, -1, "5", True])
def test_the_timeout_must_be_a_positive_number(value: object) -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_TIMEOUT"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "WITHDRAWAL_DATABASE_TIMEOUT": value})
