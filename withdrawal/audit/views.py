"""The audit area's list pages: overview (refunds due, chart), statements (search, filters,
keyset pages), exports and the chain's integrity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue

from ..anchoring.witnesses import witness_evidence
from ..config import config_value
from ..delivery.outbox import waiting
from ..hostile import query_int
from ..i18n import gettext
from ..state import state
from . import export, paging
from .chart import build_chart, daily_counts
from .context import auditor_name, today, trader_zone
from .decisions import refunds_due
from .export_rows import export_rows
from .forms import ActionForm, FilterForm
from .integrity import latest_checks, verify_and_store
from .pages import expired_form
from .queries import Filters, Scope
from .wording import KNOWN_FLAGS

#: The overview lists refunds falling due within this many days.
DUE_SOON_DAYS = 7
#: A message due for longer than this is unsent: no worker runs, or they cannot keep up.
UNSENT_AFTER = timedelta(minutes=5)


def scope() -> Scope:
    return Scope(zone=trader_zone(), today=today())


def overview() -> ResponseReturnValue:
    """Refunds overdue and due soon (a refund that may still wait for goods, Art. 13(3), is
    never overdue), and statements per day over 90 days."""
    engine, current = state().engine, today()
    due = refunds_due(engine, until=current + timedelta(days=DUE_SOON_DAYS))
    chart = build_chart(daily_counts(engine, current, trader_zone()))
    overdue = [r for r in due if r.refund_due < current and not r.withheld]
    return render_template(
        "withdrawal/audit/overview.html", overdue=overdue,
        due_soon=[r for r in due if r not in overdue], due_days=DUE_SOON_DAYS, chart=chart,
        waiting=waiting(engine, UNSENT_AFTER), unsent_minutes=UNSENT_AFTER.seconds // 60,
    )


def _filters() -> tuple[FilterForm, Filters | None]:
    form = FilterForm(formdata=request.args)
    return form, form.filters() if form.validate() else None


def statements() -> ResponseReturnValue:
    """Every statement, newest first, with search and filters."""
    form, filters = _filters()
    if filters is None:
        return _invalid_filters(form)
    # A cursor that is no statement's seq (not a number, out of range) means the first page.
    result = paging.page(state().engine, filters, scope(), before=query_int("before"),
                         after=query_int("after"), size=paging.PAGE_SIZE)
    return render_template("withdrawal/audit/list.html", form=form, result=result,
                           args=filters.as_args(), known_flags=KNOWN_FLAGS)


def _invalid_filters(form: FilterForm) -> ResponseReturnValue:
    """The list's page with each invalid filter's message beside it (400)."""
    return render_template("withdrawal/audit/list.html", form=form, result=None, args={},
                           known_flags=KNOWN_FLAGS), 400


def export_list(fmt: str) -> ResponseReturnValue:
    """The filtered list as CSV or JSON Lines, streamed in constant memory; invalid filters
    answer the list's page with their messages."""
    form, filters = _filters()
    if filters is None:
        return _invalid_filters(form)
    rows = export_rows(state().engine, filters, scope())
    chunks = export.chunks(fmt, rows)
    # The first chunk before the answer: the query runs here, so a database that refuses it
    # answers 503 (``database_errors``) instead of a 200 cut off before its first row.
    first = next(chunks)
    name = f"withdrawal-statements-{today().isoformat()}.{fmt}"
    return Response(
        stream_with_context(_resumed(first, chunks)), mimetype=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _resumed(first: str, rest: Iterator[str]) -> Iterator[str]:
    """``first``, then the rest (closed with this generator: a client that goes away lets the
    export's connection go)."""
    yield first
    yield from rest


def integrity_page() -> ResponseReturnValue:
    """The latest verifications of the chain, and the button to run one now."""
    return render_template("withdrawal/audit/integrity.html",
                           checks=latest_checks(state().engine, 20), form=ActionForm())


def verify_now() -> ResponseReturnValue:
    """Verify the whole chain now and keep the result."""
    if not ActionForm().validate_on_submit():
        return expired_form()
    check = verify_and_store(state().engine, by=auditor_name(),
                             witnesses=witness_evidence(config_value("WITNESSES")))
    if check.ok:
        flash(gettext("The chain is intact: %(n)s statements, %(m)s entries.",
                      n=check.statements, m=check.entries), "ok")
    else:
        flash(gettext("The chain is broken: %(problem)s", problem=check.problem), "error")
    return redirect(url_for(".integrity_page"))
