"""The schema: upgraded to the newest Alembic revision shipped in ``withdrawal/migrations``,
once, serialised between processes (a PostgreSQL advisory lock held for the transaction; a file
lock beside a SQLite database), so that several web processes and workers starting together,
or ``flask withdrawal init-db`` run twice at once, never race to create the same table.

A database made before migrations existed (round one of this package) has the first
revision's tables without Alembic's version table: the first revision creates only what is
missing, so it upgrades in place.
"""

from __future__ import annotations

from contextlib import nullcontext

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Connection, Engine, func, select

from .turn import sqlite_file

#: The version table of withdrawal's own history (a shop's ``alembic_version`` is untouched).
VERSION_TABLE = "withdrawal_alembic_version"

#: The PostgreSQL advisory lock key that serialises schema upgrades ("wdrw" in ASCII).
ADVISORY_LOCK_KEY = 0x77647277

#: Seconds a process waits for another one's upgrade before giving up.
LOCK_TIMEOUT = 120


def alembic_config() -> Config:
    """Alembic's configuration for the shipped migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", "withdrawal:migrations")
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: no withdrawal schema yet)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade_schema(engine: Engine) -> str:
    """Upgrade the database to the newest revision (safe to run again, and concurrently);
    returns the revision it is at."""
    with _lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # The wait for another process's upgrade is bounded by the engine's statement
            # timeout; the upgrade itself, once the lock is held, may take as long as it needs.
            conn.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        _upgrade(conn)
    return head_revision()


def _upgrade(conn: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _lock(engine: Engine) -> FileLock | nullcontext[None]:
    """A file lock beside a SQLite database file; PostgreSQL locks inside the transaction."""
    database = sqlite_file(engine)
    if database is None:
        return nullcontext()
    return FileLock(f"{database}.schema-lock", timeout=LOCK_TIMEOUT)
