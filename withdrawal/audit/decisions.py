"""Round one's whole-statement decision API, kept for code that calls it: ``Decision`` and
``record_decision(engine, reference, decision)`` decide every line of the statement at once
(``key-revoked`` is the outcome ``revoked``; a refund without an amount refunds what is still
owed). New code uses :mod:`withdrawal.backoffice`, which decides line by line; both append the
same events and keep the same per-line index (``withdrawal_line_decisions``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import has_app_context
from sqlalchemy import Engine

from ..backoffice import DecisionContext, after_decision, decision_context, record
from ..config import DEFAULTS
from ..decisions import WHOLE, DecisionRequest, InvalidDecision, refund_of
from ..storage.decisions import RefundDue, load_decided, rebuild_line_decisions
from ..storage.decisions import refunds_due as _refunds_due

#: Round one's decision kinds (the audit list still filters by them).
DECISIONS = ("accepted", "rejected", "refunded", "key-revoked")

#: A decision that cannot be recorded as given.
DecisionError = InvalidDecision

__all__ = ["DECISIONS", "Decision", "DecisionError", "RefundDue", "rebuild_decisions_index",
           "record_decision", "refunds_due"]


@dataclass(frozen=True)
class Decision:
    """What an auditor decided about a whole statement. ``reason`` is required for a
    rejection; ``refunded_on``, ``means_of_payment`` and ``amount`` describe a refund."""

    decision: str
    by: str
    reason: str = ""
    note: str = ""
    refunded_on: date | None = None
    means_of_payment: str = ""
    amount: Decimal | str | None = None


def record_decision(engine: Engine, reference: str, decision: Decision) -> dict[str, Any]:
    """Decide every line of the statement; returns the event's data. Inside an app context
    the app's trader and notices apply and ``decision_recorded`` is sent."""
    amount = decision.amount
    if decision.decision == "refunded" and amount in (None, ""):
        amount = _outstanding(engine, reference)
    request = DecisionRequest(
        decision.decision, (WHOLE,), by=decision.by, reason=decision.reason, amount=amount,
        means=decision.means_of_payment, date=decision.refunded_on, note=decision.note)
    context = decision_context() if has_app_context() else _default_context()
    recorded = record(engine, reference, request, context)
    if has_app_context():
        after_decision(recorded)
    return recorded.data


def _default_context() -> DecisionContext:
    return DecisionContext(DEFAULTS["TRADER_COUNTRY"], DEFAULTS["TRADER_TIMEZONE"],
                           datetime.now(UTC).date())


def _outstanding(engine: Engine, reference: str) -> Decimal | None:
    with engine.connect() as conn:
        decided = load_decided(conn, reference)
    if decided is None:
        return None
    refund = refund_of(decided.content, decided.folded, datetime.now(UTC).date())
    return refund.outstanding or None


def rebuild_decisions_index(engine: Engine) -> int:
    """Rebuild the per-line index from the chain; returns the statements decided."""
    return rebuild_line_decisions(engine)


def refunds_due(engine: Engine, *, until: date, limit: int = 200) -> list[RefundDue]:
    """Statements whose accepted lines' refund falls due by ``until``, earliest first."""
    with engine.connect() as conn:
        return _refunds_due(conn, until=until, limit=limit)
