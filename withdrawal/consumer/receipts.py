"""The on-screen receipt (R10) that is also the status page, its PDF, and the Annex I(B) model
withdrawal form."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from .. import spool
from ..backoffice import load_standing
from ..guard import DatabaseUnavailable, with_database
from ..i18n import current_language, gettext
from ..links import reference_from_token
from ..receipt.issue import receipt_pdf
from ..receipt.modelform import render_model_form_pdf
from ..spool import SpooledStatement
from ..state import state, trader
from ..storage.statements import StoredStatement, load_statement
from .outage import not_shown, spooled_receipt
from .pages import render_page


def _statement(token: str) -> StoredStatement | SpooledStatement | None:
    """The statement recorded, or waiting in the spool, under the token's reference; None
    when the database cannot say and the spool does not have it."""
    reference = reference_from_token(token)
    if not reference:
        abort(404)
    try:
        statement = with_database(lambda engine: load_statement(engine, reference))
    except DatabaseUnavailable:
        return spool.find_reference(state().spool_dir, reference)
    if statement is None:
        spooled = spool.find_reference(state().spool_dir, reference)
        if spooled is None:
            abort(404)
        return spooled
    if statement.erased:
        abort(410)  # erased under the retention period: nothing personal is shown any more
    return statement


def receipt(token: str) -> ResponseReturnValue:
    """The on-screen receipt (R10), reached through the signed link only; since issue 14 also
    the status page: each line's state, the refund and its last day, the return
    instructions and the decisions. Never cached: it changes with every decision."""
    statement = _statement(token)
    if statement is None:
        return not_shown()
    if isinstance(statement, SpooledStatement):
        return spooled_receipt(statement.content)
    content = statement.content
    local_zone = content.get("timezone") or trader().timezone
    today = datetime.now(ZoneInfo(local_zone)).date()  # a stored zone that vanished fails here
    standing = load_standing(statement.reference, today=today, statement=statement)
    return render_page(
        "RECEIPT", statement=statement, content=content, local_zone=local_zone, token=token,
        standing=standing)


def receipt_pdf_download(token: str) -> ResponseReturnValue:
    """The acknowledgement's PDF, the same bytes the e-mail carries (R10)."""
    statement = _statement(token)
    if not isinstance(statement, StoredStatement):
        return not_shown()  # the PDF is made once the statement is recorded
    pdf = receipt_pdf(state().engine, statement, request.url_root)
    disposition = "inline" if request.args.get("view") else "attachment"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="withdrawal-{statement.reference}.pdf"',
    })


def model_form() -> ResponseReturnValue:
    """The Annex I(B) model withdrawal form in the consumer's language, with our details: the
    function supplements, never replaces, the other ways to withdraw (Art. 11a(1))."""
    lang = current_language()
    with force_locale(lang):
        pdf = render_model_form_pdf(trader=trader(), gettext=gettext, locale=lang)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="withdrawal-form-{lang}.pdf"',
    })
