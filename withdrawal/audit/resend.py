"""Sending the acknowledgement again: a new outbox entry for the consumer's address, logged as a
``resend-requested`` event in the same transaction. The delivery worker sends it."""

from __future__ import annotations

import json

from sqlalchemy import Connection, Engine, select

from ..statement import EventType, Purpose, is_erased
from ..storage.chain import lock_head
from ..storage.statements import Recipient, append_event, owe_message, utcnow
from ..storage.tables import ledger, outbox, statements


class ResendError(ValueError):
    """The acknowledgement cannot be sent again (e.g. the address was erased)."""


def request_resend(engine: Engine, reference: str, *, by: str) -> int:
    """Queue the acknowledgement again; returns the new outbox entry's id."""
    with engine.begin() as conn:
        lock_head(conn)
        recipient = _recipient(conn, reference)
        # The receipt link of the first acknowledgement is kept.
        entry_id = owe_message(conn, reference, Recipient(Purpose.ACKNOWLEDGEMENT, recipient),
                               link_base=_link_base(conn, reference), now=utcnow())
        append_event(conn, reference, EventType.RESEND_REQUESTED, {
            "purpose": Purpose.ACKNOWLEDGEMENT, "recipient": recipient, "outbox_id": entry_id,
            "by": by,
        })
    return entry_id


def _recipient(conn: Connection, reference: str) -> str:
    row = conn.execute(
        select(ledger.c.body, ledger.c.erased)
        .join(statements, statements.c.seq == ledger.c.seq)
        .where(statements.c.reference == reference)
    ).first()
    if row is None:
        raise LookupError(f"no statement {reference}")
    if is_erased(row.erased):
        raise ResendError("the consumer's address was erased under the retention period")
    return str(json.loads(row.body)["content"]["email"])


def _link_base(conn: Connection, reference: str) -> str | None:
    query = (select(outbox.c.link_base)
             .where(outbox.c.reference == reference, outbox.c.purpose == Purpose.ACKNOWLEDGEMENT,
                    outbox.c.link_base.is_not(None))
             .order_by(outbox.c.id).limit(1))
    value = conn.execute(query).scalar_one_or_none()
    return str(value) if value is not None else None
