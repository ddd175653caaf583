"""The consumer's side: the three steps, the on-screen receipt and its PDF, the model form,
and the public receipt check.

:func:`create_blueprint` builds the ``withdrawal`` blueprint with every route in one table;
``Withdrawal.init_app`` registers it under ``WITHDRAWAL_URL_PREFIX``.
"""

from __future__ import annotations

from flask import Blueprint
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Gone, InternalServerError, NotFound

from .. import hostile, security
from ..resources import resource_dir
from . import check, entry, receipts, steps
from .outage import gone, not_found, server_error
from .pages import csrf_error, switch_language, template_context

#: (rule, endpoint, view, methods): the consumer's URLs under the prefix.
ROUTES = (
    ("/", "identify", steps.identify, ("GET", "POST")),
    ("/select", "select", steps.select, ("GET", "POST")),
    ("/confirm", "confirm", steps.confirm, ("GET", "POST")),
    ("/receipt/<token>", "receipt", receipts.receipt, ("GET",)),
    ("/receipt/<token>/withdrawal.pdf", "receipt_pdf_download", receipts.receipt_pdf_download,
     ("GET",)),
    ("/model-form.pdf", "model_form", receipts.model_form, ("GET",)),
    ("/order/<token>", "order_link", entry.order_link, ("GET",)),
    ("/verify", "receipt_check", check.receipt_check, ("GET", "POST")),
)

#: The endpoints whose form uploads a file (``multipart/form-data``); every other form posts
#: ``application/x-www-form-urlencoded`` (withdrawal.hostile).
UPLOADS = ("withdrawal.receipt_check",)


def create_blueprint() -> Blueprint:
    """The ``withdrawal`` blueprint: templates, static files, the template context, the
    language switch, the refusal of hostile input (after the switch, so that it speaks the
    consumer's language), the security headers, the receipt check's limiter and the
    routes."""
    blueprint = Blueprint(
        "withdrawal", __name__, template_folder=resource_dir("templates"),
        static_folder=resource_dir("static"), static_url_path="/static",
    )
    blueprint.before_request(switch_language)
    blueprint.before_request(hostile.refuse_hostile("withdrawal/error.html", UPLOADS))
    blueprint.after_request(security.headers)
    blueprint.context_processor(template_context)
    blueprint.register_error_handler(CSRFError, csrf_error)
    blueprint.record_once(check.init_limiter)
    blueprint.register_error_handler(InternalServerError, server_error)
    blueprint.register_error_handler(NotFound, not_found)
    blueprint.register_error_handler(Gone, gone)
    for rule, endpoint, view, methods in ROUTES:
        blueprint.add_url_rule(rule, endpoint, view, methods=list(methods))
    return blueprint
