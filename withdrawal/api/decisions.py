"""``POST statements/<reference>/decisions``: a back office records the trader's decision on
some lines of a statement (bearer token), through ``withdrawal.backoffice`` like the audit
pages (the same checks, the same order of states, the consumer's notice and the
``decision.recorded`` webhook owed in the same transaction). Also each statement's decisions
and line states for ``GET statements/<reference>``.

The answers: 201 with the decision; 400 for a body that is not a JSON object or a value of the
wrong type; 404 for an unknown reference; 409 when the order of states refuses it (why, line
by line); 422 for an incomplete or invalid decision (a missing reason or amount, an unknown
outcome or line, a date in the future). An optional ``Idempotency-Key`` makes a repeated
request record one decision: every repetition answers 200 with the same decision."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue

from ..backoffice import (
    StatementNotFound,
    after_decision,
    decision_context,
    load_standing,
    record,
)
from ..decisions import DecisionRefused, DecisionRequest, InvalidDecision
from ..i18n import gettext
from ..state import state
from .errors import fail
from .forms import DecisionForm, json_object, validated
from .shapes import NULLABLE_STRING, error_response, json_response

HEADER = "Idempotency-Key"

#: The body's text values besides ``outcome`` (checked by :class:`DecisionForm`).
TEXTS = ("reason", "amount", "means", "date", "note")


def post_decision(reference: str) -> ResponseReturnValue:
    """Record ``{outcome, lines, reason, amount, means, date, note}`` on the statement."""
    data = json_object()
    decision = decision_request(data)
    try:
        recorded = record(state().engine, reference, decision, decision_context(),
                          key=_key())
    except StatementNotFound:
        fail(404, gettext("No statement has this reference."))
    except InvalidDecision as exc:
        message = exc.problem.text(gettext)
        fail(422, message, fields={HEADER if exc.field == "key" else exc.field: message})
    except DecisionRefused as exc:
        fail(409, " ".join(found.text(gettext) for found in exc.problems))
    after_decision(recorded)
    return jsonify(recorded.decision), 201 if recorded.created else 200


def decision_request(data: Mapping[str, Any]) -> DecisionRequest:
    """The body as a request of the back-office API, or a 400 (wrong types) or 422."""
    if data.get("outcome") in (None, ""):
        fail(422, gettext("Please check the fields."),
             fields={"outcome": gettext("Please choose the outcome.")})
    wrong = {name: gettext("Please send text.") for name in ("outcome", *TEXTS)
             if data.get(name) is not None and not isinstance(data[name], str)}
    lines = data.get("lines")
    if lines is not None and not (isinstance(lines, list) and len(lines) <= 1000
                                  and all(isinstance(line, str) for line in lines)):
        wrong["lines"] = gettext("Please send a list of line ids.")
    if wrong:
        fail(400, gettext("Please check the fields."), fields=wrong)
    form: Any = validated(DecisionForm, data, TEXTS)
    return DecisionRequest(
        str(data.get("outcome") or ""), tuple(lines or ()),
        by=f"api:{g.withdrawal_api_client}", reason=form.reason.data or "",
        amount=form.amount.data or None, means=form.means.data or "", date=form.date.data,
        note=form.note.data or "")


def _key() -> str:
    """The client's ``Idempotency-Key`` in its own namespace (empty: none was sent)."""
    key = request.headers.get(HEADER)
    if key is None:
        return ""
    if not 0 < len(key) <= 255 or not key.isascii() or not key.isprintable():
        fail(400, gettext("The Idempotency-Key header takes 1 to 255 printable characters."))
    client = str(g.withdrawal_api_client)
    return hashlib.sha256(f"withdrawal-api-decision\0{client}\0{key}".encode()).hexdigest()


def standing_json(reference: str, content_lines: list[Any]) -> dict[str, Any]:
    """For ``GET statements/<reference>``: every line as recorded with its state now (a
    statement without order lines: the pseudo-line ``*``, the whole statement), the refund
    and the decisions."""
    standing = load_standing(reference).to_json()
    recorded = {str(line.get("line_id")): line for line in content_lines}
    return {
        "lines": [{**recorded.get(line["line_id"], {}), **line} for line in standing["lines"]],
        "refund": standing["refund"], "decisions": standing["decisions"],
    }


_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}

