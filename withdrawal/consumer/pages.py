"""What every consumer page shares: the template context, the language switch, the answer to
an expired form, and rendering one of the configurable page templates."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import refresh
from flask_wtf.csrf import CSRFError

from ..config import config_value
from ..i18n import SESSION_KEY, gettext
from ..labels import LANGUAGES
from ..templating import base_context


def switch_language() -> None:
    """``?lang=it`` on any step switches the language without JavaScript (kept in session)."""
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session[SESSION_KEY] = lang
        refresh()


def template_context() -> dict[str, Any]:
    return base_context()


def csrf_error(_error: CSRFError | None = None) -> ResponseReturnValue:
    """A form posted without a valid CSRF token: nothing was sent yet."""
    message = gettext("Your session has expired. Please start again; nothing was sent yet.")
    return render_template("withdrawal/error.html", message=message), 400


def render_page(page: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    """Render one of the configurable page templates (``WITHDRAWAL_TEMPLATE_<PAGE>``). Not
    stored by the browser (``security.headers``): the pages show personal data, and Back after
    the receipt must ask the server again, which then says that the statement was sent."""
    return render_template(config_value("TEMPLATE_" + page), **context), status
