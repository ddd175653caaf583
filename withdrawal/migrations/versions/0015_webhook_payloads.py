"""Webhooks through the outbox: each entry may keep the exact body it sends, so that every
attempt sends the same bytes under the same webhook-id (kept in ``message_id``).

Revision ID: 0015
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("withdrawal_outbox") as batch:
        batch.add_column(sa.Column("payload", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("withdrawal_outbox") as batch:
        batch.drop_column("payload")
