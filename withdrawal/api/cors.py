"""CORS for the storefront endpoints: a headless storefront's JavaScript may call them from the
origins in ``WITHDRAWAL_API_CORS_ORIGINS`` (``["*"]``: any). They use no cookie and no
credentials, so no ``Access-Control-Allow-Credentials`` is ever sent. The back-office
endpoints are never offered to browsers of other origins: their bearer tokens belong on
servers."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from ..config import ConfigurationError, config_value

#: Endpoints a browser of another origin may call.
STOREFRONT = frozenset({"withdrawal_api.openapi", "withdrawal_api.labels",
                        "withdrawal_api.lookup", "withdrawal_api.submit"})
ALLOWED_HEADERS = "Content-Type, Idempotency-Key, Accept-Language"
MAX_AGE = "600"


def check_config(app: Flask) -> None:
    """Each origin is ``*`` or ``scheme://host[:port]`` without a path."""
    origins: Any = config_value("API_CORS_ORIGINS", app)
    if isinstance(origins, str) or not isinstance(origins, Collection) or not all(
            isinstance(origin, str) and (origin == "*" or _is_origin(origin))
            for origin in origins):
        raise ConfigurationError(
            "WITHDRAWAL_API_CORS_ORIGINS must be a list of origins such as "
            "[\"https://shop.example\"] (or [\"*\"])")


def _is_origin(value: str) -> bool:
    parts = urlsplit(value)
    return (parts.scheme in ("http", "https") and bool(parts.netloc)
            and value == f"{parts.scheme}://{parts.netloc}")


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin")
    origins = config_value("API_CORS_ORIGINS") or ()
    if not origin or not ("*" in origins or origin in origins):
        return None
    return "*" if "*" in origins else origin


def preflight() -> Response | None:
    """``before_request``: answer a CORS preflight of a storefront endpoint."""
    method = request.headers.get("Access-Control-Request-Method")
    if request.method != "OPTIONS" or not method:
        return None
    response = Response(status=204)
    origin = _allowed_origin()
    if origin is not None and _endpoint_for(method) in STOREFRONT:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = method
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = MAX_AGE
    response.vary.add("Origin")
    return response


def _endpoint_for(method: str) -> str | None:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _args = adapter.match(request.path, method=method)
    except HTTPException:
        return None
    return str(endpoint)


def allow_origin(response: Response) -> Response:
    """``after_request``: the storefront endpoints' answers may be read by allowed origins
    (a preflight was answered by :func:`preflight`)."""
    if request.endpoint in STOREFRONT and request.method != "OPTIONS":
        origin = _allowed_origin()
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    return response
