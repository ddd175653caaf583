"""Evidence that survives an insider: anchors of the chain's head, messages about the chain in
the outbox, the SMTP server's reply to each message sent, and the public receipt check's index.

- ``withdrawal_anchors``: each anchor (head entry, hash, time, witnesses, RFC 3161 tokens).
- ``withdrawal_outbox``: ``reference`` may be NULL (a message about the chain, not a
  statement), ``anchor_id`` names the anchor such a message carries, ``smtp_reply`` keeps the
  server's reply to the end of DATA (its queue id); ``message_id`` is indexed for bounces.
- ``withdrawal_documents.sha256`` is indexed (the public check finds an uploaded receipt).
- Every kept document has its SHA-256 in a chain event from now on. Documents kept before this
  revision without one (the acknowledgement e-mails) get an ``acknowledgement-eml-stored`` (or
  ``receipt-pdf-stored``) event now, marked ``backfilled_by``, so ``verify`` can check them
  from the upgrade on.

Revision ID: 0013
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from withdrawal.statement import canonical_json
from withdrawal.storage.chain import entry_hash, field_digests
from withdrawal.storage.tables import UTCDateTime

revision = "0013"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)

#: document kind -> the event that records its SHA-256 when it is kept
STORED_EVENTS = {"receipt-pdf": "receipt-pdf-stored",
                 "acknowledgement-eml": "acknowledgement-eml-stored"}

_ledger = sa.table(
    "withdrawal_ledger", sa.column("seq", sa.BigInteger), sa.column("kind", sa.String),
    sa.column("reference", sa.String), sa.column("recorded_at", UTCDateTime()),
    sa.column("body", sa.Text), sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
)
_head = sa.table("withdrawal_chain_head", sa.column("id", sa.Integer),
                 sa.column("seq", sa.BigInteger), sa.column("hash", sa.String),
                 sa.column("updated_at", UTCDateTime()))
_documents = sa.table("withdrawal_documents", sa.column("reference", sa.String),
                      sa.column("kind", sa.String), sa.column("sha256", sa.String),
                      sa.column("created_at", UTCDateTime()))


def upgrade() -> None:
    op.create_table(
        "withdrawal_anchors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("head_seq", sa.BigInteger, nullable=False, index=True),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("anchored_at", UTC_DATETIME, nullable=False),
        sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("withdrawal_ledger.seq"),
                  nullable=False, unique=True),
        sa.Column("witnesses", sa.Text, nullable=False),
        sa.Column("tokens", sa.Text, nullable=False),
    )
    with op.batch_alter_table("withdrawal_outbox") as batch:
        batch.alter_column("reference", existing_type=sa.String(16), nullable=True)
        batch.add_column(sa.Column("anchor_id", sa.Integer))
        batch.add_column(sa.Column("smtp_reply", sa.Text))
        batch.create_foreign_key("fk_withdrawal_outbox_anchor_id", "withdrawal_anchors",
                                 ["anchor_id"], ["id"])
        batch.create_index("ix_withdrawal_outbox_message_id", ["message_id"])
    op.create_index("ix_withdrawal_documents_sha256", "withdrawal_documents", ["sha256"])
    _record_kept_documents(op.get_bind())


def _record_kept_documents(conn: sa.Connection, batch: int = 500) -> None:
    """A stored event for each kept document whose SHA-256 is in no chain event yet."""
    last = ("", "")
    while True:
        rows = conn.execute(
            sa.select(_documents).where(sa.tuple_(_documents.c.reference, _documents.c.kind)
                                        > sa.tuple_(sa.literal(last[0]), sa.literal(last[1])))
            .order_by(_documents.c.reference, _documents.c.kind).limit(batch)
        ).all()
        if not rows:
            return
        recorded = _stored_events(conn, sorted({row.reference for row in rows}))
        for row in rows:
            event = STORED_EVENTS.get(row.kind)
            if event and (row.reference, event) not in recorded:
                _append(conn, row.reference, {"type": event, "data": {
                    "sha256": row.sha256, "kept_at": row.created_at.isoformat(),
                    "backfilled_by": "migration 0013",
                }})
        last = (rows[-1].reference, rows[-1].kind)


def _stored_events(conn: sa.Connection, references: list[str]) -> set[tuple[str, str]]:
    rows = conn.execute(sa.select(_ledger.c.reference, _ledger.c.body)
                        .where(_ledger.c.reference.in_(references), _ledger.c.kind == "event"))
    return {(row.reference, json.loads(row.body).get("type")) for row in rows}


def _append(conn: sa.Connection, reference: str, body: dict[str, Any]) -> None:
    head = conn.execute(sa.select(_head.c.seq, _head.c.hash).where(_head.c.id == 1)).one()
    seq, now = head.seq + 1, datetime.now(UTC)
    digest = entry_hash(seq=seq, kind="event", reference=reference, recorded_at=now,
                        prev_hash=head.hash, digests=field_digests(body))
    conn.execute(sa.insert(_ledger).values(
        seq=seq, kind="event", reference=reference, recorded_at=now,
        body=canonical_json(body).decode(), prev_hash=head.hash, hash=digest,
    ))
    conn.execute(sa.update(_head).where(_head.c.id == 1).values(seq=seq, hash=digest,
                                                                updated_at=now))


def downgrade() -> None:
    op.drop_index("ix_withdrawal_documents_sha256", table_name="withdrawal_documents")
    with op.batch_alter_table("withdrawal_outbox") as batch:
        batch.drop_index("ix_withdrawal_outbox_message_id")
        batch.drop_constraint("fk_withdrawal_outbox_anchor_id", type_="foreignkey")
        batch.drop_column("smtp_reply")
        batch.drop_column("anchor_id")
        batch.alter_column("reference", existing_type=sa.String(16), nullable=False)
    op.drop_table("withdrawal_anchors")
