"""How recorded facts are shown to a consumer: dates, money, assessments, in their language.
Formatting is Babel's, never by hand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_timezone_name
from babel.numbers import format_currency

from .i18n import current_language, gettext, lazy_gettext

STATUS_TEXT = {
    "withdrawable": lazy_gettext("You can withdraw from this item."),
    "excluded": lazy_gettext("The right of withdrawal seems not to apply to this item."),
    "expired": lazy_gettext("The withdrawal period for this item seems to have ended."),
    "shop-policy": lazy_gettext(
        "The statutory period has ended, but our own policy still lets you cancel."
    ),
    "already-withdrawn": lazy_gettext("You have already withdrawn from this item."),
}


def instant(value: datetime | str, zone: str, fmt: str = "full") -> str:
    """``Friday, 4 December 2026 at 23:59:59 Central European Standard Time``: in the
    consumer's language and the given zone, with the zone's name."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, fmt, tzinfo=ZoneInfo(zone), locale=current_language())


def zone_name(zone: str, at: datetime | str) -> str:
    """The zone's name in words, e.g. ``Central European Time``."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return str(get_timezone_name(moment.astimezone(ZoneInfo(zone)), locale=current_language()))


def money(amount: Decimal | str, currency: str | None) -> str:
    return format_currency(Decimal(str(amount)), currency or "EUR", locale=current_language())


def status_text(status: str) -> str:
    return str(STATUS_TEXT.get(status, status))


def reason_text(reason: Mapping[str, Any]) -> str:
    """A reason's plain-language explanation, translated, with its parameters."""
    message = str(reason["message"])  # a variable, so pybabel extracts no bogus msgid
    return gettext(message, **dict(reason.get("params") or {}))


def deadline_text(assessment: Mapping[str, Any]) -> str | None:
    """The deadline in words for a line whose period has started, else None."""
    if not assessment.get("deadline"):
        return None
    return instant(assessment["deadline"], assessment["deadline_timezone"])
