"""Putting back in the outbox the messages that failed for good: an SMTP 5xx answer, or every
attempt of ``WITHDRAWAL_DELIVERY_MAX_ATTEMPTS`` used (``flask withdrawal requeue``).

Like the audit page's resend (``resend.py``), each gets a new outbox entry, due at once, and a
``resend-requested`` event naming the failed entry, in the transaction that queues it; the
failed entry stays as it was, for the record. A failure already followed by a later entry for
the same message is not queued twice, and one whose address was erased under the retention
period stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, select

from ..statement import ERASED, EventType, Purpose
from ..storage.chain import lock_head
from ..storage.statements import Recipient, append_event, owe_message, utcnow
from ..storage.tables import outbox, statements


@dataclass(frozen=True)
class Requeued:
    """A failed message put back: its statement, purpose and recipient, the failed entry and
    the new one."""

    reference: str
    purpose: str
    recipient: str
    failed_id: int
    outbox_id: int


def requeue_failed(engine: Engine, *, reference: str | None = None, by: str) -> list[Requeued]:
    """Queue again every final failure (of ``reference``, or of every statement); returns what
    was queued. Raises ``LookupError`` for an unknown reference."""
    with engine.begin() as conn:
        lock_head(conn)
        if reference is not None and not _known(conn, reference):
            raise LookupError(f"no statement {reference}")
        return [_requeue(conn, row, by) for row in conn.execute(_final_failures(reference))]


def _known(conn: Connection, reference: str) -> bool:
    query = select(statements.c.reference).where(statements.c.reference == reference)
    return conn.execute(query).first() is not None


def final_failures(engine: Engine) -> tuple[int, datetime | None]:
    """How many messages failed for good with no resend since (what ``requeue --failed``
    would put back), and when the oldest of them was owed."""
    failures = _final_failures(None).subquery()
    query = select(func.count(), func.min(failures.c.created_at))
    with engine.connect() as conn:
        count, oldest = conn.execute(query).one()
    return int(count), oldest


def _final_failures(reference: str | None) -> Any:
    later = outbox.alias("later")
    superseded = exists().where(
        later.c.reference == outbox.c.reference, later.c.purpose == outbox.c.purpose,
        later.c.recipient == outbox.c.recipient, later.c.id > outbox.c.id,
    )
    query = (select(outbox)
             .where(outbox.c.status == "failed", outbox.c.recipient != ERASED, ~superseded)
             .order_by(outbox.c.id))
    return query.where(outbox.c.reference == reference) if reference is not None else query


def _requeue(conn: Connection, row: Any, by: str) -> Requeued:
    recipient = Recipient(Purpose(row.purpose), row.recipient)
    entry_id = owe_message(conn, row.reference, recipient, link_base=row.link_base, now=utcnow())
    append_event(conn, row.reference, EventType.RESEND_REQUESTED, {
        "purpose": row.purpose, "recipient": row.recipient, "outbox_id": entry_id,
        "requeued_outbox_id": row.id, "by": by,
    })
    return Requeued(row.reference, row.purpose, row.recipient, row.id, entry_id)
