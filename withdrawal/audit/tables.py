"""The audit area's own tables, on the shared ``metadata`` so ``create_schema`` makes them too.

Both are derived data: ``decisions_index`` is rebuilt from the decision events in the chain
(``decisions.rebuild_decisions_index``) and ``verifications`` only remembers results of
``verify_chain``. Neither is part of the tamper-evident record.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from ..storage.tables import UTCDateTime, metadata

decisions_index = Table(
    "withdrawal_decisions_index",
    metadata,
    Column("reference", String(16), primary_key=True),
    # The statement's place in the list, copied so that a list filtered by decision state is
    # read in order from this table's own index.
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("seq", BigInteger, nullable=False),
    # undecided (only a key revocation so far), accepted, rejected, refunded
    Column("state", String(16), nullable=False),
    Column("refund_due", Date),
    Column("refunded_on", Date),
    Column("key_revoked_at", UTCDateTime),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("last_seq", BigInteger, nullable=False),  # the latest decision event applied
    # Serves the list filtered by state or refund (due dates follow submission dates) and the
    # overview's refunds (accepted and not yet refunded: a small working set).
    Index("ix_withdrawal_decisions_index_list", "state", "submitted_at", "seq"),
)

verifications = Table(
    "withdrawal_verifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("checked_at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("statements", Integer, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("problem", Text, nullable=False, default=""),
    Column("checked_by", Text, nullable=False, default=""),
)

AUDIT_TABLES = (decisions_index, verifications)


def create_audit_tables(engine: Engine) -> None:
    """Create the audit tables if missing (safe to run again)."""
    metadata.create_all(engine, tables=list(AUDIT_TABLES))
