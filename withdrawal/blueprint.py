"""The blueprint every withdrawal page hangs on: templates, static files, the template context
and the language switch. The steps are in views.py, the receipt and documents in receipts.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import refresh
from flask_wtf.csrf import CSRFError

from . import security
from .config import config_value
from .i18n import SESSION_KEY, gettext
from .labels import LANGUAGES
from .resources import resource_dir
from .templating import base_context

blueprint = Blueprint(
    "withdrawal", __name__, template_folder=resource_dir("templates"),
    static_folder="static", static_url_path="/static",
)
blueprint.after_request(security.headers)


@blueprint.before_request
def _switch_language() -> None:
    """``?lang=it`` on any step switches the language without JavaScript (kept in session)."""
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session[SESSION_KEY] = lang
        refresh()


@blueprint.context_processor
def _template_context() -> dict[str, Any]:
    return base_context()


@blueprint.errorhandler(CSRFError)
def csrf_error(_error: CSRFError) -> ResponseReturnValue:
    message = gettext("Your session has expired. Please start again; nothing was sent yet.")
    return render_template("withdrawal/error.html", message=message), 400


def render_page(page: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    """Render one of the configurable page templates (``WITHDRAWAL_TEMPLATE_<PAGE>``)."""
    return render_template(config_value("TEMPLATE_" + page), **context), status
