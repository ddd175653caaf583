"""The compliance officer's audit area: list, search, decide, resend, export, verify, retain.

``init_audit(app)`` registers the ``withdrawal_audit`` blueprint under
``WITHDRAWAL_URL_PREFIX + "/audit"``; access is the shop's ``audit_access`` hook or HTTP Basic
against ``WITHDRAWAL_AUDITORS``, and the area answers 404 when neither is configured.
"""

from __future__ import annotations

from flask import Flask

from ..config import config_value
from .cli import audit_commands
from .context import EXTENSION_KEY, AuditState
from .decisions import Decision, DecisionError, record_decision, refunds_due
from .resend import ResendError, request_resend
from .retention import parse_period, purge

__all__ = [
    "Decision", "DecisionError", "ResendError", "audit_commands", "init_audit", "parse_period",
    "purge", "record_decision", "refunds_due", "request_resend",
]


def init_audit(app: Flask) -> None:
    """Register the audit blueprint on ``app`` (after ``Withdrawal.init_app``); calling it
    again for the same app does nothing."""
    if EXTENSION_KEY in app.extensions:
        return
    from . import statement_views, views  # noqa: F401  (they add their routes)
    from .blueprint import blueprint

    app.extensions[EXTENSION_KEY] = AuditState()
    app.register_blueprint(blueprint, url_prefix=config_value("URL_PREFIX", app) + "/audit")
