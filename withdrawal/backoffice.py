"""The Python API for a shop's back office (and the audit area, and the JSON API): record a
decision on the lines of a statement, read where a statement stands, and signal refunds that
are overdue. Call the app-level functions inside an app context::

    from withdrawal.backoffice import record_decision, statement_state
    from withdrawal.decisions import DecisionRefused, InvalidDecision

    decision = record_decision("W-7K3M-9QX2", "accepted", ["1", "3"], by="clara")
    state = statement_state("W-7K3M-9QX2")     # JSON-ready: lines, refund, decisions

A decision is appended to the chain with the per-line index rewritten in one transaction,
under the chain's lock, after the order of states was checked (``withdrawal.decisions``); the
notice to the consumer (``WITHDRAWAL_DECISION_NOTICES``) and the ``decision.recorded``
webhooks (``WITHDRAWAL_WEBHOOKS``) are owed in the same transaction and sent by the delivery
worker. docs/decisions.md maps the exceptions to HTTP answers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Connection, Engine, select

from .config import config_value
from .decisions import (
    DecisionEntry,
    DecisionRefused,
    DecisionRequest,
    InvalidDecision,
    Outcome,
    Refund,
    check_request,
    decision_json,
    event_data,
    guard,
    line_overdue,
    refund_due_on,
    refund_of,
    reversed_by,
    state_json,
)
from .decisions.outcomes import CheckedDecision, problem
from .delivery.webhooks import Endpoint, decision_data, endpoints, owe_webhooks
from .delivery.worker import deliver_in_background
from .eligibility.reasons import N_
from .signals import decision_recorded, refund_overdue, tell_the_shop
from .state import state, trader
from .statement import EventType, Purpose, WebhookEvent
from .storage.chain import lock_head
from .storage.decisions import (
    Decided,
    decided_of,
    load_decided,
    overdue_unsignalled,
    reindex,
)
from .storage.statements import Recipient, StoredStatement, append_event, owe_message, utcnow
from .storage.tables import outbox


class StatementNotFound(LookupError):
    """No statement has this reference (HTTP: 404)."""


@dataclass(frozen=True)
class DecisionContext:
    """What a decision needs from the shop: the trader's country and zone (the refund's
    calendar), the trader's date today, the outcomes the consumer is told of, and the
    webhook endpoints (those subscribed to ``decision.recorded`` are told)."""

    trader_country: str
    trader_timezone: str
    today: date
    notices: frozenset[str] = frozenset()
    webhooks: tuple[Endpoint, ...] = ()


@dataclass(frozen=True)
class Recorded:
    """A recorded decision: its chain entry, the event's data, the decision as JSON, the
    outbox entry of its notice (None when none is owed) and how many webhooks are owed.
    ``created`` is False for a repetition under the same key (nothing new was recorded)."""

    reference: str
    seq: int
    data: dict[str, Any]
    decision: dict[str, Any]
    notice: int | None
    webhooks: int = 0
    created: bool = True


def record(engine: Engine, reference: str, request: DecisionRequest,
           context: DecisionContext, *, key: str = "") -> Recorded:
    """Check ``request`` against the statement and the order of states, then append it, rewrite
    the index and owe the notice and the webhooks, in one transaction. Raises
    :class:`StatementNotFound`, ``InvalidDecision`` or ``DecisionRefused``; nothing is recorded
    then. ``key`` (e.g. from an ``Idempotency-Key``): a decision of this statement recorded
    under the same key is returned again (``created`` False) instead of being repeated."""
    with engine.begin() as conn:
        lock_head(conn)  # serialises deciders: the check sees every earlier decision
        decided = load_decided(conn, reference)
        if decided is None:
            raise StatementNotFound(f"no statement {reference}")
        line_ids = [str(line["line_id"]) for line in decided.content.get("lines") or []]
        checked = check_request(request, line_ids, today=context.today)
        earlier = _under_key(decided.folded.decisions, key)
        if earlier is not None:
            return _repeated(reference, earlier, checked)
        problems = guard(decided.folded, checked)
        if problems:
            raise DecisionRefused(problems)
        data = {**_event_data(decided, checked, context), **({KEY: key} if key else {})}
        seq = append_event(conn, reference, EventType.DECISION, data)
        after = reindex(conn, reference)
        assert after is not None
        notice = _owe_notice(conn, decided, checked.outcome, seq, context.notices)
        hooks = owe_webhooks(conn, reference, WebhookEvent.DECISION_RECORDED,
                             decision_data(seq, data), utcnow(), hooks=context.webhooks)
    return Recorded(reference, seq, data, decision_json(after.folded.decisions[-1]), notice,
                    hooks)


#: Where a decision's key (``record(..., key=...)``) is kept in its event's data.
KEY = "request_key"


def _under_key(decisions: Iterable[DecisionEntry], key: str) -> DecisionEntry | None:
    return next((entry for entry in decisions if key and entry.data.get(KEY) == key), None)


def _repeated(reference: str, earlier: DecisionEntry, checked: CheckedDecision) -> Recorded:
    """The decision recorded under this key, if the request is the same one again."""
    if (earlier.outcome, earlier.lines) != (checked.outcome, checked.lines):
        raise InvalidDecision(problem("key-reused", "key", N_(
            "This key was already used for another decision.")))
    return Recorded(reference, earlier.seq, dict(earlier.data), decision_json(earlier),
                    None, created=False)


def _event_data(decided: Decided, checked: CheckedDecision,
                context: DecisionContext) -> dict[str, Any]:
    due = refund_due_on(decided.content, decided.submitted_at,
                        trader_country=context.trader_country,
                        trader_timezone=context.trader_timezone,
                        ) if checked.outcome is Outcome.ACCEPTED else None
    reverses = (reversed_by(decided.folded, checked.lines)
                if checked.outcome is Outcome.CORRECTED else None)
    return event_data(checked, decided.folded, refund_due=due, reverses=reverses)


def _owe_notice(conn: Connection, decided: Decided, outcome: Outcome, seq: int,
                notices: Collection[str]) -> int | None:
    """The consumer's notice of the decision, unless the shop turned it off for this outcome
    or the address was erased under retention."""
    email = str(decided.content.get("email") or "")
    if outcome.value not in notices or decided.erased or "@" not in email:
        return None
    link_base = conn.execute(
        select(outbox.c.link_base).where(outbox.c.reference == decided.reference,
                                         outbox.c.link_base.is_not(None))
        .order_by(outbox.c.id).limit(1)).scalar_one_or_none()
    return owe_message(conn, decided.reference, Recipient(Purpose.DECISION_NOTICE, email),
                       link_base=link_base, now=utcnow(), event_seq=seq)


def decision_context() -> DecisionContext:
    """The app's trader, today in the trader's zone, ``WITHDRAWAL_DECISION_NOTICES`` and
    ``WITHDRAWAL_WEBHOOKS``."""
    shop = trader()
    return DecisionContext(shop.country, shop.timezone, trader_today(),
                           frozenset(str(o) for o in config_value("DECISION_NOTICES") or ()),
                           tuple(endpoints()))


def trader_today() -> date:
    return datetime.now(ZoneInfo(trader().timezone)).date()


def record_decision(
    reference: str, outcome: str, lines: Iterable[str] = (), *, by: str, reason: str = "",
    amount: Decimal | str | None = None, means: str = "", date: date | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Record one decision on ``lines`` of the statement ``reference`` (none, or ``["*"]``,
    for all lines of a statement without order lines; ``["*"]`` also means every line) and
    return it as JSON (``seq``, ``recorded_at``, ``outcome``, ``lines``, ``by``, ``reason``,
    ``note``, ``amount``, ``means``, ``date``, ``refund_due``, ``reverses``).

    ``outcome``: accepted, rejected (``reason`` required), refunded (``amount`` required;
    ``means`` defaults to the original means of payment, ``date`` to today), revoked (a key),
    returned (goods back; ``date`` defaults to today), corrected (reverses the latest decision
    on each line; ``reason`` required). Raises :class:`StatementNotFound`,
    :class:`withdrawal.decisions.InvalidDecision` (incomplete or malformed) or
    :class:`withdrawal.decisions.DecisionRefused` (the order of states); nothing is recorded
    then. After commit, sends ``decision_recorded`` and starts the notice's delivery."""
    request = DecisionRequest(outcome, tuple(lines), by=by, reason=reason, amount=amount,
                              means=means, date=date, note=note)
    recorded = record(state().engine, reference, request, decision_context())
    after_decision(recorded)
    return recorded.decision


