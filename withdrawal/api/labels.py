"""``GET labels?locale=``: what a storefront shows around its own form: the statutory labels of
the entry link and the confirmation button (legal text, from the labels catalogue, never
translated by gettext) and the names of the fields, in that language."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from ..config import config_value
from ..country import consumer_country
from ..i18n import COMPLETE_LANGUAGES, current_language, gettext, pgettext
from ..labels import labels_for
from .forms import api_locale


def get_labels() -> ResponseReturnValue:
    """The statutory labels and the field names for ``locale`` (default: the request's)."""
    lang = api_locale(request.args.get("locale"), current_language())
    # the country's wording, as the pages show it and the statement records it
    labels = labels_for(lang, config_value("LABELS"), country=consumer_country(lang))
    text_lang = lang if lang in COMPLETE_LANGUAGES else "en"
    with force_locale(text_lang):
        fields = {
            "name": pgettext("consumer", "Name"),
            "email": gettext("E-mail address"),
            "order_number": gettext("Order number"),
            "description": gettext("Describe your contract (optional)"),
        }
    return jsonify({"locale": lang, "text_locale": text_lang, "labels": labels.to_json(),
                    "fields": fields})


PATHS: dict[str, Any] = {
    "/labels": {"get": {
        "operationId": "getLabels",
        "tags": ["storefront"],
        "summary": "The statutory labels and the field names in one language",
        "description": (
            "The entry label (the link to the function) and the confirmation label (the "
            "button that submits) are legal text: show them exactly. `text_locale` is the "
            "language of the field names (English where only the labels exist)."),
        "parameters": [{
            "name": "locale", "in": "query", "required": False,
            "schema": {"type": "string", "maxLength": 35},
            "description": "A language such as `de` or `de-AT`; unknown ones fall back to the "
                           "request's language.",
        }],
        "responses": {"200": {"description": "The labels", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Labels"}}}}},
    }},
}

SCHEMAS: dict[str, Any] = {
    "Labels": {
        "type": "object",
        "required": ["locale", "text_locale", "labels", "fields"],
        "properties": {
            "locale": {"type": "string"},
            "text_locale": {"type": "string"},
            "labels": {"$ref": "#/components/schemas/StatutoryLabels"},
            "fields": {
                "type": "object",
                "required": ["name", "email", "order_number", "description"],
                "properties": {key: {"type": "string"} for key in
                               ("name", "email", "order_number", "description")},
            },
        },
    },
    "StatutoryLabels": {
        "type": "object",
        "required": ["locale", "entry", "confirm", "verified", "source", "overridden"],
        "properties": {
            "locale": {"type": "string"},
            "entry": {"type": "string", "description": "The entry label, e.g. "
                                                       "\"Withdraw from contract here\"."},
            "confirm": {"type": "string", "description": "The confirmation button's label, "
                                                         "e.g. \"Confirm withdrawal\"."},
            "verified": {"type": "boolean"},
            "source": {"type": "string"},
            "overridden": {"type": "boolean"},
        },
    },
}
