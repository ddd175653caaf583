"""One claim per outbox message, on SQLite too: the claim's token (``claim_token``, set by the
worker that holds the entry and cleared when it records the outcome) and when it was made
(``claimed_at``). An entry whose claim was never finished (the worker died) is claimed again
after ``WITHDRAWAL_DELIVERY_LEASE`` seconds and its unfinished attempt recorded in the chain.

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def _columns() -> dict[str, sa.Column[Any]]:
    return {"claim_token": sa.Column("claim_token", sa.String(32)),
            "claimed_at": sa.Column("claimed_at", sa.DateTime(timezone=True))}


def _existing() -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns("withdrawal_outbox")}


def upgrade() -> None:
    existing = _existing()
    missing = [column for name, column in _columns().items() if name not in existing]
    if missing:
        with op.batch_alter_table("withdrawal_outbox") as batch:
            for column in missing:
                batch.add_column(column)


def downgrade() -> None:
    present = [name for name in _columns() if name in _existing()]
    if present:
        with op.batch_alter_table("withdrawal_outbox") as batch:
            for name in present:
                batch.drop_column(name)
