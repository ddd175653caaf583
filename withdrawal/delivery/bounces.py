"""Bounces: ``flask withdrawal bounce`` reads a delivery status notification from standard
input (as an MTA's pipe hands it), finds the message of ours it names, and appends an
``acknowledgement-bounced`` event (``anchor-failed`` for an anchor's e-mail), marks the
outbox entry failed and sends ``receipt_failed`` (final). Reports that a message was delayed
or delivered record nothing."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine, select, update

from ..signals import receipt_failed, tell_the_shop
from ..statement import CHAIN_REFERENCE, EventType
from ..storage.statements import append_event
from ..storage.tables import outbox
from .dsn import StatusNotification, parse_dsn


@dataclass(frozen=True)
class Bounce:
    reference: str | None  # None: an anchor's e-mail
    purpose: str
    message_id: str
    notification: StatusNotification
    recorded: bool  # False: the report says the message was not (yet) lost


class UnknownMessage(LookupError):
    """The report names no message we sent."""


def record_bounce(engine: Engine, raw: bytes) -> Bounce:
    """Record what the DSN ``raw`` says about our message (call inside an app context)."""
    notice = parse_dsn(raw)
    with engine.begin() as conn:
        rows = conn.execute(select(outbox).where(
            outbox.c.message_id.in_(notice.message_ids[:50]))).all()
        by_id = {row.message_id: row for row in rows}
        row = next((by_id[m] for m in notice.message_ids if m in by_id), None)
        if row is None:
            raise UnknownMessage("the report names no message we sent: "
                                 + (", ".join(notice.message_ids[:3]) or "no Message-ID"))
        bounce = Bounce(row.reference, row.purpose, row.message_id, notice, notice.failed)
        if not notice.failed:
            return bounce
        error = f"bounced: {notice.status} {notice.diagnostic}".strip()
        conn.execute(update(outbox).where(outbox.c.id == row.id)
                     .values(status="failed", last_error=error[:2000]))
        kind = (EventType.ACKNOWLEDGEMENT_BOUNCED if row.reference is not None
                else EventType.ANCHOR_FAILED)
        append_event(conn, row.reference or CHAIN_REFERENCE, kind, {
            "purpose": row.purpose, "recipient": notice.recipient or row.recipient,
            "message_id": row.message_id, "action": notice.action, "status": notice.status,
            "error": notice.diagnostic, "reporting_mta": notice.reporting_mta, "final": True,
        })
    if row.reference is not None:
        tell_the_shop(receipt_failed, current_app._get_current_object(),  # type: ignore[attr-defined]
                      reference=row.reference, purpose=row.purpose, recipient=row.recipient,
                      error=error, attempts=row.attempts, final=True)
    return bounce
