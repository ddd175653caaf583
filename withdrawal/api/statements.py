"""``POST statements``: a storefront submits a withdrawal statement, as the confirm step does.

The same guarantees as the pages: the statement is recorded through ``submit_statement`` (the
one service that records), never refused for an unknown order, a failing shop backend or a
client over the look-up limit (it is recorded unmatched and flagged, R4, R11), and the order
is looked up as at step 1. The ``Idempotency-Key`` header makes a repeated request record one
statement (R20): the first answer is 201, every repetition 200 with the same statement."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue

from ..domain import Order
from ..guard import DatabaseUnavailable, with_database
from ..i18n import current_language, gettext
from ..links import receipt_token
from ..orders import look_up
from ..state import state
from ..storage.statements import StoredStatement, load_statement, reference_for_key
from ..submission import StatementRequest, submit_statement
from .errors import fail
from .forms import StatementForm, api_locale, json_object, string_list, validated
from .shapes import error_response, json_response

HEADER = "Idempotency-Key"


def submission_key(idempotency_key: str) -> str:
    """The statement's submission key, derived from the client's key (its own namespace, so
    it never meets a key of the pages)."""
    return hashlib.sha256(b"withdrawal-api\0" + idempotency_key.encode()).hexdigest()


def _idempotency_key() -> str:
    key = request.headers.get(HEADER, "")
    if not 0 < len(key) <= 255 or not key.isascii() or not key.isprintable():
        fail(400, gettext("Send an Idempotency-Key header (1 to 255 printable characters): "
                          "a repeated request then records one statement."))
    return key


def post_statement() -> ResponseReturnValue:
    """Record the statement ``{name, email, order_number, lines, description, locale}``."""
    key = submission_key(_idempotency_key())
    data = json_object()
    form = validated(StatementForm, data, ("name", "email", "order_number", "description"))
    lines = string_list(data, "lines")
    existing = _recorded_under(key)
    if existing:
        return _answer(existing, form, 200)
    order, flags = look_up(form.order_number.data, form.email.data)
    submission = submit_statement(
        _statement_request(form, data, order, lines, flags), submission_key=key,
        link_base=request.url_root)
    if submission.spooled is not None:  # kept until the database is back: accepted
        return _receipt(submission.reference, submission.spooled["submitted_at"],
                        bool(submission.spooled["order_matched"]), 202)
    return _answer(submission.reference, form, 201 if submission.created else 200)


def _recorded_under(key: str) -> str | None:
    """The reference already recorded under ``key``; None when none is, or when the database
    cannot say (the submission then goes to the spool, which knows its own keys)."""
    try:
        return with_database(lambda engine: reference_for_key(engine, key))
    except DatabaseUnavailable:
        return None


def _statement_request(form: Any, data: dict[str, Any], order: Order | None, lines: list[str],
                       flags: list[str]) -> StatementRequest:
    if order is not None:
        _check_lines(order, lines)
    return StatementRequest(  # without the order, the lines are named in the description
        name=form.name.data, email=form.email.data, order_number=form.order_number.data,
        locale=api_locale(data.get("locale"), current_language()), matched=order is not None,
        lines=tuple(lines), description=form.description.data or "", flags=tuple(flags),
    )


def _check_lines(order: Order, lines: list[str]) -> None:
    """A found order needs at least one of its lines, as step 2 does."""
    unknown = [line_id for line_id in lines if order.line(line_id) is None]
    if not lines or unknown:
        fail(422, gettext("Please check the fields."), fields={
            "lines": gettext("Please choose at least one product.") if not lines else
            gettext("Not a line of this order: %(lines)s", lines=", ".join(unknown))})


def _answer(reference: str, form: Any, status: int) -> ResponseReturnValue:
    statement = load_statement(state().engine, reference)
    assert statement is not None, reference  # recorded in this or an earlier request
    if status == 200 and not _same_consumer(statement, form):
        fail(422, gettext("This Idempotency-Key was already used for another statement."))
    return _receipt(reference, statement.submitted_at.isoformat(),
                    bool(statement.content.get("order_matched")), status)


def _receipt(reference: str, submitted_at: str, matched: bool,
             status: int) -> ResponseReturnValue:
    token = receipt_token(reference)
    return jsonify({
        "reference": reference,
        "submitted_at": submitted_at,
        "order_matched": matched,
        "status_url": url_for("withdrawal.receipt", token=token, _external=True),
        "pdf_url": url_for("withdrawal.receipt_pdf_download", token=token, _external=True),
    }), status


def _same_consumer(statement: StoredStatement, form: Any) -> bool:
    """A repetition names the same consumer and order as the statement its key recorded."""
    if statement.erased:
        return True
    content = statement.content
    return bool(content["name"] == form.name.data and content["email"] == form.email.data
                and (content["order_number"] or "") == form.order_number.data)


PATHS: dict[str, Any] = {
    "/statements": {"post": {
        "operationId": "submitStatement",
        "tags": ["storefront"],
        "summary": "Submit a withdrawal statement (the confirmation)",
        "description": (
            "Records the statement at the server's instant and starts its acknowledgement "
            "(e-mail with the PDF). Never refused for an unknown order: it is recorded "
            "unmatched and flagged, with `description` telling the contract. With a found "
            "order, `lines` names the chosen line ids (at least one). Repeating a request "
            "with the same `Idempotency-Key` returns the same statement (200)."),
        "parameters": [{
            "name": HEADER, "in": "header", "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                       "pattern": "^[ -~]+$"},
            "description": "A key unique to this statement, e.g. a UUID made when the "
                           "consumer opened the form.",
        }],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/StatementRequest"}}}},
        "responses": {
            "201": json_response("StatementReceipt", "Recorded"),
            "200": json_response("StatementReceipt", "Recorded before under this key"),
            "202": json_response("StatementReceipt", "Kept until the database is back (the "
                                 "spool), then recorded with this reference and time; its "
                                 "PDF answers 503 until then"),
            "400": error_response("No Idempotency-Key, or the body is not a JSON object"),
            "422": error_response("A field is missing or invalid, or the key was used for "
                                  "another statement"),
        },
    }},
}

SCHEMAS: dict[str, Any] = {
    "StatementRequest": {
        "type": "object",
        "required": ["name", "email", "order_number"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "order_number": {"type": "string", "minLength": 1, "maxLength": 64},
            "lines": {"type": "array", "maxItems": 100,
                      "items": {"type": "string", "minLength": 1, "maxLength": 200}},
            "description": {"type": "string", "maxLength": 1000},
            "locale": {"type": "string", "maxLength": 35,
                       "description": "The consumer's language: the labels recorded and the "
                                      "acknowledgement's language (default: the request's)."},
        },
    },
    "StatementReceipt": {
        "type": "object",
        "required": ["reference", "submitted_at", "order_matched", "status_url", "pdf_url"],
        "properties": {
            "reference": {"type": "string", "examples": ["W-7K3M-9QX2"]},
            "submitted_at": {"type": "string", "format": "date-time",
                             "description": "The server's instant of submission (UTC)."},
            "order_matched": {"type": "boolean"},
            "status_url": {"type": "string", "format": "uri",
                           "description": "The statement's page (the on-screen receipt)."},
            "pdf_url": {"type": "string", "format": "uri",
                        "description": "The acknowledgement's PDF, the bytes the e-mail "
                                       "carries."},
        },
    },
}
