"""What a trader can decide about the lines of a statement, and the two ways a decision is
turned down: invalid as given (:class:`InvalidDecision`) or refused by the order of states
(:class:`DecisionRefused`). Pure: no Flask, no SQLAlchemy.

Messages are English msgids marked with ``N_`` (translated where they are shown), with
``%(name)s`` parameters, like the legal engine's reasons."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ..eligibility.reasons import N_

#: The pseudo line id of a statement without order lines (an unknown order): a decision on
#: it covers the statement whole. Asked for on a statement with lines, it means all of them.
WHOLE = "*"

#: Art. 13(1): the same means of payment the consumer used, unless expressly agreed otherwise.
SAME_MEANS = "Same means of payment as the original transaction"


class Outcome(enum.StrEnum):
    """A decision on one or more lines of a statement."""

    ACCEPTED = "accepted"
    """The withdrawal holds: the refund falls due (Art. 13(1))."""
    REJECTED = "rejected"
    """The withdrawal does not hold (a reason is required)."""
    REFUNDED = "refunded"
    """The refund was made (amount, means of payment, date); needs an acceptance."""
    REVOKED = "revoked"
    """The licence key was revoked (Art. 13(8): the trader may stop further use)."""
    RETURNED = "returned"
    """The goods came back, or the consumer showed they were sent (Art. 13(3))."""
    CORRECTED = "corrected"
    """Reverses the latest decision on each line named (a reason is required)."""


#: Outcomes of round one's whole-statement decisions that have another name now.
LEGACY_OUTCOMES: Mapping[str, Outcome] = {"key-revoked": Outcome.REVOKED}


def outcome_of(name: object) -> Outcome | None:
    """The outcome a recorded or requested name stands for, or None."""
    text = str(name or "")
    legacy = LEGACY_OUTCOMES.get(text)
    if legacy is not None:
        return legacy
    try:
        return Outcome(text)
    except ValueError:
        return None


class LineState(enum.StrEnum):
    """Where a line stands after the decisions on it (key revocation and goods received back
    are facts beside the state)."""

    UNDECIDED = "undecided"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class Problem:
    """Why a decision is not recorded: a stable ``code``, the ``field`` it concerns, the
    English ``message`` (a msgid) and its ``params``."""

    code: str
    field: str
    message: str
    params: tuple[tuple[str, str], ...] = ()

    def text(self, translate: Any = None) -> str:
        """The message, translated by ``translate`` (e.g. the app's gettext) and filled in."""
        msgid = translate(self.message) if translate else self.message
        return str(msgid) % dict(self.params)

    def __str__(self) -> str:
        return self.text()


def problem(code: str, field_name: str, message: str, **params: str) -> Problem:
    return Problem(code, field_name, message, tuple(sorted(params.items())))


class InvalidDecision(ValueError):
    """The decision is incomplete or malformed (HTTP: 422). ``problem.field`` names the input
    at fault."""

    def __init__(self, found: Problem) -> None:
        super().__init__(found.text())
        self.problem = found

    @property
    def field(self) -> str:
        return self.problem.field


class DecisionRefused(Exception):
    """The order of states does not allow this decision on some lines (HTTP: 409); nothing was
    recorded. ``problems`` says why, line by line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(" ".join(p.text() for p in self.problems))


@dataclass(frozen=True)
class DecisionRequest:
    """A decision as asked for: ``outcome`` (an :class:`Outcome` value), the ``lines`` it
    covers (line ids; none for a statement without lines), who decided (``by``), and what the
    outcome needs: ``reason`` (rejected, corrected), ``amount``, ``means`` and ``date``
    (refunded; ``date`` also for returned). ``note`` is internal and never shown to the
    consumer."""

    outcome: str
    lines: tuple[str, ...] = ()
    by: str = ""
    reason: str = ""
    amount: Decimal | str | None = None
    means: str = ""
    date: date | None = None
    note: str = ""


@dataclass(frozen=True)
class CheckedDecision:
    """A request that passed :func:`check_request`: its outcome, lines, and cleaned values."""

    outcome: Outcome
    lines: tuple[str, ...]
    by: str
    reason: str = ""
    amount: Decimal | None = None
    means: str = ""
    date: date | None = None
    note: str = ""


def check_request(
    request: DecisionRequest, line_ids: Iterable[str], *, today: date,
) -> CheckedDecision:
    """The request cleaned and complete, or :class:`InvalidDecision`. ``line_ids``: the lines
    of the statement (none for an unknown order); ``today``: the trader's date."""
    outcome = outcome_of(request.outcome)
    if outcome is None:
        raise InvalidDecision(problem("unknown-outcome", "outcome", N_(
            "Unknown outcome %(outcome)s: use accepted, rejected, refunded, revoked, returned "
            "or corrected."), outcome=str(request.outcome)))
    lines = _lines(request.lines, tuple(line_ids))
    reason = request.reason.strip()
    if outcome in (Outcome.REJECTED, Outcome.CORRECTED) and not reason:
        raise InvalidDecision(problem("reason-required", "reason", N_("Please give the reason.")))
    amount, means, day = None, "", request.date
    if outcome is Outcome.REFUNDED:
        amount = _amount(request.amount)
        means = request.means.strip() or SAME_MEANS
    if outcome in (Outcome.REFUNDED, Outcome.RETURNED):
        day = _past_date(request.date, today)
    return CheckedDecision(outcome, lines, request.by.strip(), reason, amount, means,
                           day if outcome in (Outcome.REFUNDED, Outcome.RETURNED) else None,
                           request.note.strip())


def _lines(asked: Iterable[str], known: tuple[str, ...]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(str(line).strip() for line in asked if str(line).strip()))
    if not known:  # an unknown order: the decision covers the statement whole
        if wanted and wanted != (WHOLE,):
            raise InvalidDecision(problem("no-lines", "lines", N_(
                "This statement has no order lines: a decision on it covers it whole.")))
        return (WHOLE,)
    if not wanted:
        raise InvalidDecision(problem("lines-required", "lines",
                                      N_("Please choose at least one line.")))
    if wanted == (WHOLE,):  # "*": every line of the statement
        return known
    unknown = [line for line in wanted if line not in known]
    if unknown:
        raise InvalidDecision(problem("unknown-lines", "lines", N_(
            "The statement has no line %(lines)s."), lines=", ".join(unknown)))
    return tuple(line for line in known if line in wanted)


def _amount(value: Decimal | str | None) -> Decimal:
    try:
        amount = Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise InvalidDecision(problem("amount-required", "amount", N_(
            "Please give the amount refunded, e.g. 49.98.")))
    return amount.quantize(Decimal("0.01"))


def _past_date(value: date | None, today: date) -> date:
    if value is None:
        return today
    if value > today:
        raise InvalidDecision(problem("date-in-future", "date", N_(
            "A decision records what happened: the date is in the future.")))
    return value
