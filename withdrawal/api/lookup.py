"""``POST lookup``: the order's lines with their assessment, for a storefront's own step 2.

The same guarantees as step 1: number and e-mail must both match, "not found" is the same
whichever was wrong, the look-up counts against the client's rate limit (over it, nothing is
looked up and the answer says so), and nothing is recorded."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from ..i18n import gettext
from ..orders import assessed_now, look_up, preselected
from ..statement import Flag
from .forms import LookupForm, json_object, validated
from .shapes import assessed_line, error_response, json_response


def post_lookup() -> ResponseReturnValue:
    """Look up ``{email, order_number}``."""
    form = validated(LookupForm, json_object(), ("email", "order_number"))
    order, flags = look_up(form.order_number.data, form.email.data)
    if order is None:
        limited = Flag.LOOKUP_RATE_LIMITED in flags
        message = (gettext("We could not check your order just now.") if limited else
                   gettext("We could not find an order with this number and e-mail address."))
        return jsonify({"found": False, "rate_limited": limited, "message": message})
    assessed = assessed_now(order)
    ticked = set(preselected(assessed))
    return jsonify({
        "found": True, "rate_limited": False,
        "order": {
            "number": order.number, "currency": order.currency,
            "concluded_at": order.concluded_at.isoformat(),
            "lines": [assessed_line(line, a, preselected=line.line_id in ticked)
                      for line, a in assessed],
        },
    })


PATHS: dict[str, Any] = {
    "/lookup": {"post": {
        "operationId": "lookUpOrder",
        "tags": ["storefront"],
        "summary": "An order's lines with their assessment, when number and e-mail match",
        "description": (
            "Rate-limited per client address like the pages' step 1. Whatever the answer, the "
            "consumer can still submit a statement (`POST statements`)."),
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/LookupRequest"}}}},
        "responses": {
            "200": json_response("LookupResult", "Found, or not found"),
            "400": error_response("The body is not a JSON object"),
            "422": error_response("A field is missing or invalid"),
        },
    }},
}

SCHEMAS: dict[str, Any] = {
    "LookupRequest": {
        "type": "object",
        "required": ["email", "order_number"],
        "properties": {
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "order_number": {"type": "string", "minLength": 1, "maxLength": 64},
        },
    },
    "LookupResult": {
        "type": "object",
        "required": ["found", "rate_limited"],
        "properties": {
            "found": {"type": "boolean"},
            "rate_limited": {"type": "boolean",
                             "description": "Over the look-up limit: nothing was looked up."},
            "message": {"type": "string", "description": "When not found: what to tell."},
            "order": {
                "type": "object",
                "required": ["number", "currency", "concluded_at", "lines"],
                "properties": {
                    "number": {"type": "string"},
                    "currency": {"type": "string"},
                    "concluded_at": {"type": "string", "format": "date-time"},
                    "lines": {"type": "array",
                              "items": {"$ref": "#/components/schemas/AssessedLine"}},
                },
            },
        },
    },
}
