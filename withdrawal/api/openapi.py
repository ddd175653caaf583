"""The OpenAPI 3.1 document of the API, served at ``<prefix>/api/v1/openapi.json``.

Assembled from the resource modules: each has its ``PATHS`` and ``SCHEMAS``; a new resource
adds its module to :data:`RESOURCES` and its route to the blueprint's table."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from . import decisions, labels, lookup, records, shapes, statements

#: The modules whose paths and schemas make the document, in the order they are listed.
RESOURCES: tuple[ModuleType, ...] = (labels, lookup, statements, records, decisions)

DESCRIPTION = """\
The EU withdrawal function (CRD Art. 11a) for storefronts and back offices.

Storefront endpoints (tag `storefront`) need no token and keep the pages' guarantees: a
statement is never refused, an order is shown only to whoever names its number and e-mail
address, look-ups are rate-limited per client. Browsers may call them from the origins in
`WITHDRAWAL_API_CORS_ORIGINS`.

Back-office endpoints (tag `back office`) need a bearer token from `WITHDRAWAL_API_TOKENS`; they
answer 404 while no token is configured. Every error is JSON: `{"error": ...}`. They read
statements with their lines' state, refund and decisions, and record the trader's decisions
(`POST statements/{reference}/decisions`)."""


def merged(part: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The resources' ``PATHS`` or ``SCHEMAS`` in one mapping; a path two resources share
    (``/statements``: POST for storefronts, GET for back offices) gets both operations."""
    result: dict[str, Any] = dict(extra or {})
    for module in RESOURCES:
        for key, value in getattr(module, part).items():
            result[key] = {**result.get(key, {}), **value}
    return result


def document() -> dict[str, Any]:
    """The document for the current app (its URL prefix is the server's path)."""
    base = url_for("withdrawal_api.openapi").rsplit("/", 1)[0]
    return {
        "openapi": "3.1.0",
        "info": {"title": "withdrawal API", "version": _version(),
                 "description": DESCRIPTION, "license": {"name": "MIT", "identifier": "MIT"}},
        "servers": [{"url": base}],
        "tags": [{"name": "storefront", "description": "For a shop's own front end: no token."},
                 {"name": "back office", "description": "For ERP and helpdesk: bearer token."}],
        "paths": merged("PATHS"),
        "components": {
            "schemas": merged("SCHEMAS", shapes.SCHEMAS),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token of WITHDRAWAL_API_TOKENS."}},
        },
    }


def _version() -> str:
    try:
        return version("withdrawal")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0"


def get_openapi() -> ResponseReturnValue:
    return jsonify(document())
