"""Decisions on a statement are appended events, never edits: accepted (the refund falls due 14
days after the statement, R15), rejected with a reason, refunded (date and means of payment),
key revoked. ``withdrawal_decisions_index`` keeps each statement's resulting state for the
list's filters and the refund overview; it can always be rebuilt from the chain."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Connection, Engine, Row, delete, insert, select, update

from ..signals import decision_recorded
from ..statement import EventType
from ..storage.chain import lock_head
from ..storage.statements import append_event
from ..storage.tables import decisions_index, ledger, statements

DECISIONS = ("accepted", "rejected", "refunded", "key-revoked")
STATES = ("undecided", "accepted", "rejected", "refunded")

#: Art. 13(1) CRD: reimbursement at the latest 14 days after being informed of the withdrawal.
REFUND_DAYS = 14


class DecisionError(ValueError):
    """A decision that cannot be recorded as given."""


@dataclass(frozen=True)
class Decision:
    """What an auditor decided. ``reason`` is required for a rejection, ``refunded_on`` and
    ``means_of_payment`` for a refund."""

    decision: str
    by: str
    reason: str = ""
    note: str = ""
    refunded_on: date | None = None
    means_of_payment: str = ""

    def check(self) -> None:
        if self.decision not in DECISIONS:
            raise DecisionError(f"unknown decision {self.decision!r}")
        if self.decision == "rejected" and not self.reason.strip():
            raise DecisionError("a rejection needs a reason")
        if self.decision == "refunded" and (
            self.refunded_on is None or not self.means_of_payment.strip()
        ):
            raise DecisionError("a refund needs its date and means of payment")


def refund_due(submitted_at: datetime) -> date:
    """The statement's date (UTC, the earlier calendar in Europe) plus 14 days (R15)."""
    return submitted_at.date() + timedelta(days=REFUND_DAYS)


def event_data(decision: Decision, submitted_at: datetime) -> dict[str, Any]:
    """The event's data: only the fields that belong to this kind of decision."""
    data: dict[str, Any] = {"decision": decision.decision, "by": decision.by,
                            "note": decision.note.strip()}
    if decision.decision == "accepted":
        data["refund_due"] = refund_due(submitted_at).isoformat()
    if decision.decision == "rejected":
        data["reason"] = decision.reason.strip()
    if decision.decision == "refunded" and decision.refunded_on is not None:
        data["refunded_on"] = decision.refunded_on.isoformat()
        data["means_of_payment"] = decision.means_of_payment.strip()
    return data


def record_decision(engine: Engine, reference: str, decision: Decision) -> dict[str, Any]:
    """Append the decision and update the index in one transaction, then send
    ``decision_recorded`` (inside an app context). Returns the event's data."""
    decision.check()
    with engine.begin() as conn:
        lock_head(conn)  # first statement: SQLite waits for the write lock instead of failing
        submitted_at = _submitted_at(conn, reference)
        data = event_data(decision, submitted_at)
        seq = append_event(conn, reference, EventType.DECISION, data)
        recorded_at = conn.execute(
            select(ledger.c.recorded_at).where(ledger.c.seq == seq)).scalar_one()
        apply_to_index(conn, reference, data, seq, recorded_at)
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        decision_recorded.send(app, reference=reference, decision=decision.decision, data=data)
    return data


def _submitted_at(conn: Connection, reference: str) -> datetime:
    query = select(statements.c.submitted_at).where(statements.c.reference == reference)
    submitted_at = conn.execute(query).scalar_one_or_none()
    if submitted_at is None:
        raise LookupError(f"no statement {reference}")
    return submitted_at  # type: ignore[no-any-return]


def apply_to_index(
    conn: Connection, reference: str, data: Mapping[str, Any], seq: int, at: datetime,
) -> None:
    """Fold one decision event into the statement's row of the index."""
    row = conn.execute(
        select(decisions_index).where(decisions_index.c.reference == reference)
    ).first()
    values = _folded(row, data, at)
    values.update(decided_at=at, last_seq=seq)
    if row is None:
        statement = conn.execute(select(statements.c.submitted_at, statements.c.seq)
                                 .where(statements.c.reference == reference)).one()
        conn.execute(insert(decisions_index).values(
            reference=reference, submitted_at=statement.submitted_at, seq=statement.seq,
            **values))
    else:
        conn.execute(update(decisions_index)
                     .where(decisions_index.c.reference == reference).values(**values))


def _folded(row: Row[Any] | None, data: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "state": row.state if row else "undecided",
        "refund_due": row.refund_due if row else None,
        "refunded_on": row.refunded_on if row else None,
        "key_revoked_at": row.key_revoked_at if row else None,
    }
    kind = data["decision"]
    if kind == "accepted":
        values.update(state="accepted", refund_due=date.fromisoformat(data["refund_due"]))
    elif kind == "rejected":
        values.update(state="rejected", refund_due=None)
    elif kind == "refunded":
        values.update(state="refunded", refunded_on=date.fromisoformat(data["refunded_on"]))
    elif kind == "key-revoked":
        values["key_revoked_at"] = at
    return values


def rebuild_decisions_index(engine: Engine) -> int:
    """Replay every decision event of the chain into an emptied index; returns how many."""
    count = 0
    with engine.begin() as conn:
        conn.execute(delete(decisions_index))
        rows = conn.execute(
            select(ledger.c.seq, ledger.c.reference, ledger.c.recorded_at, ledger.c.body)
            .where(ledger.c.kind == "event", ledger.c.body.like('%"type":"decision"}'))
            .order_by(ledger.c.seq)
        )
        for row in rows:
            body = json.loads(row.body)
            if body.get("type") == "decision":
                apply_to_index(conn, row.reference, body["data"], row.seq, row.recorded_at)
                count += 1
    return count


@dataclass(frozen=True)
class RefundDue:
    reference: str
    refund_due: date
    submitted_at: datetime
    name: str
    order_number: str | None


def refunds_due(engine: Engine, *, until: date, limit: int = 200) -> list[RefundDue]:
    """Accepted statements not yet refunded whose refund falls due by ``until`` (overdue
    ones included), earliest first; at most ``limit`` (the list's filters show the rest)."""
    query = (
        select(decisions_index.c.reference, decisions_index.c.refund_due,
               statements.c.submitted_at, statements.c.name, statements.c.order_number)
        .join(statements, statements.c.reference == decisions_index.c.reference)
        .where(decisions_index.c.state == "accepted", decisions_index.c.refund_due <= until)
        .order_by(decisions_index.c.refund_due, decisions_index.c.reference)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [RefundDue(r.reference, r.refund_due, r.submitted_at, r.name, r.order_number)
                for r in conn.execute(query)]