def after_decision(recorded: Recorded) -> None:
    """Committed: tell the shop (``decision_recorded``) and start delivering the notice and
    the webhooks. A failing receiver is logged; the decision stands. Nothing for a repetition
    (``created`` False): it was all done the first time."""
    if not recorded.created:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    owed = recorded.notice is not None or recorded.webhooks > 0
    if owed and config_value("DELIVER_AFTER_COMMIT"):
        deliver_in_background(app, recorded.reference)
    tell_the_shop(decision_recorded, app, reference=recorded.reference,
                  decision=recorded.data["outcome"], data=recorded.data)


@dataclass(frozen=True)
class Standing:
    """Where one statement stands, for pages: the record, its refund, and today's date."""

    decided: Decided
    refund: Refund
    today: date

    def to_json(self) -> dict[str, Any]:
        return state_json(self.decided.reference, self.decided.content, self.decided.folded,
                          self.today)


def load_standing(
    reference: str, *, today: date | None = None, statement: StoredStatement | None = None,
) -> Standing:
    """The statement's standing on ``today`` (default: the trader's today); ``statement``:
    the statement read already (the receipt page), so only its decisions are read."""
    with state().engine.connect() as conn:
        decided = (decided_of(conn, statement) if statement is not None
                   else load_decided(conn, reference))
    if decided is None:
        raise StatementNotFound(f"no statement {reference}")
    today = today or trader_today()
    return Standing(decided, refund_of(decided.content, decided.folded, today), today)


