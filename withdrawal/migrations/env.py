"""Alembic's environment for withdrawal's own tables. Migrations run on the connection that
``storage.schema.upgrade_schema`` passes in (it holds the schema lock); the version is kept in
``withdrawal_alembic_version`` so that a shop's own Alembic history is never touched."""

from __future__ import annotations

from typing import Any

from alembic import context

from withdrawal.storage.tables import metadata

VERSION_TABLE = "withdrawal_alembic_version"


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Only withdrawal's own tables: a shop's tables in the same database are not ours."""
    return type_ != "table" or bool(name and name.startswith("withdrawal_"))


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("withdrawal's migrations run through `flask withdrawal init-db`")
    context.configure(
        connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
        include_name=include_name, render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
