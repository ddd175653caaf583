"""The on-screen receipt (R10), its PDF, and the Annex I(B) model withdrawal form."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, abort, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from ..i18n import current_language, gettext
from ..links import reference_from_token
from ..receipt.issue import receipt_pdf
from ..receipt.modelform import render_model_form_pdf
from ..state import state, trader
from ..storage.statements import StoredStatement, load_statement
from .pages import render_page


def _statement(token: str) -> StoredStatement:
    reference = reference_from_token(token)
    statement = load_statement(state().engine, reference) if reference else None
    if statement is None:
        abort(404)
    if statement.erased:
        abort(410)  # erased under the retention period: nothing personal is shown any more
    return statement


def receipt(token: str) -> ResponseReturnValue:
    """The on-screen receipt (R10), reached through the signed link only."""
    statement = _statement(token)
    content = statement.content
    local_zone = content.get("timezone") or trader().timezone
    ZoneInfo(local_zone)  # a stored zone that no longer exists would fail here, loudly
    return render_page("RECEIPT", statement=statement, content=content, local_zone=local_zone,
                       token=token)


def receipt_pdf_download(token: str) -> ResponseReturnValue:
    """The acknowledgement's PDF, the same bytes the e-mail carries (R10)."""
    statement = _statement(token)
    pdf = receipt_pdf(state().engine, statement, request.url_root)
    disposition = "inline" if request.args.get("view") else "attachment"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="withdrawal-{statement.reference}.pdf"',
        "Cache-Control": "private, no-store",
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
