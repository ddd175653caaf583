"""Engines: SQLite (the embedded default, WAL, durable commits) or any SQLAlchemy URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event


def default_url(instance_path: str) -> str:
    """``instance/withdrawal.sqlite3`` beside the host app."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(instance_path) / "withdrawal.sqlite3")


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs for a durable append-only log."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while a statement is written; FULL makes a commit survive power
    # loss, which the consumer's statement deserves.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