PATHS: dict[str, Any] = {
    "/statements/{reference}/decisions": {"post": {
        "operationId": "recordDecision",
        "tags": ["back office"],
        "summary": "Record the trader's decision on some lines of a statement",
        "description": (
            "Appends a decision to the statement's chain (never an edit), owes the consumer's "
            "notice and the `decision.recorded` webhook, and answers with the decision. The "
            "order of states per line: `accepted` and `rejected` need an undecided line, "
            "`refunded` an accepted one, `revoked` (keys) and `returned` (goods) a line that "
            "is not rejected, `corrected` reverses the latest decision on each line. A "
            "refusal records nothing (409). `lines`: line ids of the statement; none (or "
            "`[\"*\"]`) for a statement without order lines, `[\"*\"]` for every line. With "
            "an `Idempotency-Key`, a repeated request answers 200 with the same decision."),
        "security": [{"bearer": []}],
        "parameters": [
            {"name": "reference", "in": "path", "required": True,
             "schema": {"type": "string", "maxLength": 16}},
            {"name": HEADER, "in": "header", "required": False,
             "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                        "pattern": "^[ -~]+$"},
             "description": "A key unique to this decision, e.g. a UUID."},
        ],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/DecisionRequest"}}}},
        "responses": {
            "201": json_response("Decision", "Recorded"),
            "200": json_response("Decision", "Recorded before under this Idempotency-Key"),
            "400": error_response("The body is not a JSON object, a value has the wrong "
                                  "type, or the Idempotency-Key is malformed"),
            "401": error_response("No valid bearer token"),
            "404": error_response("No such statement, or no token is configured"),
            "409": error_response("The order of states refuses the decision on some line: "
                                  "`error` says why; nothing was recorded"),
            "422": error_response("Incomplete or invalid: an unknown outcome or line, a "
                                  "missing reason or amount, a date in the future, or the "
                                  "Idempotency-Key was used for another decision"),
            "503": error_response("The database refused the request (`recorded`: false, "
                                  "nothing was recorded) or failed during it (`recorded`: "
                                  "null: send it again under the same Idempotency-Key); "
                                  "Retry-After says when"),
        },
    }},
}

SCHEMAS: dict[str, Any] = {
    "DecisionRequest": {
        "type": "object",
        "required": ["outcome"],
        "properties": {
            "outcome": {"type": "string", "enum": ["accepted", "rejected", "refunded",
                                                   "revoked", "returned", "corrected"]},
            "lines": {"type": "array", "maxItems": 1000,
                      "items": {"type": "string"}},
            "reason": {"type": "string", "maxLength": 200,
                       "description": "Required for rejected and corrected; the consumer "
                                      "reads it."},
            "amount": {"type": "string", "maxLength": 20, "examples": ["49.98"],
                       "description": "Required for refunded: what was paid back."},
            "means": {"type": "string", "maxLength": 200,
                      "description": "Refunded: the means of payment (default: the one "
                                     "the consumer used, Art. 13(1))."},
            "date": {"type": "string", "format": "date",
                     "description": "Refunded, returned: when (default: today; never "
                                    "in the future)."},
            "note": {"type": "string", "maxLength": 2000,
                     "description": "Internal: the consumer does not see it."},
        },
    },
    "Decision": {
        "type": "object",
        "required": ["seq", "recorded_at", "outcome", "lines", "by", "reason", "note",
                     "amount", "means", "date", "refund_due", "reverses"],
        "properties": {
            "seq": {"type": "integer", "description": "The decision's chain entry: its id."},
            "recorded_at": {"type": "string", "format": "date-time"},
            "outcome": {"type": "string"},
            "lines": {"type": "array", "items": {"type": "string"},
                      "description": "Empty: the whole statement (no order lines)."},
            "by": {"type": "string", "description": "`api:<token name>` or the auditor."},
            "reason": {"type": "string"},
            "note": {"type": "string"},
            "amount": NULLABLE_STRING,
            "means": NULLABLE_STRING,
            "date": _NULLABLE_DATE,
            "refund_due": {**_NULLABLE_DATE, "description": "Accepted: the refund's last "
                                                            "day (Art. 13(1))."},
            "reverses": {"type": "array", "items": {"type": "integer"},
                         "description": "Corrected: the entries it reverses."},
        },
    },
    "Refund": {
        "type": "object",
        "required": ["currency", "total", "refunded", "outstanding", "delivery_cost",
                     "due_on", "withheld_until_returned", "overdue", "days_left"],
        "properties": {
            "currency": NULLABLE_STRING,
            "total": NULLABLE_STRING, "refunded": NULLABLE_STRING,
            "outstanding": NULLABLE_STRING, "delivery_cost": NULLABLE_STRING,
            "due_on": _NULLABLE_DATE,
            "withheld_until_returned": {"type": "boolean"},
            "overdue": {"type": "boolean"},
            "days_left": {"type": ["integer", "null"]},
        },
    },
    "RecordLine": {
        "type": "object",
        "description": "A line as recorded (with its `assessment` at submission) and its "
                       "state now; `*` stands for a statement without order lines.",
        "required": ["line_id", "state", "amount", "refund_due", "withheld_until_returned",
                     "overdue", "refunded_on", "key_revoked_at", "returned_on"],
        "properties": {
            "line_id": {"type": "string"},
            "state": {"type": "string",
                      "enum": ["undecided", "accepted", "rejected", "refunded"]},
            "amount": NULLABLE_STRING,
            "refund_due": _NULLABLE_DATE,
            "withheld_until_returned": {"type": "boolean"},
            "overdue": {"type": "boolean"},
            "refunded_on": _NULLABLE_DATE,
            "key_revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "returned_on": _NULLABLE_DATE,
            "assessment": {"type": "object"},
        },
    },
}
