"""The API's request bodies, checked by the same WTForms fields as the pages (the same rules and
the same translated messages), fed from JSON instead of a form post."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from ..audit.forms import DecideForm
from ..consumer.forms import IdentifyForm, SelectForm
from ..form_i18n import FlaskForm
from ..hostile import storable
from ..i18n import gettext
from ..labels import LANGUAGES, base_language
from .errors import fail


class LookupForm(FlaskForm):
    """``POST lookup``: the two fields that open an order."""

    class Meta:
        csrf = False

    email = IdentifyForm.email
    order_number = IdentifyForm.order_number


class StatementForm(FlaskForm):
    """``POST statements``: step 1's three fields and step 2's description."""

    class Meta:
        csrf = False

    name = IdentifyForm.name
    email = IdentifyForm.email
    order_number = IdentifyForm.order_number
    description = SelectForm.description


class DecisionForm(FlaskForm):
    """``POST statements/<reference>/decisions``: the audit decision form's limits on the
    texts (lengths, an ISO date); whether the decision is complete and allowed is
    ``withdrawal.decisions``' to say."""

    class Meta:
        csrf = False

    reason = DecideForm.reason
    amount = DecideForm.amount
    means = DecideForm.means
    date = DecideForm.date
    note = DecideForm.note


def json_object() -> dict[str, Any]:
    """The request's body as a JSON object, or a 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        fail(400, gettext("The request body must be a JSON object."))
    return data


def validated(form_class: type[FlaskForm], data: Mapping[str, Any],
              names: Iterable[str]) -> FlaskForm:
    """A form filled from ``data`` and validated; 422 with every field's message if not."""
    names = tuple(names)
    problems = {name: gettext("Please send text.") for name in names
                if data.get(name) is not None and not isinstance(data[name], str)}
    form = form_class(formdata=MultiDict(
        {name: data[name] for name in names if isinstance(data.get(name), str)}))
    if not form.validate() or problems:
        errors = {name: " ".join(str(e) for e in messages)
                  for name, messages in form.errors.items()}
        fail(422, gettext("Please check the fields."), fields={**errors, **problems})
    return form


def string_list(data: Mapping[str, Any], name: str, *, longest: int = 100) -> list[str]:
    """A list of strings (e.g. line ids), or a 422 naming the field."""
    value = data.get(name)
    if value is None:
        return []
    if (not isinstance(value, list) or len(value) > longest
            or not all(isinstance(item, str) and 0 < len(item) <= 200 and storable(item)
                       for item in value)):
        fail(422, gettext("Please check the fields."),
             fields={name: gettext("Please send a list of line ids.")})
    return list(dict.fromkeys(value))


def api_locale(value: Any, default: str) -> str:
    """A language of the labels catalogue (``de-AT`` -> ``de``), else ``default``."""
    if isinstance(value, str) and base_language(value) in LANGUAGES:
        return base_language(value)
    return default
