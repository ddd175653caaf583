"""Where a statement stands after its decisions: each line's state, the refund (amount, last
day, the Art. 13(3) condition, overdue) and the history, as JSON-ready values for the status
page, the audit area and the API. Pure: no Flask, no SQLAlchemy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..eligibility import (
    Calendar,
    RefundLine,
    is_overdue,
    normalise_country,
    refund_amount,
    refund_deadline,
)
from .machine import DecisionEntry, Folded, LineRecord
from .outcomes import WHOLE, CheckedDecision, LineState, Outcome

#: The states whose refund is owed.
OWED = (LineState.ACCEPTED, LineState.REFUNDED)


def statement_calendar(
    content: Mapping[str, Any], trader_country: str, trader_timezone: str,
) -> Calendar:
    """The calendar the statement's refund is counted in: the order's country with the
    trader's; for a statement recorded without its country, the zone it was shown in."""
    country = content.get("country")
    if country:
        return Calendar.for_parties(country, trader_country, trader_timezone)
    zones = tuple(dict.fromkeys(z for z in (content.get("timezone"), trader_timezone) if z))
    code = normalise_country(trader_country)
    return Calendar((code,) if code else (), zones)


def refund_due_on(
    content: Mapping[str, Any], received_at: datetime, *, trader_country: str,
    trader_timezone: str,
) -> date:
    """Art. 13(1): the refund's last day, 14 days from the day the statement was received."""
    calendar = statement_calendar(content, trader_country, trader_timezone)
    return refund_deadline(received_at, calendar).last_day


@dataclass(frozen=True)
class Refund:
    """The money of a statement. ``total``: owed for the accepted lines, with the delivery
    cost when every line of the order is withdrawn and accepted (None when the lines have no
    price: an unknown order); ``refunded``: what the recorded refunds paid; ``outstanding``:
    what is still owed; ``due_on``: the last day; ``withheld``: the Art. 13(3) condition holds
    for some goods; ``overdue``: some accepted line is past its day and not withheld."""

    currency: str | None
    total: Decimal | None
    refunded: Decimal
    outstanding: Decimal | None
    delivery_cost: Decimal | None
    due_on: date | None
    withheld: bool
    overdue: bool
    days_left: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency, "total": _text(self.total),
            "refunded": _text(self.refunded), "outstanding": _text(self.outstanding),
            "delivery_cost": _text(self.delivery_cost), "due_on": _iso(self.due_on),
            "withheld_until_returned": self.withheld, "overdue": self.overdue,
            "days_left": self.days_left,
        }


def refund_of(content: Mapping[str, Any], folded: Folded, today: date) -> Refund:
    """The refund as the decisions so far make it (``today``: the date it is judged on)."""
    lines = [r for r in folded.lines.values() if r.line_id != WHOLE]
    owed = [r for r in lines if r.state in OWED]
    whole = bool(content.get("whole_order")) and bool(lines) and len(owed) == len(lines)
    delivery = _decimal(content.get("delivery_cost")) if whole else None
    priced = [RefundLine(r.line_id, r.unit_price, r.quantity, r.goods)
              for r in owed if r.unit_price is not None]
    total = (refund_amount(priced, delivery_cost=delivery, whole_order=whole)
             if lines else None)
    refunded = _refunded(folded)
    # A statement without lines (an unknown order) has a due date too, if not an amount.
    accepted = [r for r in folded.lines.values() if r.state is LineState.ACCEPTED]
    dues = [r.refund_due for r in accepted if r.refund_due] or [
        r.refund_due for r in folded.lines.values() if r.state in OWED and r.refund_due]
    due_on = min(dues) if dues else None
    return Refund(
        currency=content.get("currency"), total=total, refunded=refunded,
        outstanding=None if total is None else max(total - refunded, Decimal("0")),
        delivery_cost=delivery, due_on=due_on, withheld=any(r.withheld for r in accepted),
        overdue=any(line_overdue(r, today) for r in accepted),
        days_left=(due_on - today).days if due_on and accepted else None,
    )


def line_overdue(record: LineRecord, today: date) -> bool:
    return record.state is LineState.ACCEPTED and is_overdue(
        record.refund_due, today, withheld=record.withheld)


def _refunded(folded: Folded) -> Decimal:
    """Each recorded refund once: its amount, or (round one, no amount) its lines' prices."""
    by_seq: dict[int, Decimal] = {}
    for record in folded.lines.values():
        refund = record.refund
        if refund is None:
            continue
        amount = _decimal(refund.data.get("amount"))
        if amount is not None:
            by_seq[refund.seq] = amount
        else:
            by_seq[refund.seq] = by_seq.get(refund.seq, Decimal("0")) + (record.amount or 0)
    return sum(by_seq.values(), Decimal("0"))


def event_data(
    decision: CheckedDecision, folded: Folded, *, refund_due: date | None,
    reverses: list[int] | None = None,
) -> dict[str, Any]:
    """The chain event's data for a checked decision: only what its outcome needs."""
    data: dict[str, Any] = {
        "outcome": decision.outcome.value,
        "lines": [] if decision.lines == (WHOLE,) else list(decision.lines),
        "by": decision.by, "note": decision.note,
    }
    if decision.outcome is Outcome.ACCEPTED and refund_due is not None:
        data["refund_due"] = refund_due.isoformat()
    if decision.outcome in (Outcome.REJECTED, Outcome.CORRECTED):
        data["reason"] = decision.reason
    if decision.outcome is Outcome.CORRECTED:
        data["reverses"] = list(reverses or [])
    if decision.outcome is Outcome.REFUNDED:
        data.update(amount=_text(decision.amount), means=decision.means)
    if decision.date is not None:
        data["date"] = decision.date.isoformat()
    return data


def decision_json(entry: DecisionEntry) -> dict[str, Any]:
    """A recorded decision as the API and the pages show it (round one's names mapped)."""
    data = entry.data
    return {
        "seq": entry.seq, "recorded_at": entry.at.isoformat(), "outcome": entry.outcome.value,
        "lines": [line for line in entry.lines if line != WHOLE], "by": data.get("by") or "",
        "reason": data.get("reason") or "", "note": data.get("note") or "",
        "amount": data.get("amount"), "means": data.get("means") or data.get("means_of_payment"),
        "date": data.get("date") or data.get("refunded_on"),
        "refund_due": data.get("refund_due"), "reverses": list(entry.reverses),
    }


def line_json(record: LineRecord, today: date) -> dict[str, Any]:
    refund, revoked, returned = record.refund, record.key_revoked, record.returned
    return {
        "line_id": record.line_id, "title": record.title, "quantity": record.quantity,
        "unit_price": _text(record.unit_price), "kind": record.kind,
        "state": record.state.value, "amount": _text(record.amount),
        "refund_due": _iso(record.refund_due), "withheld_until_returned": record.withheld,
        "overdue": line_overdue(record, today),
        "refunded_on": _iso(refund.day("date", "refunded_on")) if refund else None,
        "key_revoked_at": revoked.at.isoformat() if revoked else None,
        "returned_on": (_iso(returned.day("date")) or returned.at.date().isoformat())
        if returned else None,
    }


def state_json(
    reference: str, content: Mapping[str, Any], folded: Folded, today: date,
) -> dict[str, Any]:
    """The statement's state: lines, refund, return instructions and every decision."""
    return {
        "reference": reference, "submitted_at": content.get("submitted_at"),
        "lines": [line_json(r, today) for r in folded.lines.values()],
        "refund": refund_of(content, folded, today).to_json(),
        "returns": content.get("returns"),
        "decisions": [decision_json(entry) for entry in folded.decisions],
    }


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
