"""Decisions on the lines of a statement: the outcomes, the guarded order of states, and where
a statement stands (refund, due date, history). Pure: no Flask, no SQLAlchemy; the app records
decisions through :mod:`withdrawal.backoffice`, and ``storage/decisions.py`` keeps the index
built from them.
"""

from __future__ import annotations

from .machine import DecisionEntry, Folded, LineRecord, fold, guard, reversed_by
from .outcomes import (
    SAME_MEANS,
    WHOLE,
    CheckedDecision,
    DecisionRefused,
    DecisionRequest,
    InvalidDecision,
    LineState,
    Outcome,
    Problem,
    check_request,
    outcome_of,
)
from .standing import (
    Refund,
    decision_json,
    event_data,
    line_overdue,
    refund_due_on,
    refund_of,
    state_json,
    statement_calendar,
)

__all__ = [
    "SAME_MEANS",
    "WHOLE",
    "CheckedDecision",
    "DecisionEntry",
    "DecisionRefused",
    "DecisionRequest",
    "Folded",
    "InvalidDecision",
    "LineRecord",
    "LineState",
    "Outcome",
    "Problem",
    "Refund",
    "check_request",
    "decision_json",
    "event_data",
    "fold",
    "guard",
    "line_overdue",
    "outcome_of",
    "refund_due_on",
    "refund_of",
    "reversed_by",
    "state_json",
    "statement_calendar",
]
