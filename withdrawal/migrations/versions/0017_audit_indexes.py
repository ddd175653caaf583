"""Indexes for the audit list and the exports at a million statements (issue 16, points 4
and 5):

- the name search through trigrams: on PostgreSQL ``pg_trgm`` and a GIN index on ``name``
  (it serves ``ILIKE``); on SQLite an FTS5 table with the trigram tokenizer,
  ``withdrawal_name_search``, kept in step with the statements by triggers. Where
  ``pg_trgm`` cannot be created (no right to create extensions) or SQLite has no FTS5 trigram
  tokenizer, the name search stays a scan: nothing else depends on these objects;
- ``withdrawal_line_decisions(seq, state)`` for the "undecided" filter;
- the lines' index gets what the exports show of each line (position, title, quantity,
  deadline, whether the period had ended), filled once from the entries.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

log = logging.getLogger("withdrawal.migrations")

LINE_SEQ_INDEX = "ix_withdrawal_line_decisions_seq"
NAME_TRGM_INDEX = "ix_withdrawal_statements_name_trgm"
NAME_SEARCH = "withdrawal_name_search"

#: The FTS5 table holds a copy of each name under the statement's ``seq`` as rowid.
SQLITE_TRIGGERS = {
    f"{NAME_SEARCH}_insert": f"""
        CREATE TRIGGER IF NOT EXISTS {NAME_SEARCH}_insert AFTER INSERT
        ON withdrawal_statements BEGIN
            INSERT INTO {NAME_SEARCH}(rowid, name) VALUES (new.seq, new.name);
        END""",
    f"{NAME_SEARCH}_update": f"""
        CREATE TRIGGER IF NOT EXISTS {NAME_SEARCH}_update AFTER UPDATE OF name, seq
        ON withdrawal_statements BEGIN
            DELETE FROM {NAME_SEARCH} WHERE rowid = old.seq;
            INSERT INTO {NAME_SEARCH}(rowid, name) VALUES (new.seq, new.name);
        END""",
    f"{NAME_SEARCH}_delete": f"""
        CREATE TRIGGER IF NOT EXISTS {NAME_SEARCH}_delete AFTER DELETE
        ON withdrawal_statements BEGIN
            DELETE FROM {NAME_SEARCH} WHERE rowid = old.seq;
        END""",
}


#: What the exports show of each line, copied from the statement entries into the index.
LINE_COLUMNS = {"position": sa.Integer, "title": sa.Text, "quantity": sa.Integer,
                "deadline": sa.Text, "period_ended": sa.Boolean}
BATCH = 1000


def upgrade() -> None:
    bind = op.get_bind()
    present = {c["name"] for c in sa.inspect(bind).get_columns("withdrawal_statement_lines")}
    missing = [name for name in LINE_COLUMNS if name not in present]
    if missing:
        with op.batch_alter_table("withdrawal_statement_lines") as batch:
            for name in missing:
                batch.add_column(sa.Column(name, LINE_COLUMNS[name]))
        _fill_lines(bind)
    indexes = {i["name"] for i in sa.inspect(bind).get_indexes("withdrawal_line_decisions")}
    if LINE_SEQ_INDEX not in indexes:
        op.create_index(LINE_SEQ_INDEX, "withdrawal_line_decisions", ["seq", "state"])
    if bind.dialect.name == "postgresql":
        _postgres_trigrams(bind)
    elif bind.dialect.name == "sqlite":
        _sqlite_trigrams(bind)


def _fill_lines(bind: Any) -> None:
    """Each indexed line's export columns from its statement's entry (the only pass that
    parses every statement; ``verify`` then checks them against the entries)."""
    from withdrawal.storage.statements import indexed_line

    lines = sa.table("withdrawal_statement_lines", sa.column("reference"),
                     sa.column("line_id"), *(sa.column(n, t) for n, t in LINE_COLUMNS.items()))
    query = sa.text(
        "SELECT s.reference, l.body FROM withdrawal_statements AS s "
        "JOIN withdrawal_ledger AS l ON l.seq = s.seq WHERE s.reference IN "
        "(SELECT reference FROM withdrawal_statement_lines) ORDER BY s.seq")
    change = (sa.update(lines)
              .where(lines.c.reference == sa.bindparam("ref"),
                     lines.c.line_id == sa.bindparam("line"))
              .values({name: sa.bindparam(name) for name in LINE_COLUMNS}))
    for part in bind.execute(query).partitions(BATCH):
        rows = []
        for reference, body in part:
            for position, line in enumerate(json.loads(body)["content"].get("lines") or []):
                row = indexed_line(position, line)
                rows.append({"ref": reference, "line": row["line_id"],
                             **{name: row[name] for name in LINE_COLUMNS}})
        if rows:
            bind.execute(change, rows)


def _postgres_trigrams(bind: Any) -> None:
    """``pg_trgm`` in a savepoint: a role that may not create extensions keeps the scan. The
    extension goes to ``public`` where it can (one copy for the database, not dropped with an
    application schema), and the index names its operator class with the schema it is in, so
    it does not depend on the search path."""
    schema = _trigram_schema(bind)
    if schema is None:
        return
    bind.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {NAME_TRGM_INDEX} ON withdrawal_statements "
        f'USING gin (name "{schema}".gin_trgm_ops)')


def _trigram_schema(bind: Any) -> str | None:
    """The schema ``pg_trgm`` is installed in, installing it first if needed; None when it
    cannot be had."""
    installed = ("SELECT extnamespace::regnamespace::text FROM pg_extension "
                 "WHERE extname = 'pg_trgm'")
    schema = bind.exec_driver_sql(installed).scalar()
    for create in ("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",
                   "CREATE EXTENSION IF NOT EXISTS pg_trgm"):
        if schema is not None:
            break
        try:
            with bind.begin_nested():
                bind.exec_driver_sql(create)
        except sa.exc.DBAPIError as exc:
            log.warning("pg_trgm: %s failed (%s)", create, exc.orig)
        schema = bind.exec_driver_sql(installed).scalar()
    if schema is None:
        log.warning("pg_trgm is not available: the name search scans")
    return str(schema).strip('"') if schema is not None else None


def _sqlite_trigrams(bind: Any) -> None:
    if NAME_SEARCH not in set(sa.inspect(bind).get_table_names()):
        try:
            bind.exec_driver_sql(
                f"CREATE VIRTUAL TABLE {NAME_SEARCH} USING fts5(name, tokenize='trigram')")
        except sa.exc.OperationalError as exc:  # SQLite before 3.34, or without FTS5
            log.warning("no FTS5 trigram tokenizer (%s): the name search scans", exc.orig)
            return
        bind.exec_driver_sql(f"INSERT INTO {NAME_SEARCH}(rowid, name) "
                             "SELECT seq, name FROM withdrawal_statements")
    for create in SQLITE_TRIGGERS.values():
        bind.exec_driver_sql(create)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {NAME_TRGM_INDEX}")
    elif bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {NAME_SEARCH}")
    op.drop_index(LINE_SEQ_INDEX, "withdrawal_line_decisions")
    with op.batch_alter_table("withdrawal_statement_lines") as batch:
        for name in LINE_COLUMNS:
            batch.drop_column(name)
