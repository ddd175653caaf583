"""JSON shapes shared by the API's resources: an order line with its assessment in words, and
the schemas of the OpenAPI document that describe them."""

from __future__ import annotations

from typing import Any

from ..domain import OrderLine
from ..eligibility import Assessment
from ..templating import present


def assessed_line(line: OrderLine, assessment: Assessment, *, preselected: bool) -> dict[str, Any]:
    """A line as step 2 shows it: its data, the assessment, and the same sentences in the
    request's language."""
    data = assessment.to_json()
    return {
        "line_id": line.line_id,
        "title": line.title,
        "quantity": line.quantity,
        "unit_price": str(line.unit_price),
        "kind": line.kind.value,
        "preselected": preselected,
        "assessment": data,
        "explanation": {
            "status": present.status_text(data["status"]),
            "deadline": present.deadline_text(data),
            "reasons": [present.reason_text(reason) for reason in data["reasons"]],
        },
    }


NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            "recorded": {"type": ["boolean", "null"], "description":
                         "A 503 only: false when the database refused the request (nothing "
                         "was recorded), null when it may have been recorded or it read"},
        },
    },
    "Reason": {
        "type": "object",
        "required": ["code", "article", "message", "params"],
        "properties": {
            "code": {"type": "string"},
            "article": {"type": "string"},
            "message": {"type": "string", "description": "The English message (a msgid)."},
            "params": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Assessment": {
        "type": "object",
        "description": "The legal engine's assessment of one line (docs/legal-engine.md).",
        "required": ["line_id", "status", "assessed_at", "period_start", "deadline",
                     "deadline_timezone", "policy_deadline", "no_cost", "reasons"],
        "properties": {
            "line_id": {"type": "string"},
            "status": {"type": "string", "enum": ["withdrawable", "excluded", "expired",
                                                  "shop-policy", "already-withdrawn"]},
            "assessed_at": {"type": "string", "format": "date-time"},
            "period_start": {"type": ["string", "null"], "format": "date"},
            "deadline": {"type": ["string", "null"], "format": "date-time"},
            "deadline_timezone": NULLABLE_STRING,
            "policy_deadline": {"type": ["string", "null"], "format": "date-time"},
            "no_cost": {"type": "boolean"},
            "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}},
        },
    },
    "AssessedLine": {
        "type": "object",
        "required": ["line_id", "title", "quantity", "unit_price", "kind", "preselected",
                     "assessment", "explanation"],
        "properties": {
            "line_id": {"type": "string"},
            "title": {"type": "string"},
            "quantity": {"type": "integer"},
            "unit_price": {"type": "string", "description": "A decimal as text."},
            "kind": {"type": "string", "enum": ["digital-content", "digital-service",
                                                "service", "goods"]},
            "preselected": {"type": "boolean",
                            "description": "Ticked by default on the pages (withdrawable)."},
            "assessment": {"$ref": "#/components/schemas/Assessment"},
            "explanation": {
                "type": "object",
                "required": ["status", "deadline", "reasons"],
                "properties": {
                    "status": {"type": "string"},
                    "deadline": NULLABLE_STRING,
                    "reasons": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def json_response(schema: str, description: str) -> dict[str, Any]:
    """An OpenAPI response whose body is the named component schema."""
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def error_response(description: str) -> dict[str, Any]:
    return json_response("Error", description)
