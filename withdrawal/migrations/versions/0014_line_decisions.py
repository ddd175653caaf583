"""Decisions per line: ``withdrawal_line_decisions`` replaces the whole-statement
``withdrawal_decisions_index``, filled from the chain's decision events (round one's
whole-statement decisions cover every line of their statement); the outbox names the decision a
decision notice is about (``event_seq``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)

LINE_COLUMNS = (
    "reference", "line_id", "submitted_at", "seq", "state", "goods", "refund_due", "withheld",
    "refunded_on", "key_revoked_at", "returned_on", "overdue_signalled_at", "decided_at",
    "last_seq",
)


def _line_decisions() -> list[Any]:
    return [
        sa.Column("reference", sa.String(16), primary_key=True),
        sa.Column("line_id", sa.Text, primary_key=True),
        sa.Column("submitted_at", UTC_DATETIME, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("goods", sa.Boolean, nullable=False),
        sa.Column("refund_due", sa.Date),
        sa.Column("withheld", sa.Boolean, nullable=False),
        sa.Column("refunded_on", sa.Date),
        sa.Column("key_revoked_at", UTC_DATETIME),
        sa.Column("returned_on", sa.Date),
        sa.Column("overdue_signalled_at", UTC_DATETIME),
        sa.Column("decided_at", UTC_DATETIME, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Index("ix_withdrawal_line_decisions_list", "state", "submitted_at", "seq"),
    ]


def _decisions_index() -> list[Any]:
    return [
        sa.Column("reference", sa.String(16), primary_key=True),
        sa.Column("submitted_at", UTC_DATETIME, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("refund_due", sa.Date),
        sa.Column("refunded_on", sa.Date),
        sa.Column("key_revoked_at", UTC_DATETIME),
        sa.Column("decided_at", UTC_DATETIME, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Index("ix_withdrawal_decisions_index_list", "state", "submitted_at", "seq"),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    tables = set(sa.inspect(bind).get_table_names())
    if "withdrawal_line_decisions" not in tables:
        op.create_table("withdrawal_line_decisions", *_line_decisions())
    outbox_columns = {c["name"] for c in sa.inspect(bind).get_columns("withdrawal_outbox")}
    if "event_seq" not in outbox_columns:
        with op.batch_alter_table("withdrawal_outbox") as batch:
            batch.add_column(sa.Column("event_seq", sa.BigInteger))
    _fill_line_decisions(bind)
    if "withdrawal_decisions_index" in tables:
        op.drop_table("withdrawal_decisions_index")


def _fill_line_decisions(bind: Any) -> None:
    """Fold every statement's decision events into the new index (the same fold the app
    uses, so round one's decisions read as they always will)."""
    from withdrawal.storage.decisions import decided_references, index_rows, load_decided
    from withdrawal.storage.tables import UTCDateTime

    types: dict[str, Any] = {"submitted_at": UTCDateTime(), "key_revoked_at": UTCDateTime(),
             "overdue_signalled_at": UTCDateTime(), "decided_at": UTCDateTime(),
             "refund_due": sa.Date(), "refunded_on": sa.Date(), "returned_on": sa.Date(),
             "goods": sa.Boolean(), "withheld": sa.Boolean()}
    table = sa.table("withdrawal_line_decisions",
                     *(sa.column(c, types.get(c)) for c in LINE_COLUMNS))
    bind.execute(sa.delete(table))
    for reference in list(decided_references(bind)):
        decided = load_decided(bind, reference)
        rows = [{key: row[key] for key in LINE_COLUMNS} for row in index_rows(decided)] \
            if decided else []
        if rows:
            bind.execute(sa.insert(table), rows)


def downgrade() -> None:
    bind = op.get_bind()
    op.create_table("withdrawal_decisions_index", *_decisions_index())
    lines = bind.execute(sa.text(
        "SELECT reference, submitted_at, seq, state, refund_due, refunded_on, key_revoked_at,"
        " decided_at, last_seq FROM withdrawal_line_decisions ORDER BY reference, line_id"
    )).all()
    summary: dict[str, dict[str, Any]] = {}
    rank = {"undecided": 0, "rejected": 1, "accepted": 2, "refunded": 3}
    for row in lines:
        seen = summary.get(row.reference)
        if seen is None or rank.get(row.state, 0) > rank.get(seen["state"], 0):
            summary[row.reference] = dict(row._mapping)
    index = sa.table("withdrawal_decisions_index", *(sa.column(c) for c in (
        "reference", "submitted_at", "seq", "state", "refund_due", "refunded_on",
        "key_revoked_at", "decided_at", "last_seq")))
    if summary:
        bind.execute(sa.insert(index), list(summary.values()))
    op.drop_table("withdrawal_line_decisions")
    with op.batch_alter_table("withdrawal_outbox") as batch:
        batch.drop_column("event_seq")
