"""Per-app audit state and the few things every audit module asks of the app: the engine (with
the audit tables made on first use), the trader's time zone and today's date there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy import Engine

from ..config import config_value
from ..extension import state
from ..storage.statements import utcnow
from .tables import create_audit_tables

EXTENSION_KEY = "withdrawal_audit"


@dataclass
class AuditState:
    """Kept in ``app.extensions["withdrawal_audit"]``."""

    tables_ready: bool = False


def audit_engine(app: Flask | None = None) -> Engine:
    """The app's engine; the audit tables are created on first use, like the core schema."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    engine = state(app).engine
    audit = app.extensions.setdefault(EXTENSION_KEY, AuditState())
    if not audit.tables_ready:
        create_audit_tables(engine)
        audit.tables_ready = True
    return engine


def trader_zone() -> ZoneInfo:
    return ZoneInfo(config_value("TRADER_TIMEZONE"))


def today(now: datetime | None = None) -> date:
    """Today in the trader's time zone: refunds fall due on the trader's calendar."""
    return (now or utcnow()).astimezone(trader_zone()).date()


def auditor_name() -> str:
    """Who is acting: the HTTP Basic user, or what a shop's ``audit_access`` hook put in
    ``flask.g.withdrawal_auditor``."""
    return str(g.get("withdrawal_auditor") or "unnamed auditor")
