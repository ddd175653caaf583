"""The audit blueprint: every request passes ``check_access`` first (static files included),
every answer is marked private, and every template gets the package's wording helpers and the
chain's latest verification."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, get_flashed_messages

from ..resources import resource_dir
from ..templating import base_context
from . import wording
from .access import check_access
from .context import audit_engine, today
from .integrity import latest_check

blueprint = Blueprint(
    "withdrawal_audit", __name__, template_folder=resource_dir("templates"),
    static_folder="static", static_url_path="/static",
)


@blueprint.before_request
def _guard() -> None:
    check_access()


@blueprint.after_request
def _private(response: Response) -> Response:
    """Personal data: never cached, indexed, framed or leaked through the Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.context_processor
def _template_context() -> dict[str, Any]:
    return {
        **base_context(),
        "wording": wording,
        "today": today(),
        "integrity": latest_check(audit_engine()),
        "messages": get_flashed_messages(with_categories=True),
    }
