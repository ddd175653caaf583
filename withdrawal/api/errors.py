"""Every answer of the API is JSON, errors included: ``{"error": <sentence>}`` with the status,
plus ``fields`` (field -> message) when the body did not validate. Nothing a client sends can
cause a 500 that is not a bug; a database that refused or failed the request answers 503."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from flask import Response, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from ..database_errors import answer_for


class ApiError(Exception):
    """An answer other than success, raised anywhere below a view."""

    def __init__(self, status: int, message: str, *, fields: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def fail(status: int, message: str, **kwargs: Any) -> NoReturn:
    raise ApiError(status, message, **kwargs)


def api_error(error: ApiError) -> Response:
    body: dict[str, Any] = {"error": error.message}
    if error.fields:
        body["fields"] = error.fields
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (a 404 from ``abort``, a 405, a 413...) as JSON."""
    response = jsonify({"error": error.description or error.name})
    response.status_code = error.code or 500
    headers = dict(error.get_headers())
    for name in ("Allow", "WWW-Authenticate"):
        if name in headers:
            response.headers[name] = headers[name]
    return response


def database_error(error: DBAPIError) -> Response:
    """A request the database refused or failed: 503 with ``Retry-After``, and whether
    anything can have been recorded (``recorded``: false, or null when it may have been)."""
    answer = answer_for(error, request.method)
    response = jsonify({"error": answer.message, "recorded": answer.recorded})
    response.status_code = 503
    response.headers.update(answer.headers)
    return response
