"""The few things every audit module asks of the app: the trader's time zone, today's date
there, and who is acting."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import g

from ..config import config_value
from ..storage.statements import utcnow


def trader_zone() -> ZoneInfo:
    return ZoneInfo(config_value("TRADER_TIMEZONE"))


def today(now: datetime | None = None) -> date:
    """Today in the trader's time zone: refunds fall due on the trader's calendar."""
    return (now or utcnow()).astimezone(trader_zone()).date()


def auditor_name() -> str:
    """Who is acting: the HTTP Basic user, or what a shop's ``audit_access`` hook put in
    ``flask.g.withdrawal_auditor``."""
    return str(g.get("withdrawal_auditor") or "unnamed auditor")
