"""Issue points 4 and 5 of round one, per line since issue 14: decisions are appended events,
never edits, through a CSRF-protected form; the refund falls due 14 days after the statement
(R15, counted by the legal engine); decision_recorded fires; the overview lists refunds due
soon and overdue; the acknowledgement can be sent again."""

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
)
from withdrawal.audit.resend import ResendError, request_resend
from withdrawal.audit.retention import erase_statement
from withdrawal.decisions import refund_due_on
from withdrawal.storage.statements import events_of, load_statement
from withdrawal.storage.tables import ledger, line_decisions, outbox, statements

P = "/withdrawal/audit/statements"


def decide(auditor: FlaskClient, reference: str, outcome: str, lines: tuple[str, ...] = ("1",),
           **fields: str) -> Any:
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    data: dict[str, Any] = {f"decide-{name}": value for name, value in fields.items()}
    data.update({"decide-csrf_token": csrf_token(page), "decide-outcome": outcome,
                 "decide-lines": list(lines)})
    return auditor.post(f"{P}/{reference}/decisions", data=data)


def ledger_rows(app: Flask) -> list[Any]:
    with engine_of(app).connect() as conn:
        return list(conn.execute(select(ledger).order_by(ledger.c.seq)).all())


def due_date(app: Flask, reference: str) -> date:
    """The refund's last day as the legal engine counts it for the demo trader (IT)."""
    stored = load_statement(engine_of(app), reference)
    assert stored is not None
    with engine_of(app).connect() as conn:
        at = conn.execute(select(statements.c.submitted_at)
                          .where(statements.c.reference == reference)).scalar_one()
    return refund_due_on(stored.content, at, trader_country="IT",
                         trader_timezone="Europe/Rome")


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
    due = due_date(app, reference).isoformat()
    data = json.loads(after[-1].body)
    assert data == {"type": "decision", "data": {
        "outcome": "accepted", "lines": ["1"], "by": "clara", "note": "Key unused",
        "refund_due": due}}
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
    assert 'id="decide-reason-error"' in html and 'aria-invalid="true"' in html
    assert len(ledger_rows(app)) == count and recorded_signals.received == []
    assert decide(auditor, reference, "rejected", reason="Art. 16(m) exclusion").status_code == 302
    event = events_of(engine_of(app), reference)[-1]
    assert event["data"]["reason"] == "Art. 16(m) exclusion"
    assert "refund_due" not in event["data"]


def test_refund_needs_an_acceptance_an_amount_and_a_past_date(
    app: Flask, auditor: FlaskClient,
) -> None:
    reference = record(app, days_ago=5)
    refused = decide(auditor, reference, "refunded", amount="19.90")
    assert refused.status_code == 409
    assert "a refund needs an acceptance first" in refused.get_data(as_text=True)
    decide(auditor, reference, "accepted")
    missing = decide(auditor, reference, "refunded", amount="")
    assert missing.status_code == 400
    assert "Please give the amount refunded" in missing.get_data(as_text=True)
    future = (date.today() + timedelta(days=3)).isoformat()
    assert decide(auditor, reference, "refunded", amount="19.90",
                  date=future).status_code == 400
    today = date.today().isoformat()
    assert decide(auditor, reference, "refunded", amount="19.90", date=today,
                  means="Visa card, as paid").status_code == 302
    data = events_of(engine_of(app), reference)[-1]["data"]
    assert data["date"] == today and data["means"] == "Visa card, as paid"
    assert data["amount"] == "19.90"
    assert _index(app, reference)["state"] == "refunded"


def test_key_revocation_keeps_the_refund_state(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    decide(auditor, reference, "accepted")
    assert decide(auditor, reference, "revoked").status_code == 302
    row = _index(app, reference)
    assert row["state"] == "accepted" and row["key_revoked_at"] is not None
    assert row["refund_due"] == due_date(app, reference)
    assert "key revoked" in auditor.get(P).get_data(as_text=True)


def _index(app: Flask, reference: str, line: str = "1") -> dict[str, Any]:
    with engine_of(app).connect() as conn:
        row = conn.execute(select(line_decisions).where(
            line_decisions.c.reference == reference, line_decisions.c.line_id == line)).one()
    return dict(row._mapping)


def test_decision_forms_require_the_csrf_token(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    response = auditor.post(f"{P}/{reference}/decisions",
                            data={"decide-outcome": "accepted", "decide-lines": "1"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert events_of(engine_of(app), reference) == []


def test_an_unknown_outcome_is_a_field_error(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    response = decide(auditor, reference, "approved")
    assert response.status_code == 400
    assert 'id="decide-outcome-error"' in response.get_data(as_text=True)
    assert events_of(engine_of(app), reference) == []


@pytest.mark.parametrize(("decision", "message"), [
    pytest.param(Decision("maybe", by="x"), "Unknown outcome", id="unknown"),
    pytest.param(Decision("rejected", by="x"), "reason", id="reject-without-reason"),
    pytest.param(Decision("refunded", by="x", refunded_on=date(2026, 1, 1)), "amount",
                 id="refund-of-nothing-owed"),
])
def test_invalid_decisions_are_refused(app: Flask, decision: Decision, message: str) -> None:
    reference = record(app)
    with pytest.raises(DecisionError, match=message):
        record_decision(engine_of(app), reference, decision)


def test_decision_on_unknown_statement_raises(app: Flask) -> None:
    with pytest.raises(LookupError):
        record_decision(engine_of(app), "W-0000-0000", Decision("accepted", by="x"))


def test_the_index_can_be_rebuilt_from_the_chain(app: Flask) -> None:
    engine = engine_of(app)
    first, second = record(app), record(app, order_matched=False)
    record_decision(engine, first, Decision("accepted", by="x"))
    record_decision(engine, first, Decision("refunded", by="x", refunded_on=date(2026, 1, 2),
                                            means_of_payment="card"))
    record_decision(engine, second, Decision("rejected", by="x", reason="late"))
    before = {(ref, line): _index(app, ref, line) for ref, line in ((first, "1"), (second, "*"))}
    assert rebuild_decisions_index(engine) == 2
    after = {(ref, line): _index(app, ref, line) for ref, line in ((first, "1"), (second, "*"))}
    assert after == before
    assert before[(first, "1")]["state"] == "refunded"
    assert before[(second, "*")]["state"] == "rejected"


def test_overview_lists_refunds_overdue_and_due_soon(app: Flask, auditor: FlaskClient) -> None:
    engine = engine_of(app)
    overdue = record(app, name="Olga Overdue", days_ago=20)
    soon = record(app, name="Sam Soon", days_ago=12)  # due in 2 days, or 6 after a roll-over
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
