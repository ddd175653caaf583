"""What every audit page shares: the access check before each request (static files
included), private answers, the template context (wording helpers, the chain's latest
verification) and the answer to an expired form."""

from __future__ import annotations

from typing import Any

from flask import Response, get_flashed_messages, render_template
from flask.typing import ResponseReturnValue

from ..i18n import gettext
from ..state import state
from ..templating import base_context
from . import wording
from .access import check_access
from .context import today
from .integrity import latest_check


def guard() -> None:
    check_access()


def private(response: Response) -> Response:
    """Personal data: never cached, indexed, framed or leaked through the Referer."""
    response.headers["Cache-Control"] = "no-store"
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
        "integrity": latest_check(state().engine),
        "messages": get_flashed_messages(with_categories=True),
    }


def expired_form() -> ResponseReturnValue:
    """A POST without a valid CSRF token: nothing was done."""
    message = gettext("The form had expired; nothing was done. Please go back and try again.")
    return render_template("withdrawal/audit/error.html", message=message), 400
