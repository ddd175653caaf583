"""The three steps: identify, select, confirm.

Only the confirm POST records anything (R6), through ``submission.submit_statement``; these
views only translate HTTP. Order data is asked again at every step and never travels through
the browser.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from .. import spool
from ..country import use_order_country
from ..domain import Order, OrderLine
from ..eligibility import Assessment
from ..guard import DatabaseUnavailable, with_database
from ..i18n import current_language, gettext
from ..links import receipt_url
from ..orders import assessed_now, look_up, order_again, preselected
from ..state import state
from ..statement import Flag
from ..storage.statements import reference_for_key
from ..submission import SpoolUnavailable, submit_statement
from .draft import Draft, DraftTooLarge, Problem, forget_draft, load_draft, save_draft
from .forms import ConfirmForm, IdentifyForm, SelectForm
from .outage import not_recorded, spooled_receipt
from .pages import csrf_error, render_page
from .sent import forget_sent, last_sent, remember_sent


def _draft() -> Draft | None:
    return load_draft().draft


def _order_of(draft: Draft) -> Order | None:
    """The draft's order asked again; once found, its country decides the labels (R1, R6)."""
    order = order_again(draft.order_number, draft.email) if draft.matched else None
    use_order_country(order)
    return order


def identify() -> ResponseReturnValue:
    """Step 1 of 3: name, e-mail address, order number (R5)."""
    draft = _draft()
    form = IdentifyForm(obj=draft if request.method == "GET" else None)
    if form.validate_on_submit():
        order, flags = look_up(form.order_number.data, form.email.data)
        new = Draft(name=form.name.data, email=form.email.data,
                    order_number=form.order_number.data, matched=order is not None, flags=flags)
        if order is not None:
            new.choose(preselected(assessed_now(order)))
        new.keep_choice(draft, order)
        save_preselected(new)
        forget_sent()  # a new statement: the last one's notice has done its job
        return redirect(url_for(".select"))
    return render_page("IDENTIFY", 400 if form.errors else 200, form=form, step=1,
                       sent=last_sent(), draft_problem=_draft_problem())


def save_preselected(draft: Draft) -> None:
    """Keep a new draft; without the preselection if that would not fit (an order of very
    many lines with very long ids): the consumer then ticks the lines at step 2."""
    try:
        save_draft(draft)
    except DraftTooLarge:
        draft.lines = []
        save_draft(draft)


def _draft_problem() -> str | None:
    """Why the draft the browser sent is gone (and the cookie deleted), or None."""
    problem = load_draft().problem
    if problem is None:
        return None
    forget_draft()
    if problem is Problem.EXPIRED:
        return gettext("Your entries were kept for a limited time only and have been deleted. "
                       "Please start again: nothing was sent yet.")
    return gettext("Your entries could not be read any more. Please start again: nothing "
                   "was sent yet.")


def select() -> ResponseReturnValue:
    """Step 2 of 3: the order's lines with their assessment, or a description (R11, R14)."""
    draft = _draft()
    if draft is None:
        return redirect(url_for(".identify"))
    order = _order_of(draft)
    assessed = assessed_now(order) if order else []
    form = SelectForm()
    form.lines.choices = [(line.line_id, line.title) for line, _a in assessed]
    if request.method == "GET":
        form.lines.data, form.description.data = draft.line_ids(order), draft.description
    elif form.validate_on_submit() and _has_choice(form, order) and _kept(form, draft, order):
        return redirect(url_for(".confirm"))
    context = {"form": form, "step": 2, "order": order, "assessed": assessed, "draft": draft}
    return render_page("SELECT", 400 if form.errors else 200, **context)


def _kept(form: SelectForm, draft: Draft, order: Order | None) -> bool:
    """The choice saved in the draft; a field error when it is too long to keep."""
    draft.choose(list(form.lines.data or []) if order else [])
    draft.description = "" if order else (form.description.data or "")
    if order is None and draft.matched:  # the order could not be opened: the words count
        draft.matched = False
        draft.flags = sorted({*draft.flags, Flag.ORDER_LOOKUP_FAILED})
    try:
        save_draft(draft)
    except DraftTooLarge:
        if order is None:
            form.description.errors = [gettext(
                "Your description is too long to be kept between the steps. Please shorten "
                "it.")]
        else:
            form.lines.errors = [gettext(
                "Too many products to keep between the steps. Please choose fewer: you can "
                "withdraw from the others in a second statement.")]
        return False
    return True


def _has_choice(form: SelectForm, order: Order | None) -> bool:
    if order is None or form.lines.data:
        return True
    form.lines.errors = [gettext("Please choose at least one product.")]
    return False


def confirm() -> ResponseReturnValue:
    """Step 3 of 3: the summary and the confirmation function (R6, R7)."""
    form = ConfirmForm()
    if request.method == "POST":
        return _submit(form)
    draft = _draft()
    if draft is None:
        return redirect(url_for(".identify"))
    form.key.data = draft.submission_key()
    return _confirm_page(form, draft)


def _chosen(draft: Draft, order: Order | None) -> list[tuple[OrderLine, Assessment]]:
    if order is None:
        return []
    chosen = set(draft.line_ids(order))
    return [(line, a) for line, a in assessed_now(order) if line.line_id in chosen]


def _confirm_page(form: ConfirmForm, draft: Draft, status: int = 200) -> ResponseReturnValue:
    order = _order_of(draft)
    return render_page("CONFIRM", status, form=form, step=3, draft=draft, order=order,
                       chosen=_chosen(draft, order))


def _submit(form: ConfirmForm) -> ResponseReturnValue:
    draft = _draft()
    if not form.validate_on_submit():
        return _stale_confirmation(draft)
    if draft is None or form.key.data != draft.submission_key():
        return _other_confirmation(form, draft)
    order = _order_of(draft) if draft.needs_order() else None
    try:
        submission = submit_statement(draft.to_request(current_language(), order),
                                      submission_key=draft.submission_key(),
                                      link_base=request.url_root)
    except SpoolUnavailable:
        return not_recorded()  # the draft stays: the consumer may try again
    forget_draft()
    remember_sent(submission.reference)
    if submission.spooled is not None:
        return spooled_receipt(submission.spooled)
    return redirect(receipt_url(submission.reference))


def _other_confirmation(form: ConfirmForm, draft: Draft | None) -> ResponseReturnValue:
    """A confirmation of another draft: the receipt if it was already recorded or spooled
    (R20), else the current draft's summary again (409), or step 1 when there is none."""
    key = form.key.data or ""
    spooled = spool.find(state().spool_dir, key)
    if spooled is not None:
        return spooled_receipt(spooled.content)
    try:
        existing = with_database(lambda engine: reference_for_key(engine, key))
    except DatabaseUnavailable:
        existing = None
    if existing:
        return redirect(receipt_url(existing))
    if draft is None:
        return redirect(url_for(".identify"))
    form.key.data = draft.submission_key()
    return _confirm_page(form, draft, 409)


def _stale_confirmation(draft: Draft | None) -> ResponseReturnValue:
    """An expired CSRF token: show the summary again with a fresh one, record nothing."""
    if draft is None:
        return csrf_error(CSRFError())
    form = ConfirmForm(formdata=None)
    form.key.data = draft.submission_key()
    form.csrf_token.errors = [gettext("Your session has expired.")]
    return _confirm_page(form, draft, 400)
