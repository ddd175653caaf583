"""The outbox: one row per message owed for a statement (or, with no reference, for an anchor
of the chain: ``anchor_id``). A row is claimed by pushing its next
attempt into the future inside a short transaction, so several workers (and the after-commit
attempt) never send one message twice; on PostgreSQL the claim skips rows another worker holds
(``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from ..storage.statements import utcnow
from ..storage.tables import outbox

#: How long a claimed entry is reserved for the worker that claimed it. A worker that dies
#: mid-send leaves the entry to be retried after this lease.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Entry:
    id: int
    reference: str | None  # None: a message about the chain (``anchor_id``), not a statement
    purpose: str
    recipient: str
    attempts: int
    link_base: str | None = None
    payload: str | None = None  # a webhook's body
    message_id: str | None = None  # a webhook's id
    anchor_id: int | None = None
    event_seq: int | None = None  # the decision a decision notice is about


def claim_due(
    engine: Engine, *, limit: int = 20, reference: str | None = None,
    now: datetime | None = None,
) -> list[Entry]:
    """Claim up to ``limit`` pending entries that are due (optionally of one statement)."""
    now = now or utcnow()
    with engine.begin() as conn:
        rows = conn.execute(_due_query(engine, limit, reference, now)).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(
            next_attempt_at=now + LEASE, attempts=outbox.c.attempts + 1,
        ))
    return [_entry(row) for row in rows]


def _due_query(engine: Engine, limit: int, reference: str | None, now: datetime) -> Any:
    query = (
        select(outbox.c.id, outbox.c.reference, outbox.c.purpose, outbox.c.recipient,
               outbox.c.attempts, outbox.c.link_base, outbox.c.payload, outbox.c.message_id,
               outbox.c.anchor_id, outbox.c.event_seq)
        .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if reference is not None:
        query = query.where(outbox.c.reference == reference)
    if engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


def _entry(row: Row[Any]) -> Entry:
    return Entry(row.id, row.reference, row.purpose, row.recipient, row.attempts + 1,
                 row.link_base, row.payload, row.message_id, row.anchor_id, row.event_seq)


def mark_sent(
    conn: Connection, entry: Entry, message_id: str, at: datetime,
    smtp_reply: str | None = None,
) -> None:
    conn.execute(update(outbox).where(outbox.c.id == entry.id).values(
        status="sent", sent_at=at, message_id=message_id, last_error=None,
        smtp_reply=smtp_reply,
    ))


def mark_failed(
    conn: Connection, entry: Entry, error: str, *, final: bool, retry_at: datetime,
) -> None:
    conn.execute(update(outbox).where(outbox.c.id == entry.id).values(
        status="failed" if final else "pending", last_error=error[:2000],
        next_attempt_at=retry_at,
    ))


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """Exponential: base, 2×base, 4×base... capped at a day."""
    return timedelta(seconds=min(base_seconds * 2 ** (attempts - 1), 86400))


def pending_count(engine: Engine) -> int:
    from sqlalchemy import func

    with engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
        return int(conn.execute(query).scalar_one())
