"""Wake the delivery workers at the commit that owes a message (issue 16, point 2).

On PostgreSQL a statement-level trigger on ``withdrawal_outbox`` sends ``NOTIFY
withdrawal_outbox`` after every INSERT: the server delivers it at commit (never for a
transaction rolled back) to each ``flask withdrawal deliver --loop`` that ``LISTEN``s, whatever
wrote the row, in the same round trip as the INSERT. SQLite has no notifications: its workers
poll the outbox's due index (``withdrawal/storage/wakeup.py``); nothing changes there.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

FUNCTION = "withdrawal_outbox_notify"
TRIGGER = "withdrawal_outbox_notify"
CHANNEL = "withdrawal_outbox"  # withdrawal.storage.wakeup.CHANNEL, fixed here as migrations are


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$""")
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON withdrawal_outbox")
    op.execute(f"""
        CREATE TRIGGER {TRIGGER} AFTER INSERT ON withdrawal_outbox
        FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON withdrawal_outbox")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
