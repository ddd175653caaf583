"""The three steps: identify, select, confirm.

Only the confirm POST records anything (R6). Nothing about an order is shown unless number and
e-mail both match, and the "not found" answer is the same whichever was wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    current_app,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from .blueprint import blueprint, csrf_error
from .blueprint import render_page as _render
from .config import config_value
from .delivery.worker import deliver_in_background
from .domain import Order
from .eligibility import ShopPolicy
from .extension import state, trader
from .flow import (
    Draft,
    LawContext,
    StatementInput,
    assess_lines,
    build_content,
    find_order,
    preselected,
)
from .forms import ConfirmForm, IdentifyForm, SelectForm
from .i18n import current_language, gettext
from .labels import labels_for
from .links import receipt_url
from .signals import statement_submitted
from .storage.statements import (
    Recipient,
    load_statement,
    record_statement,
    reference_for_key,
    utcnow,
)
from .storage.statements import withdrawn_lines as _withdrawn_lines
from .zones import consumer_timezone

DRAFT_KEY = "withdrawal_draft"
log = logging.getLogger(__name__)


def _draft() -> Draft | None:
    return Draft.from_session(session.get(DRAFT_KEY))


def _save(draft: Draft) -> None:
    session[DRAFT_KEY] = draft.to_session()


def _law() -> LawContext:
    days = config_value("PREORDER_CANCEL_DAYS_BEFORE_RELEASE")
    return LawContext(trader(), ShopPolicy(preorder_cancel_days_before_release=days))


def _order_of(draft: Draft) -> Order | None:
    """Asked again at every step: order data never travels through the browser."""
    if not draft.matched:
        return None
    order, _flags = find_order(state().order_source, draft.order_number, draft.email)
    return order


@blueprint.route("/", methods=["GET", "POST"])
def identify() -> ResponseReturnValue:
    """Step 1 of 3: name, e-mail address, order number (R5)."""
    draft = _draft()
    form = IdentifyForm(obj=draft if request.method == "GET" else None)
    if form.validate_on_submit():
        order, flags = _look_up(form.order_number.data, form.email.data)
        new = Draft(name=form.name.data, email=form.email.data,
                    order_number=form.order_number.data, matched=order is not None, flags=flags)
        if order is not None:
            new.lines = preselected(_assessed(order))
        _save(new)
        return redirect(url_for(".select"))
    return _render("IDENTIFY", 400 if form.errors else 200, form=form, step=1)


def _look_up(number: str, email: str) -> tuple[Order | None, list[str]]:
    """The order, unless this client is over the look-up limit: then the statement goes on
    unmatched and flagged, never refused."""
    limiter = state().lookup_limiter
    if limiter is not None and not limiter.allow():
        return None, ["lookup-rate-limited"]
    return find_order(state().order_source, number, email)


def _assessed(order: Order) -> list[Any]:
    engine = state().engine
    with engine.connect() as conn:
        withdrawn = _withdrawn_lines(conn, order.number)
    return assess_lines(order, utcnow(), _law(), withdrawn)


@blueprint.route("/select", methods=["GET", "POST"])
def select() -> ResponseReturnValue:
    """Step 2 of 3: the order's lines with their assessment, or a description (R11, R14)."""
    draft = _draft()
    if draft is None:
        return redirect(url_for(".identify"))
    order = _order_of(draft)
    assessed = _assessed(order) if order else []
    form = SelectForm()
    form.lines.choices = [(line.line_id, line.title) for line, _a in assessed]
    if request.method == "GET":
        form.lines.data, form.description.data = draft.lines, draft.description
    elif form.validate_on_submit() and _has_choice(form, order):
        draft.lines = list(form.lines.data or []) if order else []
        draft.description = "" if order else (form.description.data or "")
        _save(draft)
        return redirect(url_for(".confirm"))
    context = {"form": form, "step": 2, "order": order, "assessed": assessed, "draft": draft}
    return _render("SELECT", 400 if form.errors else 200, **context)


def _has_choice(form: SelectForm, order: Order | None) -> bool:
    if order is None or form.lines.data:
        return True
    form.lines.errors = [gettext("Please choose at least one product.")]
    return False


@blueprint.route("/confirm", methods=["GET", "POST"])
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


def _confirm_page(form: ConfirmForm, draft: Draft, status: int = 200) -> ResponseReturnValue:
    order = _order_of(draft)
    chosen = [(line, a) for line, a in _assessed(order)
              if line.line_id in draft.lines] if order else []
    return _render("CONFIRM", status, form=form, step=3, draft=draft, order=order,
                   chosen=chosen)


def _submit(form: ConfirmForm) -> ResponseReturnValue:
    draft = _draft()
    if not form.validate_on_submit():
        return _stale_confirmation(form, draft)
    if draft is None or form.key.data != draft.submission_key():
        existing = reference_for_key(state().engine, form.key.data or "")
        if existing:
            return redirect(receipt_url(existing))
        if draft is None:
            return redirect(url_for(".identify"))
        form.key.data = draft.submission_key()
        return _confirm_page(form, draft, 409)
    reference = _record(draft)
    session.pop(DRAFT_KEY, None)
    return redirect(receipt_url(reference))


def _stale_confirmation(form: ConfirmForm, draft: Draft | None) -> ResponseReturnValue:
    """An expired CSRF token: show the summary again with a fresh one, record nothing."""
    if draft is None:
        return csrf_error(CSRFError())
    form = ConfirmForm(formdata=None)
    form.key.data = draft.submission_key()
    form.csrf_token.errors = [gettext("Your session has expired.")]
    return _confirm_page(form, draft, 400)


def _record(draft: Draft) -> str:
    order = _order_of(draft)
    if draft.matched and order is None:
        draft.flags = sorted(set(draft.flags) | {"order-vanished"})
    lang = current_language()
    data = StatementInput(
        draft=draft, order=order, labels=labels_for(lang, config_value("LABELS")), locale=lang,
        timezone=consumer_timezone(order.country if order else "", trader().timezone),
        law=_law(),
    )
    reference, created = record_statement(
        state().engine, submission_key=draft.submission_key(),
        order_number=order.number if order else None,
        build=lambda at, withdrawn, ref: build_content(data, at, withdrawn, ref),
        recipients=_recipients, link_base=request.url_root,
    )
    if created:
        _after_commit(reference)
    return reference


def _after_commit(reference: str) -> None:
    """The statement is committed: start its acknowledgement, then tell the shop. A failing
    shop receiver is logged; it must not cost the consumer the receipt page."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if config_value("DELIVER_AFTER_COMMIT"):
        deliver_in_background(app, reference)
    statement = load_statement(state().engine, reference)
    try:
        statement_submitted.send(app, reference=reference,
                                 statement=statement.content if statement else None)
    except Exception:
        log.exception("a statement_submitted receiver failed for %s", reference)


def _recipients(content: dict[str, Any]) -> list[Recipient]:
    """Who is told: the consumer; the order's address if it differs (R22); the shop's copy."""
    recipients = [Recipient("acknowledgement", content["email"])]
    order_email = content.get("order_email")
    if order_email and order_email.strip().casefold() != content["email"].strip().casefold():
        recipients.append(Recipient("order-notice", order_email))
    recipients += [Recipient("shop-copy", a) for a in config_value("NOTIFY")]
    return recipients
