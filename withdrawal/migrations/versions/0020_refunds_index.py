"""The refunds overview in refund order from an index (issue 16, point 5).

The overview lists the 200 statements whose accepted lines' refund falls due soonest. It read
every accepted line due by the end of the coming week and sorted them (183 ms on PostgreSQL
at a million statements, 25 000 accepted lines). ``withdrawal_line_decisions(state,
refund_due, reference, line_id)`` gives them in the overview's order, and the query is
streamed (``withdrawal/storage/decisions.py``): it stops after the 200th statement.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

INDEX = "ix_withdrawal_line_decisions_refund"
TABLE = "withdrawal_line_decisions"


def upgrade() -> None:
    existing = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(TABLE)}
    if INDEX not in existing:
        op.create_index(INDEX, TABLE, ["state", "refund_due", "reference", "line_id"])


def downgrade() -> None:
    existing = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(TABLE)}
    if INDEX in existing:
        op.drop_index(INDEX, table_name=TABLE)
