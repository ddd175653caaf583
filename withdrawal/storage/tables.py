"""Every table of the record, on one ``metadata`` (the Alembic migrations in
``withdrawal/migrations`` are written against it).

``ledger`` is the append-only hash chain and the source of truth; ``statements`` and
``statement_lines`` are search indexes over it that ``verify`` checks against the chain, and
so are the per-hour counts of ``statement_hours`` (the audit overview's chart);
``outbox`` holds the messages owed, ``documents`` the documents kept byte for byte, ``anchors``
the chain heads recorded with witnesses outside the database. ``line_decisions`` is derived
from the chain's decision events (it can always be rebuilt from them) and ``verifications``
only remembers results of ``verify``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes with microseconds on every backend (SQLite keeps them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


metadata = MetaData()

GENESIS_HASH = "0" * 64

chain_head = Table(
    "withdrawal_chain_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("updated_at", UTCDateTime),
)

ledger = Table(
    "withdrawal_ledger",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),  # "statement" or "event"
    Column("reference", String(16), nullable=False, index=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON of the entry's fields
    Column("erased", Text),  # JSON {field: digest} of fields erased under retention
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

statements = Table(
    "withdrawal_statements",
    metadata,
    Column("reference", String(16), primary_key=True),
    Column("seq", BigInteger, ForeignKey("withdrawal_ledger.seq"), nullable=False, unique=True),
    Column("submission_key", String(64), nullable=False, unique=True),
    Column("submitted_at", UTCDateTime, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("email_lower", Text, nullable=False, index=True),
    Column("order_number", Text, index=True),
    Column("order_matched", Boolean, nullable=False),
    Column("locale", String(16), nullable=False),
    Column("flags", Text, nullable=False, default="[]"),
)

statement_lines = Table(
    "withdrawal_statement_lines",
    metadata,
    Column("reference", String(16), ForeignKey("withdrawal_statements.reference"),
           primary_key=True),
    Column("line_id", Text, primary_key=True),
    Column("order_number", Text, nullable=False),
    Column("status", String(32), nullable=False),
    # What the exports show of each line, copied from the entry (migration 0017) so that an
    # export reads the index instead of parsing every entry: its place in the statement, the
    # title and quantity, and the assessment's deadline and whether it had passed.
    Column("position", Integer),
    Column("title", Text),
    Column("quantity", Integer),
    Column("deadline", Text),
    Column("period_ended", Boolean),
    Index("ix_withdrawal_statement_lines_order", "order_number", "line_id"),
)

statement_hours = Table(
    "withdrawal_statement_hours",
    metadata,
    # Statements per UTC hour ("YYYY-MM-DD HH" of submitted_at) and outcome (storage/hours.py:
    # the chart's classification), added to in the transaction that records each statement.
    Column("hour", String(13), primary_key=True),
    Column("outcome", String(16), primary_key=True),
    Column("count", Integer, nullable=False),
)

anchors = Table(
    "withdrawal_anchors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("head_seq", BigInteger, nullable=False, index=True),  # the entry anchored
    Column("head_hash", String(64), nullable=False),
    Column("anchored_at", UTCDateTime, nullable=False),
    Column("event_seq", BigInteger, ForeignKey("withdrawal_ledger.seq"), nullable=False,
           unique=True),  # the chain-anchored event that records this anchor
    Column("witnesses", Text, nullable=False),  # JSON {witness URL: file path, "queued"...}
    Column("tokens", Text, nullable=False),  # JSON {rfc3161 witness URL: base64 DER token}
)

outbox = Table(
    "withdrawal_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The statement the message is owed for; NULL for a message about the chain (an anchor).
    Column("reference", String(16), ForeignKey("withdrawal_statements.reference"),
           index=True),
    Column("anchor_id", Integer,
           ForeignKey("withdrawal_anchors.id", name="fk_withdrawal_outbox_anchor_id")),
    # acknowledgement, order-notice, shop-copy, anchor (statement.Purpose)
    Column("purpose", String(32), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("link_base", Text),  # the shop's URL root at submission, for the receipt link
    Column("status", String(16), nullable=False, default="pending"),  # pending, sent, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("message_id", Text, index=True),
    Column("smtp_reply", Text),  # the server's reply to the end of DATA (its queue id)
    Column("last_error", Text),
    # A webhook's exact body, so that every attempt sends the same bytes (its webhook-id is
    # message_id, set when the entry is owed).
    Column("payload", Text),
    Column("event_seq", BigInteger),  # the decision a decision-notice is about
    # The claim of the worker sending the entry (delivery/outbox.py): its token, cleared when
    # the outcome is recorded, and when it was made. A token still set once next_attempt_at
    # (the lease) has passed is a claim never finished: a worker died while sending.
    Column("claim_token", String(32)),
    Column("claimed_at", UTCDateTime),
    Index("ix_withdrawal_outbox_due", "status", "next_attempt_at"),
)

documents = Table(
    "withdrawal_documents",
    metadata,
    Column("reference", String(16), ForeignKey("withdrawal_statements.reference"),
           primary_key=True),
    Column("kind", String(32), primary_key=True),  # a statement.DocumentKind
    Column("sha256", String(64), nullable=False, index=True),  # the public receipt check
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

line_decisions = Table(
    "withdrawal_line_decisions",
    metadata,
    # One row per line of every statement with a decision (a statement without lines has one
    # row, line "*"): where the line stands after its decisions, folded from the chain's
    # decision events (storage/decisions.py rebuilds it from them at any time).
    Column("reference", String(16), primary_key=True),
    Column("line_id", Text, primary_key=True),
    # The statement's place in the list, copied so that a list filtered by line state is read
    # from this table's own index.
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),  # undecided, accepted, rejected, refunded
    Column("goods", Boolean, nullable=False),
    Column("refund_due", Date),  # the refund's last day (Art. 13(1)), once accepted
    Column("withheld", Boolean, nullable=False),  # Art. 13(3): goods accepted, not yet back
    Column("refunded_on", Date),
    Column("key_revoked_at", UTCDateTime),
    Column("returned_on", Date),
    Column("overdue_signalled_at", UTCDateTime),  # refund_overdue sent (a refund-overdue event)
    Column("decided_at", UTCDateTime, nullable=False),
    Column("last_seq", BigInteger, nullable=False),  # the latest event applied
    # Serves the list filtered by line state or refund (due dates follow submission dates), and
    # the refunds overview and overdue signals (accepted lines: a small working set).
    Index("ix_withdrawal_line_decisions_list", "state", "submitted_at", "seq"),
    # A statement's rows by its place in the chain: the "undecided" filter (no row, or an
    # undecided one) looks each listed statement up here.
    Index("ix_withdrawal_line_decisions_seq", "seq", "state"),
    # The refunds overview, in its order: accepted lines by refund day (migration 0020).
    Index("ix_withdrawal_line_decisions_refund", "state", "refund_due", "reference", "line_id"),
)

#: The name search's trigram index, made by migration 0017 outside this metadata (it is
#: backend-specific): on SQLite an FTS5 table (trigram tokenizer) holding each statement's
#: name under its ``seq`` as rowid, kept in step by triggers; on PostgreSQL a ``pg_trgm`` GIN
#: index on ``name`` (it serves the search's ``ILIKE``). Either may be missing (no FTS5
#: trigram tokenizer, no right to create the extension): the search then scans.
NAME_SEARCH = "withdrawal_name_search"
NAME_TRGM_INDEX = "ix_withdrawal_statements_name_trgm"

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