def statement_state(reference: str) -> dict[str, Any]:
    """The statement's state as JSON: ``reference``, ``submitted_at``, ``lines`` (each with
    ``state``, ``amount``, ``refund_due``, ``withheld_until_returned``, ``overdue``,
    ``refunded_on``, ``key_revoked_at``, ``returned_on``), ``refund`` (``total``,
    ``refunded``, ``outstanding``, ``delivery_cost``, ``due_on``, ``days_left``, ...),
    ``returns`` and ``decisions``. Raises :class:`StatementNotFound`."""
    return load_standing(reference).to_json()


def signal_overdue_refunds(limit: int = 100) -> list[str]:
    """Send ``refund_overdue`` once for every refund past its day (and no longer withheld),
    recording a ``refund-overdue`` event first so that no later round repeats it; returns the
    references signalled. Called by ``flask withdrawal deliver --loop``."""
    engine, today = state().engine, trader_today()
    with engine.connect() as conn:
        due = overdue_unsignalled(conn, today, limit=limit)
    signalled = []
    for reference in due:
        found = _record_overdue(engine, reference, today)
        if found is not None:
            _send_overdue(reference, *found)
            signalled.append(reference)
    return signalled


def _record_overdue(engine: Engine, reference: str,
                    today: date) -> tuple[list[str], Refund] | None:
    with engine.begin() as conn:
        lock_head(conn)  # another worker may have signalled it meanwhile: look again
        decided = load_decided(conn, reference)
        if decided is None:
            return None
        lines = [r.line_id for r in decided.folded.lines.values()
                 if line_overdue(r, today) and r.overdue_signalled_at is None]
        if not lines:
            return None
        refund = refund_of(decided.content, decided.folded, today)
        append_event(conn, reference, EventType.REFUND_OVERDUE, {
            "lines": lines, "refund_due": refund.due_on.isoformat() if refund.due_on else None,
            "outstanding": None if refund.outstanding is None else str(refund.outstanding),
            "currency": refund.currency,
        })
        reindex(conn, reference)
    return lines, refund


def _send_overdue(reference: str, lines: list[str], refund: Refund) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tell_the_shop(refund_overdue, app, reference=reference, lines=lines,
                  refund_due=refund.due_on.isoformat() if refund.due_on else None,
                  outstanding=None if refund.outstanding is None else str(refund.outstanding),
                  currency=refund.currency)
