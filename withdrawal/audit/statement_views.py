"""One statement: everything recorded about it, its decisions and resends, its documents and
its evidence bundle."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue

from ..backoffice import record_decision
from ..decisions import SAME_MEANS, DecisionRefused, InvalidDecision
from ..i18n import gettext
from ..state import state
from ..statement import DocumentKind, notice_kind
from ..storage.documents import kept_document
from ..storage.engine import one_snapshot
from ..storage.statements import utcnow
from .bundle import bundle_files, bundle_zip
from .context import auditor_name
from .deciding import decide_form, detail_context
from .forms import ActionForm
from .pages import expired_form
from .records import StatementRecord, load_record
from .resend import ResendError, request_resend

REJECTION_REASONS = ("Art. 16(m) exclusion", "Submitted after the withdrawal period (late)",
                     "No contract with this consumer", "Duplicate statement")
PAYMENT_MEANS = (SAME_MEANS,)


def _record_or_404(reference: str) -> StatementRecord:
    record = load_record(state().engine, reference)
    if record is None:
        abort(404)
    return record


def _detail(record: StatementRecord, status: int = 200, form: Any = None) -> ResponseReturnValue:
    return render_template(
        "withdrawal/audit/detail.html", record=record, content=record.content,
        action_form=ActionForm(formdata=None), rejection_reasons=REJECTION_REASONS,
        payment_means=PAYMENT_MEANS, **detail_context(record, form),
    ), status


def statement(reference: str) -> ResponseReturnValue:
    """All that was recorded about one statement."""
    return _detail(_record_or_404(reference))


def decide(reference: str) -> ResponseReturnValue:
    """Append a decision on some lines (never an edit) through ``backoffice.record_decision``;
    an incomplete decision (400) or one the order of states refuses (409) records nothing
    and says why beside the field."""
    record = _record_or_404(reference)
    form = decide_form(record)
    if not form.validate_on_submit():
        return _detail(record, 400, form)
    try:
        record_decision(
            reference, form.outcome.data, form.lines.data or (), by=auditor_name(),
            reason=form.reason.data or "", amount=form.amount.data or None,
            means=form.means.data or "", date=form.date.data, note=form.note.data or "")
    except InvalidDecision as exc:
        form[exc.field].errors = [*form[exc.field].errors, exc.problem.text(gettext)]
        return _detail(record, 400, form)
    except DecisionRefused as exc:
        form.lines.errors = [p.text(gettext) for p in exc.problems]
        return _detail(record, 409, form)
    flash(gettext("Decision recorded."), "ok")
    return redirect(url_for(".statement", reference=reference, _anchor="decisions"))


def resend(reference: str) -> ResponseReturnValue:
    """Queue the acknowledgement again (a new outbox entry, logged as an event)."""
    _record_or_404(reference)
    if not ActionForm().validate_on_submit():
        return expired_form()
    try:
        request_resend(state().engine, reference, by=auditor_name())
    except ResendError:
        flash(gettext("The acknowledgement cannot be sent again: the consumer's address was "
                      "erased under the retention period."), "error")
    else:
        flash(gettext("The acknowledgement is queued; the delivery worker sends it."), "ok")
    return redirect(url_for(".statement", reference=reference, _anchor="deliveries"))


def _document(reference: str, kind: str) -> bytes:
    content = kept_document(state().engine, reference, kind)
    if content is None:
        abort(404)
    return content


def receipt(reference: str, download: bool = False) -> ResponseReturnValue:
    """The acknowledgement PDF exactly as kept: viewed inline, or downloaded."""
    content = _document(reference, DocumentKind.RECEIPT_PDF)
    disposition = "attachment" if download else "inline"
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{reference}-acknowledgement.pdf"'})


def acknowledgement_eml(reference: str) -> ResponseReturnValue:
    """The consumer's acknowledgement e-mail exactly as sent (RFC 822)."""
    content = _document(reference, DocumentKind.ACKNOWLEDGEMENT_EML)
    return Response(content, mimetype="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="{reference}-acknowledgement.eml"'})


def decision_notice_eml(reference: str, seq: int) -> ResponseReturnValue:
    """The notice of the decision recorded as entry ``seq``, exactly as sent (RFC 822)."""
    content = _document(reference, notice_kind(seq))
    return Response(content, mimetype="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="{reference}-decision-{seq}.eml"'})


def evidence(reference: str) -> ResponseReturnValue:
    """The evidence bundle: a ZIP anyone can check without this software."""
    now = utcnow()
    with state().engine.connect() as opened:
        conn = one_snapshot(opened)  # the record and every file: one instant of the record
        record = load_record(conn, reference)
        if record is None:
            abort(404)
        files = bundle_files(conn, record, by=auditor_name(), now=now, readme=_readme)
    name = f"{reference}-evidence-{now.strftime('%Y%m%dT%H%M%SZ')}"
    return Response(bundle_zip(files, name, now), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}.zip"'})


def _readme(facts: dict[str, Any]) -> str:
    return render_template("withdrawal/audit/evidence_readme.txt", **facts)
