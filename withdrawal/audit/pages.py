"""What every audit page shares: the access check before each request (static files
included), private answers, the template context (wording helpers, the chain's latest
verification) and the answers to an expired form and to a database that refused or failed
the request."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, get_flashed_messages, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import MethodNotAllowed, NotFound

from ..database_errors import answer_for
from ..i18n import gettext
from ..security import CONTENT_SECURITY_POLICY, not_stored
from ..state import state
from ..templating import base_context
from . import wording
from .access import check_access
from .context import today
from .integrity import latest_check


def guard() -> None:
    check_access()


def method_guard() -> None:
    """Before every request of the app: a method an audit URL does not take answers 405
    before the blueprint's own ``guard`` runs, so the access check runs here first. A closed
    area is then 404 to every method, and only an auditor learns which methods a URL takes."""
    exc = request.routing_exception
    if isinstance(exc, MethodNotAllowed) and _audit_url(exc):
        check_access()


def _audit_url(exc: MethodNotAllowed) -> bool:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in exc.valid_methods or ():
        try:
            rule, _args = adapter.match(method=method, return_rule=True)
        except (MethodNotAllowed, NotFound):
            continue
        return str(rule.endpoint).startswith(AUDIT_ENDPOINTS)
    return False


#: The audit blueprint's endpoints (``withdrawal_audit.overview`` ...).
AUDIT_ENDPOINTS = "withdrawal_audit."


def private(response: Response) -> Response:
    """Personal data: never cached, indexed, framed or leaked through the Referer; the same
    Content-Security-Policy as the consumer pages (no script, nothing from elsewhere)."""
    not_stored(response)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def template_context() -> dict[str, Any]:
    return {
        **base_context(),
        "wording": wording,
        "today": today(),
        "integrity": _latest_check(),
        "messages": get_flashed_messages(with_categories=True),
    }


def _latest_check() -> Any:
    """The latest verification for the banner; none when the database cannot say (the page
    that failed on it then shows why)."""
    try:
        return latest_check(state().engine)
    except DBAPIError:
        return None


def expired_form() -> ResponseReturnValue:
    """A POST without a valid CSRF token: nothing was done."""
    message = gettext("The form had expired; nothing was done. Please go back and try again.")
    return render_template("withdrawal/audit/error.html", message=message), 400


def database_error(error: DBAPIError) -> ResponseReturnValue:
    """A request the database refused or failed: a 503 saying whether anything was done."""
    answer = answer_for(error, request.method)
    page = render_template("withdrawal/audit/error.html", title=answer.title,
                           message=answer.message)
    return page, 503, answer.headers
