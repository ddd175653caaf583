"""What hostile input meets before a view of the consumer's or the audit's pages sees it.

- **Form bodies only.** A POST (PUT, PATCH, DELETE) to a page answers 415 with a translated
  page unless its body is ``application/x-www-form-urlencoded``, or ``multipart/form-data``
  on an endpoint that takes an upload; an empty body without a type passes (it carries
  nothing to misread). A JSON body never reaches WTForms, which would otherwise read ints,
  floats, lists and objects into text fields. The JSON API (``withdrawal.api``) is JSON by
  design and does not use this.
- **Text without NUL or lone surrogates.** :func:`clean_text` drops both from every field of a
  :class:`CleanForm` (PostgreSQL refuses NUL in text, UTF-8 cannot encode a lone surrogate,
  and no browser sends either); other control characters are left to the fields' validators
  (single-line fields refuse them with a field error).
- **Path values** with NUL or a lone surrogate answer 404 (no reference or token has one),
  **query integers** (paging cursors) outside a column's range are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from .form_i18n import FlaskForm  # WTForms' catalogue cached per process
from .i18n import gettext

#: The body a plain HTML form sends.
FORM = "application/x-www-form-urlencoded"
#: The body of a form with a file (``enctype="multipart/form-data"``).
MULTIPART = "multipart/form-data"
#: The largest value of a 64-bit signed integer column (``seq``).
BIGINT_MAX = 2**63 - 1

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

RequestCheck = Callable[[], ResponseReturnValue | None]


def clean_text(value: Any) -> Any:
    """``value`` without NUL and lone surrogates (each item of a list); anything that is not
    text is returned as it is."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, list):
        return [clean_text(item) for item in value]
    return value


def storable(value: str) -> bool:
    """False for text a database column or UTF-8 cannot take (NUL, a lone surrogate)."""
    return _UNSTORABLE.search(value) is None


class CleanForm(FlaskForm):
    """A form whose every field runs :func:`clean_text` before its own filters."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = unbound_field.kwargs.get("filters") or ()
            return unbound_field.bind(form=form, filters=[clean_text, *filters], **options)


def refuse_hostile(template: str, uploads: Iterable[str] = ()) -> RequestCheck:
    """A ``before_request`` for a blueprint of pages: 404 for a path value that cannot be
    stored, 415 (``template`` with a translated message) for a body that is not a form;
    ``uploads`` names the endpoints that take ``multipart/form-data``."""
    with_files = frozenset(uploads)

    def check() -> ResponseReturnValue | None:
        values = request.view_args or {}
        if any(isinstance(v, str) and not storable(v) for v in values.values()):
            raise NotFound()
        if request.method not in _BODY_METHODS or _is_form(request.endpoint in with_files):
            return None
        return _not_a_form(template)

    return check


def _is_form(upload: bool) -> bool:
    mimetype = request.mimetype
    if not mimetype:  # no type: fine when there is no body either
        return not request.content_length and "Transfer-Encoding" not in request.headers
    return mimetype == FORM or (upload and mimetype == MULTIPART)


def _not_a_form(template: str) -> ResponseReturnValue:
    message = gettext("This page takes only what its form sends, as a web browser sends it. "
                      "Please fill in the form on the page.")
    headers = {"Accept-Post": FORM}
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if best == "application/json":
        return jsonify({"error": message}), 415, headers
    return render_template(template, message=message), 415, headers


def query_int(name: str, *, low: int = 1, high: int = BIGINT_MAX) -> int | None:
    """The query parameter ``name`` as an integer within [low, high], else None."""
    value = request.args.get(name, type=int)
    return value if value is not None and low <= value <= high else None
