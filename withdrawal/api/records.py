"""The back office's read access (bearer token): ``GET statements``, the audit list's filters
in keyset pages, and ``GET statements/<reference>``, what was recorded about one statement
(its content, its lines with each one's state now, the refund, the decisions and the chain
events). The decisions are recorded through :mod:`withdrawal.api.decisions`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from ..audit import paging
from ..audit.context import today, trader_zone
from ..audit.forms import FilterForm
from ..audit.queries import Filters, Scope, StatementRow
from ..i18n import gettext
from ..state import state
from ..storage.statements import StoredStatement, events_of, load_statement
from .decisions import standing_json
from .errors import fail
from .shapes import error_response, json_response

#: The longest page a client may ask for.
LONGEST_PAGE = 200


def list_statements() -> ResponseReturnValue:
    """A page of statements, newest first; ``before``/``after`` continue from a cursor."""
    filters = _filters()
    before, after = _cursor("before"), _cursor("after")
    size = _cursor("limit") or paging.PAGE_SIZE
    if size > LONGEST_PAGE:
        fail(400, gettext("Please check the fields."),
             fields={"limit": gettext("At most %(n)s.", n=LONGEST_PAGE)})
    scope = Scope(zone=trader_zone(), today=today())
    page = paging.page(state().engine, filters, scope, before=before, after=after, size=size)
    return jsonify({"statements": [row_json(row) for row in page.rows],
                    "older": page.older, "newer": page.newer})


def _filters() -> Filters:
    form = FilterForm(formdata=request.args)
    if not form.validate():
        fail(400, gettext("Please check the fields."), fields={
            name: " ".join(str(e) for e in errors) for name, errors in form.errors.items()})
    return form.filters()


def _cursor(name: str) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit() or not 0 < int(value) < 2**63:
        fail(400, gettext("Please check the fields."),
             fields={name: gettext("A positive whole number.")})
    return int(value)


def row_json(row: StatementRow) -> dict[str, Any]:
    delivery = row.delivery
    return {
        "reference": row.reference, "seq": row.seq, "submitted_at": _iso(row.submitted_at),
        "name": row.name, "email": row.email, "order_number": row.order_number,
        "order_matched": row.order_matched, "locale": row.locale, "flags": row.flags,
        "lines": row.lines, "description": row.description, "erased": row.erased,
        "acknowledgement": None if delivery is None else {
            "status": delivery.status, "attempts": delivery.attempts,
            "sent_at": _iso(delivery.sent_at),
        },
    }


def get_statement(reference: str) -> ResponseReturnValue:
    """What was recorded about one statement."""
    statement = load_statement(state().engine, reference)
    if statement is None:
        fail(404, gettext("No statement has this reference."))
    return jsonify(statement_json(statement))


def statement_json(statement: StoredStatement) -> dict[str, Any]:
    content = statement.content
    return {
        "reference": statement.reference, "seq": statement.seq,
        "submitted_at": _iso(statement.submitted_at), "content_hash": statement.content_hash,
        "entry_hash": statement.entry_hash, "erased": statement.erased, "content": content,
        **standing_json(statement.reference, list(content.get("lines") or [])),
        "events": [{**event, "recorded_at": _iso(event["recorded_at"])}
                   for event in events_of(state().engine, statement.reference)],
    }


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
_FILTERS = [
    ("reference", "reference", "The reference, e.g. W-7K3M-9QX2."),
    ("email", "email", "The consumer's e-mail address (case-insensitive)."),
    ("order_number", "string", "The order number."),
    ("name", "name", "Part of the consumer's name."),
    ("since", "date", "Submitted on or after this day (the trader's calendar)."),
    ("until", "date", "Submitted on or before this day."),
    ("matched", "matched", "`yes`: the order was found; `no`: it was not."),
    ("flag", "string", "A flag, e.g. `order-not-found`."),
    ("decision", "decision", "The trader's decision state."),
    ("refund", "refund", "`due` or `overdue` refunds of accepted withdrawals."),
]
_FILTER_SCHEMAS: dict[str, Any] = {
    "reference": {"type": "string", "maxLength": 16},
    "email": {"type": "string", "maxLength": 254},
    "name": {"type": "string", "maxLength": 200},
    "string": {"type": "string", "maxLength": 64},
    "date": {"type": "string", "format": "date"},
    "matched": {"type": "string", "enum": ["", "yes", "no"]},
    "decision": {"type": "string", "enum": ["", "undecided", "accepted", "rejected",
                                            "refunded", "key-revoked"]},
    "refund": {"type": "string", "enum": ["", "due", "overdue"]},
}
_CURSOR = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
_UNAUTHORISED = error_response("No valid bearer token")
_NOT_CONFIGURED = error_response("No token is configured (WITHDRAWAL_API_TOKENS): the "
                                 "back-office endpoints do not exist")

PATHS: dict[str, Any] = {
    "/statements": {"get": {
        "operationId": "listStatements",
        "tags": ["back office"],
        "summary": "Statements, newest first, filtered as the audit list is",
        "description": "Keyset pages: pass `before=<older>` for the next older page, "
                       "`after=<newer>` for the newer one.",
        "security": _BEARER,
        "parameters": [
            *({"name": name, "in": "query", "required": False, "description": text,
               "schema": _FILTER_SCHEMAS[kind]} for name, kind, text in _FILTERS),
            {"name": "before", "in": "query", "required": False, "schema": _CURSOR},
            {"name": "after", "in": "query", "required": False, "schema": _CURSOR},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": LONGEST_PAGE}},
        ],
        "responses": {
            "200": json_response("StatementPage", "A page of statements"),
            "400": error_response("A filter is invalid"),
            "401": _UNAUTHORISED, "404": _NOT_CONFIGURED,
        },
    }},
    "/statements/{reference}": {"get": {
        "operationId": "getStatement",
        "tags": ["back office"],
        "summary": "What was recorded about one statement: content, lines and their "
                   "state, refund, decisions, events",
        "security": _BEARER,
        "parameters": [{"name": "reference", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 16}}],
        "responses": {
            "200": json_response("StatementRecord", "The statement"),
            "401": _UNAUTHORISED,
            "404": error_response("No such statement, or no token is configured"),
        },
    }},
}

_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "StatementPage": {
        "type": "object",
        "required": ["statements", "older", "newer"],
        "properties": {
            "statements": {"type": "array",
                           "items": {"$ref": "#/components/schemas/StatementRow"}},
            "older": {"type": ["integer", "null"],
                      "description": "Pass as `before` for the next older page."},
            "newer": {"type": ["integer", "null"],
                      "description": "Pass as `after` for the newer page."},
        },
    },
    "StatementRow": {
        "type": "object",
        "required": ["reference", "seq", "submitted_at", "name", "email", "order_number",
                     "order_matched", "locale", "flags", "lines", "description", "erased",
                     "acknowledgement"],
        "properties": {
            "reference": {"type": "string"},
            "seq": {"type": "integer"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "order_number": {"type": ["string", "null"]},
            "order_matched": {"type": "boolean"},
            "locale": {"type": "string"},
            "flags": {"type": "array", "items": {"type": "string"}},
            "lines": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "line_id": {"type": ["string", "null"]},
                    "title": {"type": ["string", "null"]},
                    "quantity": {"type": ["integer", "null"]},
                    "status": {"type": ["string", "null"]},
                    "deadline": {"type": ["string", "null"]},
                },
            }},
            "description": {"type": "string"},
            "erased": {"type": "boolean"},
            "acknowledgement": {
                "type": ["object", "null"],
                "required": ["status", "attempts", "sent_at"],
                "properties": {
                    "status": {"type": "string", "enum": ["pending", "sent", "failed"]},
                    "attempts": {"type": "integer"},
                    "sent_at": _NULLABLE_TIME,
                },
            },
        },
    },
    "StatementRecord": {
        "type": "object",
        "required": ["reference", "seq", "submitted_at", "content_hash", "entry_hash",
                     "erased", "content", "lines", "refund", "decisions", "events"],
        "properties": {
            "reference": {"type": "string"},
            "seq": {"type": "integer"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "content_hash": {"type": "string", "description": "SHA-256 printed on the PDF."},
            "entry_hash": {"type": "string", "description": "The chain entry's hash."},
            "erased": {"type": "boolean",
                       "description": "Personal data erased under the retention period."},
            "content": {"type": "object",
                        "description": "The statement exactly as recorded and hashed."},
            "lines": {"type": "array",
                      "items": {"$ref": "#/components/schemas/RecordLine"}},
            "refund": {"$ref": "#/components/schemas/Refund"},
            "decisions": {"type": "array", "description": "Every decision, oldest first.",
                          "items": {"$ref": "#/components/schemas/Decision"}},
            "events": {"type": "array", "items": {
                "type": "object",
                "required": ["seq", "recorded_at", "type", "data", "hash"],
                "properties": {
                    "seq": {"type": "integer"},
                    "recorded_at": {"type": "string", "format": "date-time"},
                    "type": {"type": "string"},
                    "data": {"type": "object"},
                    "hash": {"type": "string"},
                },
            }},
        },
    },
}
