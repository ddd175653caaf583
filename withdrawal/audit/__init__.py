"""The compliance officer's audit area: list, search, decide, resend, export, verify, retain.

:func:`create_blueprint` builds the ``withdrawal_audit`` blueprint with every route in one
table; ``Withdrawal.init_app`` registers it under ``WITHDRAWAL_URL_PREFIX + "/audit"``. Access
is the shop's ``audit_access`` hook or HTTP Basic against ``WITHDRAWAL_AUDITORS``, and the area
answers 404 when neither is configured.
"""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy.exc import DBAPIError

from .. import hostile
from ..resources import resource_dir
from . import statement_views as one
from . import views
from .cli import audit_commands
from .decisions import Decision, DecisionError, record_decision, refunds_due
from .pages import database_error, guard, method_guard, private, template_context
from .resend import ResendError, request_resend
from .retention import parse_period, purge

__all__ = [
    "Decision", "DecisionError", "ResendError", "audit_commands", "create_blueprint",
    "parse_period", "purge", "record_decision", "refunds_due", "request_resend",
]

#: (rule, endpoint, view, methods, defaults): the audit area's URLs under its prefix.
ROUTES = (
    ("/", "overview", views.overview, ("GET",), None),
    ("/statements", "statements", views.statements, ("GET",), None),
    ("/export.<any(csv, jsonl):fmt>", "export_list", views.export_list, ("GET",), None),
    ("/integrity", "integrity_page", views.integrity_page, ("GET",), None),
    ("/integrity/verify", "verify_now", views.verify_now, ("POST",), None),
    ("/statements/<reference>", "statement", one.statement, ("GET",), None),
    ("/statements/<reference>/decisions", "decide", one.decide, ("POST",), None),
    ("/statements/<reference>/resend", "resend", one.resend, ("POST",), None),
    ("/statements/<reference>/receipt.pdf", "receipt", one.receipt, ("GET",), None),
    ("/statements/<reference>/receipt-download.pdf", "receipt_download", one.receipt, ("GET",),
     {"download": True}),
    ("/statements/<reference>/acknowledgement.eml", "acknowledgement_eml",
     one.acknowledgement_eml, ("GET",), None),
    ("/statements/<reference>/decision-notice-<int:seq>.eml", "decision_notice_eml",
     one.decision_notice_eml, ("GET",), None),
    ("/statements/<reference>/evidence.zip", "evidence", one.evidence, ("GET",), None),
)


def create_blueprint() -> Blueprint:
    """The ``withdrawal_audit`` blueprint: every request passes the access check first (a
    request with a method the URL does not take too), then the refusal of hostile input (form
    bodies only, withdrawal.hostile)."""
    blueprint = Blueprint(
        "withdrawal_audit", __name__, template_folder=resource_dir("templates"),
        static_folder="static", static_url_path="/static",
    )
    blueprint.before_request(guard)
    blueprint.before_app_request(method_guard)
    blueprint.before_request(hostile.refuse_hostile("withdrawal/audit/error.html"))
    blueprint.after_request(private)
    blueprint.register_error_handler(DBAPIError, database_error)
    blueprint.context_processor(template_context)
    for rule, endpoint, view, methods, defaults in ROUTES:
        blueprint.add_url_rule(rule, endpoint, view, methods=list(methods),
                               **({"defaults": defaults} if defaults else {}))  # type: ignore[arg-type]
    return blueprint
