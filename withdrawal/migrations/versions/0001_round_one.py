"""The first schema: the hash chain, its indexes, the outbox, kept documents, the audit area's
decision index and verifications.

Databases made before migrations existed hold some or all of these tables already: each table
is created only where it is missing, so such a database upgrades in place.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
UTC_DATETIME = sa.DateTime(timezone=True)


def _tables() -> list[tuple[str, list[Any]]]:
    return [
        ("withdrawal_chain_head", [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("seq", sa.BigInteger, nullable=False),
            sa.Column("hash", sa.String(64), nullable=False),
            sa.Column("updated_at", UTC_DATETIME),
        ]),
        ("withdrawal_ledger", [
            sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("reference", sa.String(16), nullable=False, index=True),
            sa.Column("recorded_at", UTC_DATETIME, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("erased", sa.Text),
            sa.Column("prev_hash", sa.String(64), nullable=False),
            sa.Column("hash", sa.String(64), nullable=False, unique=True),
        ]),
        ("withdrawal_statements", [
            sa.Column("reference", sa.String(16), primary_key=True),
            sa.Column("seq", sa.BigInteger, sa.ForeignKey("withdrawal_ledger.seq"),
                      nullable=False, unique=True),
            sa.Column("submission_key", sa.String(64), nullable=False, unique=True),
            sa.Column("submitted_at", UTC_DATETIME, nullable=False, index=True),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("email", sa.Text, nullable=False),
            sa.Column("email_lower", sa.Text, nullable=False, index=True),
            sa.Column("order_number", sa.Text, index=True),
            sa.Column("order_matched", sa.Boolean, nullable=False),
            sa.Column("locale", sa.String(16), nullable=False),
            sa.Column("flags", sa.Text, nullable=False),
        ]),
        ("withdrawal_statement_lines", [
            sa.Column("reference", sa.String(16),
                      sa.ForeignKey("withdrawal_statements.reference"), primary_key=True),
            sa.Column("line_id", sa.Text, primary_key=True),
            sa.Column("order_number", sa.Text, nullable=False),
            sa.Column("status", sa.String(32), nullable=False),
            sa.Index("ix_withdrawal_statement_lines_order", "order_number", "line_id"),
        ]),
        ("withdrawal_outbox", [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("reference", sa.String(16),
                      sa.ForeignKey("withdrawal_statements.reference"), nullable=False,
                      index=True),
            sa.Column("purpose", sa.String(32), nullable=False),
            sa.Column("recipient", sa.Text, nullable=False),
            sa.Column("link_base", sa.Text),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
            sa.Column("created_at", UTC_DATETIME, nullable=False),
            sa.Column("sent_at", UTC_DATETIME),
            sa.Column("message_id", sa.Text),
            sa.Column("last_error", sa.Text),
            sa.Index("ix_withdrawal_outbox_due", "status", "next_attempt_at"),
        ]),
        ("withdrawal_documents", [
            sa.Column("reference", sa.String(16),
                      sa.ForeignKey("withdrawal_statements.reference"), primary_key=True),
            sa.Column("kind", sa.String(32), primary_key=True),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("content", sa.LargeBinary, nullable=False),
            sa.Column("created_at", UTC_DATETIME, nullable=False),
        ]),
        ("withdrawal_decisions_index", [
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
        ]),
        ("withdrawal_verifications", [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("checked_at", UTC_DATETIME, nullable=False),
            sa.Column("ok", sa.Boolean, nullable=False),
            sa.Column("statements", sa.Integer, nullable=False),
            sa.Column("entries", sa.Integer, nullable=False),
            sa.Column("problem", sa.Text, nullable=False),
            sa.Column("checked_by", sa.Text, nullable=False),
        ]),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, items in _tables():
        if name not in existing:
            op.create_table(name, *items)
    head = sa.table("withdrawal_chain_head", sa.column("id"), sa.column("seq"),
                    sa.column("hash"))
    if op.get_bind().execute(sa.select(head.c.id)).first() is None:
        op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])


def downgrade() -> None:
    for name, _items in reversed(_tables()):
        op.drop_table(name)
