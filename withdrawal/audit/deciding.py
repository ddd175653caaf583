"""Deciding line by line on a statement's page: the decision form with the statement's lines
as choices, and what the page shows about the decisions (each line's state, the refund, the
history)."""

from __future__ import annotations

from typing import Any

from ..decisions import WHOLE, refund_of
from ..i18n import gettext
from .context import today
from .forms import DecideForm, options
from .records import StatementRecord

#: The form's field ids start with this, unique beside the page's other forms.
PREFIX = "decide"


def line_choices(record: StatementRecord) -> list[Any]:
    """(line id, label) for every line; the whole statement when it has none."""
    lines = record.content.get("lines") or []
    if not lines:
        return options((WHOLE, gettext("The whole statement (no order lines)")))
    return options(*((str(line["line_id"]), f"{line['line_id']}: {line.get('title')}")
                     for line in lines))


def decide_form(record: StatementRecord, **kwargs: Any) -> DecideForm:
    """The decision form of this statement, read from the request (``formdata=None``: an
    empty one)."""
    form = DecideForm(prefix=PREFIX, **kwargs)
    form.lines.choices = line_choices(record)
    return form


def detail_context(record: StatementRecord, form: DecideForm | None) -> dict[str, Any]:
    """What the decisions section of the page needs."""
    decided, current = record.decided, today()
    refund = refund_of(decided.content, decided.folded, current) if decided else None
    if form is None:
        form = decide_form(record, formdata=None)
        if refund is not None and refund.outstanding:
            form.amount.data = str(refund.outstanding)
    lines = list(decided.folded.lines.values()) if decided else []
    entries = list(reversed(decided.folded.decisions)) if decided else []
    return {"decide_form": form, "decided_lines": lines, "refund": refund,
            "decisions": entries, "whole": WHOLE}
