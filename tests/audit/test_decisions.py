"""Issue points 4 and 5: decisions are appended events, never edits, through CSRF-protected
forms; the refund falls due 14 days after the statement (R15); decision_recorded fires; the
overview lists refunds due soon and overdue; the acknowledgement can be sent again."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from audit.support import record
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from support import csrf_token, engine_of

from withdrawal.audit.decisions import (
    Decision,
    DecisionError,
    rebuild_decisions_index,
    record_decision,
    refund_due,
)
from withdrawal.audit.resend import ResendError, request_resend
from withdrawal.audit.retention import erase_statement
from withdrawal.storage.statements import events_of
from withdrawal.storage.tables import decisions_index, ledger, outbox, statements

P = "/withdrawal/audit/statements"


def decide(auditor: FlaskClient, reference: str, kind: str, **fields: str) -> Any:
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    data = {f"{kind}-{name}": value for name, value in fields.items()}
    data[f"{kind}-csrf_token"] = csrf_token(page)
    return auditor.post(f"{P}/{reference}/decision/{kind}", data=data)


def ledger_rows(app: Flask) -> list[Any]:
    with engine_of(app).connect() as conn:
        return list(conn.execute(select(ledger).order_by(ledger.c.seq)).all())


def submitted_on(app: Flask, reference: str) -> date:
    with engine_of(app).connect() as conn:
        at = conn.execute(select(statements.c.submitted_at)
                          .where(statements.c.reference == reference)).scalar_one()
    return at.date()  # type: ignore[no-any-return]


def test_accept_appends_an_event_with_the_refund_due_date_and_fires_the_signal(
    app: Flask, auditor: FlaskClient, recorded_signals: Any,
) -> None:
    reference = record(app, days_ago=3)
    before = ledger_rows(app)
    response = decide(auditor, reference, "accepted", note="Key unused")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{P}/{reference}#decisions")
    after = ledger_rows(app)
    assert after[:len(before)] == before  # nothing earlier changed
    assert len(after) == len(before) + 1
    due = (submitted_on(app, reference) + timedelta(days=14)).isoformat()
    data = json.loads(after[-1].body)
    assert data == {"type": "decision", "data": {
        "decision": "accepted", "by": "clara", "note": "Key unused", "refund_due": due}}
    assert recorded_signals.received == [("decision_recorded", {
        "reference": reference, "decision": "accepted", "data": data["data"]})]
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "Decision recorded." in page and f"refund due {due}" in page


def test_reject_needs_a_reason_and_records_nothing_without_one(
    app: Flask, auditor: FlaskClient, recorded_signals: Any,
) -> None:
    reference = record(app)
    count = len(ledger_rows(app))
    response = decide(auditor, reference, "rejected", reason="  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please give the reason." in html
    assert 'id="rejected-reason-error"' in html and 'aria-invalid="true"' in html
    assert len(ledger_rows(app)) == count and recorded_signals.received == []
    assert decide(auditor, reference, "rejected", reason="Art. 16(m) exclusion").status_code == 302
    event = events_of(engine_of(app), reference)[-1]
    assert event["data"]["reason"] == "Art. 16(m) exclusion"
    assert "refund_due" not in event["data"]


def test_refund_needs_date_and_means_of_payment(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app, days_ago=5)
    decide(auditor, reference, "accepted")
    missing = decide(auditor, reference, "refunded", refunded_on="")
    assert missing.status_code == 400
    assert "Please give the date." in missing.get_data(as_text=True)
    future = (date.today() + timedelta(days=3)).isoformat()
    assert decide(auditor, reference, "refunded", refunded_on=future,
                  means_of_payment="card").status_code == 400
    today = date.today().isoformat()
    assert decide(auditor, reference, "refunded", refunded_on=today,
                  means_of_payment="Visa card, as paid").status_code == 302
    data = events_of(engine_of(app), reference)[-1]["data"]
    assert data["refunded_on"] == today and data["means_of_payment"] == "Visa card, as paid"
    assert _index(app, reference)["state"] == "refunded"


def test_key_revocation_keeps_the_refund_state(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    decide(auditor, reference, "accepted")
    assert decide(auditor, reference, "key-revoked").status_code == 302
    row = _index(app, reference)
    assert row["state"] == "accepted" and row["key_revoked_at"] is not None
    assert row["refund_due"] == submitted_on(app, reference) + timedelta(days=14)
    assert "key revoked" in auditor.get(P).get_data(as_text=True)


def _index(app: Flask, reference: str) -> dict[str, Any]:
    with engine_of(app).connect() as conn:
        row = conn.execute(select(decisions_index)
                           .where(decisions_index.c.reference == reference)).one()
    return dict(row._mapping)


def test_decision_forms_require_the_csrf_token(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    response = auditor.post(f"{P}/{reference}/decision/accepted", data={})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert events_of(engine_of(app), reference) == []


def test_unknown_decision_kind_is_404(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    assert auditor.post(f"{P}/{reference}/decision/approved").status_code == 404


@pytest.mark.parametrize(("decision", "message"), [
    pytest.param(Decision("maybe", by="x"), "unknown decision", id="unknown"),
    pytest.param(Decision("rejected", by="x"), "needs a reason", id="reject-without-reason"),
    pytest.param(Decision("refunded", by="x", means_of_payment="card"), "date",
                 id="refund-without-date"),
    pytest.param(Decision("refunded", by="x", refunded_on=date(2026, 1, 1)), "means",
                 id="refund-without-means"),
])
def test_invalid_decisions_are_refused(app: Flask, decision: Decision, message: str) -> None:
    reference = record(app)
    with pytest.raises(DecisionError, match=message):
        record_decision(engine_of(app), reference, decision)


def test_decision_on_unknown_statement_raises(app: Flask) -> None:
    with pytest.raises(LookupError):
        record_decision(engine_of(app), "W-0000-0000", Decision("accepted", by="x"))


@pytest.mark.parametrize(("submitted", "due"), [
    pytest.param("2026-06-19T10:00:00+00:00", date(2026, 7, 3), id="R15-14-days"),
    pytest.param("2026-12-31T23:59:59.999999+00:00", date(2027, 1, 14), id="R15-year-end"),
    pytest.param("2026-06-19T23:30:00+00:00", date(2026, 7, 3), id="R15-utc-date"),
])
def test_refund_due_is_14_days_after_the_statement(submitted: str, due: date) -> None:
    from datetime import datetime

    assert refund_due(datetime.fromisoformat(submitted)) == due


def test_the_index_can_be_rebuilt_from_the_chain(app: Flask) -> None:
    engine = engine_of(app)
    first, second = record(app), record(app)
    record_decision(engine, first, Decision("accepted", by="x"))
    record_decision(engine, first, Decision("refunded", by="x", refunded_on=date(2026, 1, 2),
                                            means_of_payment="card"))
    record_decision(engine, second, Decision("rejected", by="x", reason="late"))
    before = {ref: _index(app, ref) for ref in (first, second)}
    assert rebuild_decisions_index(engine) == 3
    after = {ref: _index(app, ref) for ref in (first, second)}
    assert after == before


def test_overview_lists_refunds_overdue_and_due_soon(app: Flask, auditor: FlaskClient) -> None:
    engine = engine_of(app)
    overdue = record(app, name="Olga Overdue", days_ago=20)
    soon = record(app, name="Sam Soon", days_ago=10)
    later = record(app, name="Larry Later", days_ago=1)
    refunded = record(app, name="Rita Refunded", days_ago=20)
    for reference in (overdue, soon, later, refunded):
        record_decision(engine, reference, Decision("accepted", by="x"))
    record_decision(engine, refunded, Decision("refunded", by="x", refunded_on=date.today(),
                                               means_of_payment="card"))
    html = auditor.get("/withdrawal/audit/").get_data(as_text=True)
    overdue_part = html[html.index('id="overdue-heading"'):html.index('id="due-heading"')]
    due_part = html[html.index('id="due-heading"'):html.index('id="chart-heading"')]
    assert overdue in overdue_part and "Olga Overdue" in overdue_part
    assert soon in due_part and soon not in overdue_part
    assert later not in html and refunded not in html
    assert "Overdue (1)" in html and "Due within 7 days (1)" in html


def test_resend_adds_an_outbox_entry_and_an_event(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app, email="Ann@Example.com")
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    response = auditor.post(f"{P}/{reference}/resend", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#deliveries")
    with engine_of(app).connect() as conn:
        entries = conn.execute(select(outbox).where(outbox.c.reference == reference)
                               .order_by(outbox.c.id)).all()
    assert len(entries) == 2
    new = entries[-1]
    assert (new.purpose, new.recipient, new.status, new.attempts) == (
        "acknowledgement", "Ann@Example.com", "pending", 0)
    event = events_of(engine_of(app), reference)[-1]
    assert event["type"] == "resend-requested"
    assert event["data"] == {"purpose": "acknowledgement", "recipient": "Ann@Example.com",
                             "outbox_id": new.id, "by": "clara"}
    html = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "The acknowledgement is queued" in html and "Acknowledgement resend requested" in html


def test_resend_without_csrf_does_nothing(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    assert auditor.post(f"{P}/{reference}/resend").status_code == 400
    assert events_of(engine_of(app), reference) == []


def test_resend_is_one_transaction(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the event cannot be appended, no outbox entry is left behind."""
    from withdrawal.audit import resend

    reference = record(app)

    def broken(*_args: Any, **_kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(resend, "append_event", broken)
    with pytest.raises(RuntimeError):
        request_resend(engine_of(app), reference, by="x")
    with engine_of(app).connect() as conn:
        count = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    assert count == 1


def test_no_resend_once_the_address_is_erased(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    with engine_of(app).begin() as conn:
        erase_statement(conn, reference, {"retention": "test"})
    with pytest.raises(ResendError):
        request_resend(engine_of(app), reference, by="x")
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "Send the acknowledgement again" not in page
    response = auditor.post(f"{P}/{reference}/resend", data={"csrf_token": csrf_token(page)},
                            follow_redirects=True)
    assert "cannot be sent again" in response.get_data(as_text=True)
    with pytest.raises(LookupError):
        request_resend(engine_of(app), "W-0000-0000", by="x")
