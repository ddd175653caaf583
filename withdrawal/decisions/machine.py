"""The order of states per line: folding the recorded decisions into each line's standing, and
guarding a new decision against it. Pure: no Flask, no SQLAlchemy.

Folding never refuses: what the chain holds happened, including round one's whole-statement
decisions (``{"decision": "accepted", ...}``), which cover every line. Guarding is for new
decisions only:

- ``accepted`` and ``rejected`` need an undecided line: between the two, a correction;
- ``refunded`` needs an accepted line (not yet refunded);
- ``revoked`` (keys, not goods) and ``returned`` (goods) need a line that is not rejected, once;
- ``corrected`` reverses the latest decision on each line, so there must be one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..eligibility.reasons import N_
from .outcomes import WHOLE, CheckedDecision, LineState, Outcome, Problem, outcome_of, problem

DECISION_EVENT = "decision"
OVERDUE_EVENT = "refund-overdue"


@dataclass(frozen=True)
class Applied:
    """One decision as it applies to one line: its chain entry, outcome and data."""

    seq: int
    at: datetime
    outcome: Outcome
    data: Mapping[str, Any]

    def day(self, *keys: str) -> date | None:
        for key in keys:
            if self.data.get(key):
                return date.fromisoformat(str(self.data[key]))
        return None


@dataclass
class LineRecord:
    """One line of the statement with the decisions that stand on it (oldest first)."""

    line_id: str
    title: str | None
    quantity: int
    unit_price: Decimal | None
    kind: str | None
    history: list[Applied] = field(default_factory=list)
    overdue_signalled_at: datetime | None = None

    @property
    def goods(self) -> bool:
        return self.kind == "goods"

    @property
    def amount(self) -> Decimal | None:
        """What was paid for the line (unit price × quantity); None when unknown."""
        return None if self.unit_price is None else self.unit_price * self.quantity

    def latest(self, *outcomes: Outcome) -> Applied | None:
        return next((a for a in reversed(self.history) if a.outcome in outcomes), None)

    @property
    def state(self) -> LineState:
        decisive = self.latest(Outcome.ACCEPTED, Outcome.REJECTED, Outcome.REFUNDED)
        if decisive is None:
            return LineState.UNDECIDED
        if decisive.outcome is Outcome.REFUNDED:
            return LineState.REFUNDED
        return LineState(decisive.outcome.value)

    @property
    def refund_due(self) -> date | None:
        """The refund's last day, set by the acceptance (for accepted and refunded lines)."""
        if self.state not in (LineState.ACCEPTED, LineState.REFUNDED):
            return None
        accepted = self.latest(Outcome.ACCEPTED)
        return accepted.day("refund_due") if accepted else None

    @property
    def refund(self) -> Applied | None:
        return self.latest(Outcome.REFUNDED) if self.state is LineState.REFUNDED else None

    @property
    def key_revoked(self) -> Applied | None:
        return self.latest(Outcome.REVOKED)

    @property
    def returned(self) -> Applied | None:
        return self.latest(Outcome.RETURNED)

    @property
    def withheld(self) -> bool:
        """Art. 13(3): an accepted goods line whose goods are not back may wait for them."""
        return self.state is LineState.ACCEPTED and self.goods and self.returned is None


@dataclass(frozen=True)
class DecisionEntry:
    """A decision event as recorded: its entry, outcome, the lines it covered (all of them for
    a whole-statement decision of round one), its data, and the entries a correction reversed."""

    seq: int
    at: datetime
    outcome: Outcome
    lines: tuple[str, ...]
    data: Mapping[str, Any]
    reverses: tuple[int, ...] = ()


@dataclass
class Folded:
    """The lines of a statement with their standing decisions, and every decision in order."""

    lines: dict[str, LineRecord]
    decisions: list[DecisionEntry] = field(default_factory=list)
    last_seq: int = 0
    last_at: datetime | None = None


