"""The statutory withdrawal period of a line: when it starts (CRD Art. 9(2)) and when it ends,
including the extension for missing withdrawal information (Art. 10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from ..domain import Order, OrderLine, ProductKind
from . import reasons
from .instants import known_at, not_after
from .periods import Calendar, PeriodEnd
from .reasons import Reason

WITHDRAWAL_DAYS = 14  # Art. 9(1)
EXTENSION_MONTHS = 12  # Art. 10(1), and the window of Art. 10(2)


@dataclass(frozen=True)
class StatutoryPeriod:
    """``start``: the day of the starting event (None: not started); ``end``: where the period
    ends (None: not started); ``reasons``: how both were found."""

    start: date | None
    end: PeriodEnd | None
    reasons: tuple[Reason, ...]


def statutory_period(
    order: Order, line: OrderLine, at: datetime, calendar: Calendar
) -> StatutoryPeriod:
    """The period of ``line`` as it stands at ``at``."""
    event = starting_event(order, line, at)
    if event is None:
        return StatutoryPeriod(None, None, (_not_started_reason(order, line, at),))
    start = calendar.day_of(event)
    end, information = _end(order, start, at, calendar)
    rolled = _rolled(end)
    return StatutoryPeriod(start, end, (_start_reason(order, line), *information, *rolled))


def starting_event(order: Order, line: OrderLine, at: datetime) -> datetime | None:
    """The instant that starts the period (Art. 9(2)): for goods, physical possession of the
    last goods of the order (Art. 9(2)(b)(i): several goods of one order delivered separately;
    None while one has not arrived by ``at``); for digital content and services, the
    conclusion of the contract."""
    if line.kind is not ProductKind.GOODS:
        return order.concluded_at
    received = [known_at(goods.delivered_at, at) for goods in _goods_of(order, line)]
    if any(instant is None for instant in received):
        return None
    return max((instant for instant in received if instant is not None),
               key=lambda instant: instant.astimezone(UTC))


def _goods_of(order: Order, line: OrderLine) -> list[OrderLine]:
    """The goods lines of ``line``'s order, ``line`` among them."""
    others = [ln for ln in order.lines if ln.kind is ProductKind.GOODS and ln != line]
    return [line, *others]


def information_given_in_time(order: Order, at: datetime) -> bool:
    """Whether the withdrawal information (Art. 6(1)(h)) was given at or before conclusion."""
    given = known_at(order.withdrawal_info_given_at, at)
    return given is not None and not_after(given, order.concluded_at)


def _end(
    order: Order, start: date, at: datetime, calendar: Calendar
) -> tuple[PeriodEnd, tuple[Reason, ...]]:
    initial = calendar.count(start, days=WITHDRAWAL_DAYS)
    if information_given_in_time(order, at):
        return initial, ()
    given = known_at(order.withdrawal_info_given_at, at)
    window = calendar.count(start, months=EXTENSION_MONTHS)
    if given is not None and calendar.day_of(given) <= window.last_day:
        received = calendar.day_of(given)
        late = calendar.count(received, days=WITHDRAWAL_DAYS)
        # For goods the information may come before delivery: never end before the normal period.
        end = max(initial, late, key=lambda e: e.deadline)
        return end, (reasons.INFORMATION_LATE(received=received.isoformat()),)
    extended = calendar.count(initial.last_day, months=EXTENSION_MONTHS)
    return extended, (reasons.INFORMATION_MISSING(initial_end=initial.last_day.isoformat()),)


def _start_reason(order: Order, line: OrderLine) -> Reason:
    if line.kind is not ProductKind.GOODS:
        return reasons.PERIOD_FROM_CONCLUSION()
    if len(_goods_of(order, line)) > 1:
        return reasons.PERIOD_FROM_LAST_DELIVERY()
    return reasons.PERIOD_FROM_DELIVERY()


def _not_started_reason(order: Order, line: OrderLine, at: datetime) -> Reason:
    if known_at(line.delivered_at, at) is not None:  # this one arrived, another has not
        return reasons.GOODS_NOT_ALL_DELIVERED()
    return reasons.GOODS_NOT_DELIVERED()


def _rolled(end: PeriodEnd) -> tuple[Reason, ...]:
    if not end.rolled:
        return ()
    return (
        reasons.ROLLED_TO_WORKING_DAY(
            day=end.nominal_day.isoformat(), working_day=end.last_day.isoformat()
        ),
    )
