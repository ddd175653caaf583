"""Issue point 3: the detail page shows all that was recorded: the statement as submitted,
each line's assessment, the labels shown, the event log, the chain position and its check,
the PDF and its hash."""

from __future__ import annotations

import json
from typing import Any

from audit.support import EML, PDF, record, store_document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import Consumer, engine_of, reference_in, rewrite_entry

from withdrawal.statement import EventType
from withdrawal.storage.statements import append_event
from withdrawal.storage.tables import ledger, statements

P = "/withdrawal/audit/statements"


def withdraw_mixed_order(consumer: Consumer, client: FlaskClient) -> str:
    response = consumer.withdraw("Ann Example", "mixed@demo.example", "1008", ["1", "2", "3"])
    return reference_in(client.get(response.headers["Location"]).get_data(as_text=True))


def test_detail_shows_the_statement_lines_and_labels(
    app: Flask, client: FlaskClient, consumer: Consumer, auditor: FlaskClient,
) -> None:
    reference = withdraw_mixed_order(consumer, client)
    response = auditor.get(f"{P}/{reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("<h1>") == 1
    for text in ("Ann Example", "mixed@demo.example", "1008 (found)", "chosen-excluded",
                 "Office 2024 Home", "Cloud Backup 1 TB", "USB installation stick",
                 "excluded (Art. 16)", "withdrawable",
                 "The right of withdrawal seems not to apply to this item.",
                 "End of the withdrawal period", "Art. 16(m)",
                 "Withdraw from contract here", "Confirm withdrawal", "(UTC, as recorded)",
                 "Central European"):
        assert text in html, text
    submitted = _content(app, reference)["submitted_at"]
    assert submitted in html  # the legal timestamp as recorded, with microseconds


def _content(app: Flask, reference: str) -> dict[str, Any]:
    with engine_of(app).connect() as conn:
        body = conn.execute(select(ledger.c.body).join(
            statements, statements.c.seq == ledger.c.seq).where(
            statements.c.reference == reference)).scalar_one()
    return json.loads(body)["content"]  # type: ignore[no-any-return]


def test_unknown_statement_is_404(auditor: FlaskClient) -> None:
    assert auditor.get(f"{P}/W-0000-0000").status_code == 404
    assert auditor.get(f"{P}/W-0000-0000/receipt.pdf").status_code == 404
    assert auditor.get(f"{P}/W-0000-0000/evidence.zip").status_code == 404


def test_unmatched_statement_shows_the_description_escaped(
    app: Flask, auditor: FlaskClient,
) -> None:
    reference = record(app, order_matched=False, name="<b>Eve</b>",
                       contract_description="<script>alert('x')</script>\nline two")
    html = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "<b>Eve</b>" not in html and "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "the order was not found" in html and "(not found)" in html


def test_event_log_shows_deliveries_errors_and_resends(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    engine = engine_of(app)
    append_event(engine, reference, EventType.ACKNOWLEDGEMENT_FAILED, {
        "purpose": "acknowledgement", "recipient": "ann@example.com",
        "error": "421 4.7.0 Try again later", "attempt": 1, "final": False})
    append_event(engine, reference, EventType.ACKNOWLEDGEMENT_SENT, {
        "purpose": "acknowledgement", "recipient": "ann@example.com",
        "message_id": "<20261122.1@demo.example>", "attempt": 2})
    html = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    log = html[html.index('id="events"'):]
    assert "Acknowledgement delivery failed" in log and "421 4.7.0 Try again later" in log
    assert "Acknowledgement sent" in log and "&lt;20261122.1@demo.example&gt;" in log
    assert "<dt>Message-ID</dt>" in log and "<dt>Final attempt</dt><dd>no</dd>" in log
    assert log.index("delivery failed") < log.index("Acknowledgement sent")


def test_pdf_inline_and_download_and_its_hash(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    digest = store_document(app, reference, "receipt-pdf", PDF)
    html = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert digest in html and "View the PDF" in html
    inline = auditor.get(f"{P}/{reference}/receipt.pdf")
    assert inline.data == PDF and inline.mimetype == "application/pdf"
    assert inline.headers["Content-Disposition"].startswith("inline;")
    download = auditor.get(f"{P}/{reference}/receipt-download.pdf")
    assert download.data == PDF
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="{reference}-acknowledgement.pdf"')


def test_without_a_pdf_the_page_says_so(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    html = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "No acknowledgement PDF has been stored yet" in html
    assert auditor.get(f"{P}/{reference}/receipt.pdf").status_code == 404


def test_the_email_as_sent_is_downloadable_byte_for_byte(
    app: Flask, auditor: FlaskClient,
) -> None:
    reference = record(app)
    digest = store_document(app, reference, "acknowledgement-eml", EML)
    assert digest in auditor.get(f"{P}/{reference}").get_data(as_text=True)
    response = auditor.get(f"{P}/{reference}/acknowledgement.eml")
    assert response.data == EML and response.mimetype == "message/rfc822"


def test_chain_position_verifies_and_shows_neighbours(app: Flask, auditor: FlaskClient) -> None:
    first = record(app)
    middle = record(app)
    record(app)
    html = auditor.get(f"{P}/{middle}").get_data(as_text=True)
    chain = html[html.index('id="chain"'):]
    assert "This entry verifies" in chain
    with engine_of(app).connect() as conn:
        rows = conn.execute(select(ledger).order_by(ledger.c.seq)).all()
    assert rows[1].hash in chain and rows[0].hash in chain and rows[2].prev_hash in chain
    assert chain.count("— linked") == 2 and "— matches" in chain
    first_html = auditor.get(f"{P}/{first}").get_data(as_text=True)
    assert "none (first entry)" in first_html


def test_a_changed_entry_shows_as_not_verifying(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    rewrite_entry(app, name="Mallory")
    html = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "This entry does not verify" in html and "DOES NOT MATCH" in html
