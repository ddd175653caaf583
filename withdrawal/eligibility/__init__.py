"""The legal engine: whether, until when and at what cost an order line can be withdrawn from.

Pure functions and frozen dataclasses; nothing here imports Flask. The rules, their sources and
the interpretations chosen are in docs/legal-engine.md.

    from withdrawal.eligibility import assess, ShopPolicy, Status

    result = assess(order, line, at, trader_country="DE", trader_timezone="Europe/Berlin")
    result.status is Status.WITHDRAWABLE, result.deadline, result.to_json()
"""

from __future__ import annotations

from .model import (
    STATUS_MESSAGES,
    Assessment,
    ShopPolicy,
    Status,
    period_ended,
    status_message,
)
from .periods import Calendar, PeriodEnd, add_months, holiday_dates, is_day_off, period_end
from .reasons import CATALOGUE, N_, Reason, ReasonType
from .refunds import (
    REFUND_DAYS,
    RETURN_DAYS,
    RefundLine,
    is_overdue,
    may_withhold,
    refund_amount,
    refund_deadline,
    return_deadline,
)
from .rules import assess, assess_order
from .wording import say_once
from .zones import COUNTRY_ZONES, consumer_timezone, country_zones, normalise_country

__all__ = [
    "CATALOGUE",
    "COUNTRY_ZONES",
    "N_",
    "STATUS_MESSAGES",
    "Assessment",
    "Calendar",
    "PeriodEnd",
    "REFUND_DAYS",
    "RETURN_DAYS",
    "Reason",
    "ReasonType",
    "RefundLine",
    "ShopPolicy",
    "Status",
    "add_months",
    "assess",
    "assess_order",
    "consumer_timezone",
    "country_zones",
    "holiday_dates",
    "is_day_off",
    "is_overdue",
    "may_withhold",
    "normalise_country",
    "period_end",
    "period_ended",
    "refund_amount",
    "refund_deadline",
    "return_deadline",
    "say_once",
    "status_message",
]
