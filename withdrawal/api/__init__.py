"""The JSON API under ``<prefix>/api/v1``: for storefronts (labels, order look-up, statement
submission; no token) and back offices (statements, decisions; bearer token), described by
the OpenAPI 3.1 document at ``<prefix>/api/v1/openapi.json`` (docs/api.md).

:func:`create_blueprint` builds the ``withdrawal_api`` blueprint with every route in one
table; ``Withdrawal.init_app`` registers it, exempt from CSRF protection (the API keeps no
session: nothing a cookie carries can be forged). Every answer is JSON, errors included."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from . import cors, decisions, labels, lookup, openapi, records, statements, tokens
from .errors import ApiError, api_error, database_error, http_error

#: (rule, endpoint, view, method, needs a token): the API's URLs under its prefix.
ROUTES = (
    ("/openapi.json", "openapi", openapi.get_openapi, "GET", False),
    ("/labels", "labels", labels.get_labels, "GET", False),
    ("/lookup", "lookup", lookup.post_lookup, "POST", False),
    ("/statements", "submit", statements.post_statement, "POST", False),
    ("/statements", "statements", records.list_statements, "GET", True),
    ("/statements/<reference>", "statement", records.get_statement, "GET", True),
    ("/statements/<reference>/decisions", "decide", decisions.post_decision, "POST", True),
)

#: The endpoints that need a bearer token.
BACK_OFFICE = frozenset(f"withdrawal_api.{endpoint}"
                        for _r, endpoint, _v, _m, token in ROUTES if token)


def _guard() -> None:
    if request.endpoint in BACK_OFFICE:
        tokens.require_token()


def _private(response: Response) -> Response:
    """Answers about statements are nobody's to cache; none is to be sniffed as HTML."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.endpoint not in ("withdrawal_api.openapi", "withdrawal_api.labels"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_blueprint() -> Blueprint:
    """The ``withdrawal_api`` blueprint."""
    blueprint = Blueprint("withdrawal_api", __name__)
    blueprint.before_request(cors.preflight)
    blueprint.before_request(_guard)
    blueprint.after_request(cors.allow_origin)
    blueprint.after_request(_private)
    blueprint.register_error_handler(ApiError, api_error)
    blueprint.register_error_handler(HTTPException, http_error)
    blueprint.register_error_handler(DBAPIError, database_error)
    for rule, endpoint, view, method, _token in ROUTES:
        blueprint.add_url_rule(rule, endpoint, view, methods=[method])
    return blueprint


def check_config(app: Flask) -> None:
    """Fail at start-up, naming the key, on an unusable API setting."""
    tokens.check_config(app)
    cors.check_config(app)
