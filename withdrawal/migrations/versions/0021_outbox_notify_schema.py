"""The outbox's notification names its schema, so only that schema's workers wake.

Revision 0018's trigger sent ``NOTIFY withdrawal_outbox`` with an empty payload, and a
channel belongs to the whole database: every worker of every schema (several shops, or a
staging copy, in one PostgreSQL database) woke at every message any of them owed, and each
looked for work it did not have. The payload is now the outbox table's schema
(``TG_TABLE_SCHEMA``); a worker counts only notifications of its own schema
(``withdrawal/storage/wakeup.py``), and still an empty one, which a web process not yet
upgraded sends. SQLite: nothing to do. Downgrading restores the empty payload.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FUNCTION = "withdrawal_outbox_notify"  # revision 0018's; its trigger calls it by name
CHANNEL = "withdrawal_outbox"  # withdrawal.storage.wakeup.CHANNEL, fixed here as migrations are


def _function(payload: str) -> None:
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', {payload});
            RETURN NULL;
        END $$""")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _function("TG_TABLE_SCHEMA")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _function("''")