def line_records(content: Mapping[str, Any]) -> dict[str, LineRecord]:
    """The statement's lines as the decisions see them; one whole pseudo-line without any."""
    lines = content.get("lines") or []
    if not lines:
        return {WHOLE: LineRecord(WHOLE, None, 1, None, None)}
    return {
        str(line["line_id"]): LineRecord(
            str(line["line_id"]), line.get("title"), int(line.get("quantity") or 1),
            _decimal(line.get("unit_price")), line.get("kind"))
        for line in lines
    }


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def fold(content: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> Folded:
    """Every decision and overdue event of the statement (chain order, as ``events_of``
    returns them) applied to its lines."""
    folded = Folded(line_records(content))
    for event in events:
        kind, data = event.get("type"), event.get("data") or {}
        if kind == DECISION_EVENT:
            _apply(folded, int(event["seq"]), event["recorded_at"], data)
        elif kind == OVERDUE_EVENT:
            for line_id in data.get("lines") or ():
                if line_id in folded.lines:
                    folded.lines[line_id].overdue_signalled_at = event["recorded_at"]
        else:
            continue
        folded.last_seq, folded.last_at = int(event["seq"]), event["recorded_at"]
    return folded


def _apply(folded: Folded, seq: int, at: datetime, data: Mapping[str, Any]) -> None:
    outcome = outcome_of(data.get("outcome") or data.get("decision"))
    if outcome is None:  # a name this version does not know: shown, not applied
        return
    named = data.get("lines") if "outcome" in data else None
    covered = tuple(line for line in (named or folded.lines) if line in folded.lines)
    reverses: list[int] = []
    for line_id in covered:
        record = folded.lines[line_id]
        if outcome is Outcome.CORRECTED:
            if record.history:
                reverses.append(record.history.pop().seq)
        else:
            record.history.append(Applied(seq, at, outcome, data))
    folded.decisions.append(DecisionEntry(seq, at, outcome, covered, data,
                                          tuple(sorted(set(reverses)))))


def guard(folded: Folded, decision: CheckedDecision) -> list[Problem]:
    """Why the order of states refuses ``decision`` on any of its lines; empty if it holds."""
    found: list[Problem] = []
    for line_id in decision.lines:
        record = folded.lines[line_id]
        refusal = _refusal(record, decision.outcome)
        if refusal is not None:
            code, message = refusal
            found.append(problem(code, "lines", message, line=_name(record)))
    return found


def _name(record: LineRecord) -> str:
    if record.line_id == WHOLE:
        return "*"
    return f"{record.line_id} ({record.title})" if record.title else record.line_id


def _refusal(record: LineRecord, outcome: Outcome) -> tuple[str, str] | None:
    state = record.state
    if outcome in (Outcome.ACCEPTED, Outcome.REJECTED):
        return _decide_refusal(state, outcome)
    if outcome is Outcome.REFUNDED:
        if state is LineState.REFUNDED:
            return "already-refunded", N_("Line %(line)s is already refunded.")
        if state is not LineState.ACCEPTED:
            return "refund-needs-acceptance", N_(
                "Line %(line)s is not accepted: a refund needs an acceptance first.")
        return None
    if outcome in (Outcome.REVOKED, Outcome.RETURNED):
        return _fact_refusal(record, outcome)
    if not record.history:
        return "nothing-to-correct", N_("Line %(line)s has no decision to correct.")
    return None


def _decide_refusal(state: LineState, outcome: Outcome) -> tuple[str, str] | None:
    if state is LineState.UNDECIDED:
        return None
    if state.value == outcome.value:
        return f"already-{outcome.value}", (
            N_("Line %(line)s is already accepted.") if outcome is Outcome.ACCEPTED
            else N_("Line %(line)s is already rejected."))
    if state is LineState.REFUNDED:
        return "already-refunded", N_(
            "Line %(line)s is already refunded: record a correction first.")
    return "needs-correction", (
        N_("Line %(line)s is rejected: record a correction before accepting it.")
        if outcome is Outcome.ACCEPTED
        else N_("Line %(line)s is accepted: record a correction before rejecting it."))


def _fact_refusal(record: LineRecord, outcome: Outcome) -> tuple[str, str] | None:
    revoking = outcome is Outcome.REVOKED
    if record.kind is not None and record.goods == revoking:
        return ("revoke-not-goods", N_("Line %(line)s is goods: there is no key to revoke.")
                ) if revoking else ("return-only-goods", N_(
                    "Line %(line)s is not goods: nothing comes back."))
    if record.state is LineState.REJECTED:
        return "rejected", N_(
            "Line %(line)s is rejected: the contract stands, record a correction first.")
    if (record.key_revoked if revoking else record.returned) is not None:
        return (("already-revoked", N_("The key of line %(line)s is already revoked."))
                if revoking else
                ("already-returned", N_("The goods of line %(line)s are already back.")))
    return None


def reversed_by(folded: Folded, lines: Sequence[str]) -> list[int]:
    """The entries a correction of ``lines`` would reverse (the latest decision on each)."""
    return sorted({folded.lines[line].history[-1].seq for line in lines
                   if folded.lines[line].history})
