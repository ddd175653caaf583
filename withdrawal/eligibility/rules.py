"""``assess``: where one order line stands at one instant, for the form, the receipt and the
audit area alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain import Order, OrderLine
from . import reasons
from .deadlines import StatutoryPeriod, statutory_period
from .exclusions import ExclusionCheck, check_exclusion
from .instants import known_at, not_after, require_aware
from .model import Assessment, ShopPolicy, Status
from .periods import Calendar
from .reasons import Reason


def assess(
    order: Order,
    line: OrderLine,
    at: datetime,
    *,
    trader_country: str,
    trader_timezone: str,
    policy: ShopPolicy | None = None,
    already_withdrawn: Mapping[str, str] | None = None,
) -> Assessment:
    """Assess ``line`` of ``order`` at the instant ``at`` (aware; for a statement, the server's
    timestamp of its submission).

    ``trader_country`` (ISO 3166-1 alpha-2) and ``trader_timezone`` (IANA name) join the
    consumer's ``order.country`` in deciding holidays and the end of a day. ``policy``: the
    shop's own rules. ``already_withdrawn``: line id -> reference of an earlier statement that
    covers the line. Raises ValueError for a naive datetime or an unknown time zone.
    """
    _require_aware_inputs(order, line, at)
    calendar = Calendar.for_parties(order.country, trader_country, trader_timezone)
    period = statutory_period(order, line, at, calendar)
    exclusion = check_exclusion(order, line, at)
    found = _statutory(line, at, period, exclusion, calendar, policy)
    reference = (already_withdrawn or {}).get(line.line_id)
    if reference is not None:
        found = _already_withdrawn(found, reference)
    return Assessment(
        line_id=line.line_id,
        status=found.status,
        assessed_at=at,
        period_start=period.start,
        deadline=period.end.deadline if period.end else None,
        deadline_timezone=period.end.zone if period.end else None,
        no_cost=found.no_cost,
        reasons=found.reasons,
        policy_deadline=found.policy_deadline,
    )


def assess_order(
    order: Order,
    at: datetime,
    *,
    trader_country: str,
    trader_timezone: str,
    policy: ShopPolicy | None = None,
    already_withdrawn: Mapping[str, str] | None = None,
) -> dict[str, Assessment]:
    """``assess`` for every line of ``order``, independently, by line id in order."""
    return {
        line.line_id: assess(
            order,
            line,
            at,
            trader_country=trader_country,
            trader_timezone=trader_timezone,
            policy=policy,
            already_withdrawn=already_withdrawn,
        )
        for line in order.lines
    }


@dataclass(frozen=True)
class _Finding:
    status: Status
    no_cost: bool
    reasons: tuple[Reason, ...]
    policy_deadline: datetime | None = None


def _statutory(
    line: OrderLine,
    at: datetime,
    period: StatutoryPeriod,
    exclusion: ExclusionCheck,
    calendar: Calendar,
    policy: ShopPolicy | None,
) -> _Finding:
    # An exclusion wins over expiry: where it applies there never was a right to expire.
    if exclusion.excluded:
        return _Finding(Status.EXCLUDED, False, exclusion.reasons)
    if period.end is None or not_after(at, period.end.deadline):
        return _Finding(Status.WITHDRAWABLE, exclusion.no_cost, exclusion.reasons + period.reasons)
    expired = (reasons.PERIOD_EXPIRED(), *period.reasons)
    cutoff = preorder_cancellation_deadline(line, at, calendar, policy)
    if cutoff is not None and not_after(at, cutoff):
        shop = reasons.SHOP_PREORDER_CANCELLATION(
            release_date=str(line.release_date), until=cutoff.isoformat()
        )
        return _Finding(Status.SHOP_POLICY, False, (shop, *expired), cutoff)
    return _Finding(Status.EXPIRED, False, expired)


def preorder_cancellation_deadline(
    line: OrderLine, at: datetime, calendar: Calendar, policy: ShopPolicy | None
) -> datetime | None:
    """The end of the shop's pre-order cancellation rule for ``line``: the last instant of the
    day N days before release, in the latest zone. None if the line is no pre-order, was
    already delivered by ``at``, or the shop has no such rule."""
    days = policy.preorder_cancel_days_before_release if policy else None
    if days is None or line.release_date is None or known_at(line.delivered_at, at):
        return None
    deadline, _zone = calendar.end_of_day(line.release_date - timedelta(days=days))
    return deadline


def _already_withdrawn(found: _Finding, reference: str) -> _Finding:
    withdrawn = reasons.ALREADY_WITHDRAWN(reference=reference)
    return _Finding(
        Status.ALREADY_WITHDRAWN, found.no_cost, (withdrawn, *found.reasons), found.policy_deadline
    )


def _require_aware_inputs(order: Order, line: OrderLine, at: datetime) -> None:
    if not isinstance(at, datetime):
        raise TypeError(f"at must be an aware datetime, got {at!r}")
    require_aware(at, "at")
    require_aware(order.concluded_at, "order.concluded_at")
    require_aware(order.withdrawal_info_given_at, "order.withdrawal_info_given_at")
    for name in ("delivered_at", "consent_at", "acknowledgement_at", "confirmation_sent_at"):
        require_aware(getattr(line, name), f"line.{name}")
