"""Issue point 8: ``flask withdrawal purge --older-than 10y`` erases the personal data of
statements past the retention period and the chain still verifies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from audit.support import EML, PDF, record, store_document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import delivery_recorded, engine_of

from withdrawal.audit.retention import Period, parse_period, purge
from withdrawal.statement import ERASED, EventType, canonical_json, sha256_hex
from withdrawal.storage.statements import append_event, events_of, load_statement
from withdrawal.storage.tables import documents, ledger, outbox, statements
from withdrawal.storage.verify import verify_chain

TEN_YEARS = 3653 + 30


@pytest.mark.parametrize(("text", "period"), [
    pytest.param("10y", Period(10, "y"), id="years"),
    pytest.param("6m", Period(6, "m"), id="months"),
    pytest.param("30d", Period(30, "d"), id="days"),
    pytest.param(" 2Y ", Period(2, "y"), id="spaces-and-case"),
])
def test_parse_period(text: str, period: Period) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["", "10", "y", "0y", "-1y", "10w", "1.5y", "10 years"])
def test_parse_period_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a period"):
        parse_period(text)


@pytest.mark.parametrize(("period", "now", "cutoff"), [
    pytest.param("10y", "2036-05-10T12:00:00", "2026-05-10T12:00:00", id="years"),
    pytest.param("6m", "2026-08-31T00:00:00", "2026-02-28T00:00:00", id="month-end-clamps"),
    pytest.param("1y", "2028-02-29T08:00:00", "2027-02-28T08:00:00", id="leap-day"),
    pytest.param("14m", "2026-03-15T00:00:00", "2025-01-15T00:00:00", id="across-years"),
    pytest.param("30d", "2026-03-01T00:00:00", "2026-01-30T00:00:00", id="days"),
])
def test_period_before(period: str, now: str, cutoff: str) -> None:
    moment = datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert parse_period(period).before(moment) == datetime.fromisoformat(cutoff).replace(
        tzinfo=UTC)


def _old_statement(app: Flask) -> str:
    reference = record(app, name="Old Olga", email="olga@example.com", order_matched=False,
                       contract_description="Bought a key from Olga's account",
                       days_ago=TEN_YEARS)
    store_document(app, reference, "receipt-pdf", PDF)
    store_document(app, reference, "acknowledgement-eml", EML)
    engine = engine_of(app)
    delivery_recorded(app, reference, error="550 olga@example.com: no such user")
    append_event(engine, reference, EventType.RECEIPT_PDF_STORED, {"sha256": sha256_hex(PDF)})
    return reference


def test_purge_erases_personal_data_and_verify_still_passes(
    app: Flask, runner: Any,
) -> None:
    old = _old_statement(app)
    recent = record(app, name="Recent Rita", email="rita@example.com", days_ago=30)
    original = load_statement(engine_of(app), old)
    assert original is not None
    result = runner.invoke(args=["withdrawal", "purge", "--older-than", "10y", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased the personal data of 1 statements submitted before" in result.output
    verified = runner.invoke(args=["withdrawal", "verify"])
    assert verified.exit_code == 0 and verified.output.startswith("OK 2 statements")

    engine = engine_of(app)
    with engine.connect() as conn:
        entry = conn.execute(select(ledger).where(ledger.c.seq == original.seq)).one()
        index = conn.execute(select(statements).where(statements.c.reference == old)).one()
        kept_docs = conn.execute(select(documents.c.kind)
                                 .where(documents.c.reference == old)).all()
        addresses = conn.execute(select(outbox.c.recipient)
                                 .where(outbox.c.reference == old)).scalars().all()
        everything = " ".join(str(v) for row in conn.execute(select(ledger)) for v in row)
    content = json.loads(entry.body)["content"]
    assert content["name"] == content["email"] == content["contract_description"] == ERASED
    assert content["reference"] == old and content["submitted_at"] == original.content[
        "submitted_at"]
    assert json.loads(entry.erased) == {"content": original.content_hash}
    assert (index.name, index.email, index.email_lower) == ("", "", "")
    assert kept_docs == [] and addresses == [ERASED]
    assert "olga" not in everything.lower() and "Rita" in everything
    events = events_of(engine, old)
    failed = next(e for e in events if e["type"] == "acknowledgement-failed")
    assert failed["data"]["recipient"] == ERASED and failed["data"]["error"] == ERASED
    erased_event = events[-1]
    assert erased_event["type"] == "personal-data-erased"
    assert erased_event["data"]["documents"] == {
        "receipt-pdf": sha256_hex(PDF), "acknowledgement-eml": sha256_hex(EML)}
    assert erased_event["data"]["retention"] == "10y"
    assert load_statement(engine, recent) is not None
    assert sha256_hex(canonical_json(original.content)) == original.content_hash


def test_purge_twice_erases_nothing_more(app: Flask, runner: Any) -> None:
    _old_statement(app)
    runner.invoke(args=["withdrawal", "purge", "--older-than", "10y", "--yes"])
    again = runner.invoke(args=["withdrawal", "purge", "--older-than", "10y", "--yes"])
    assert "of 0 statements" in again.output
    assert verify_chain(engine_of(app)).ok


def test_dry_run_changes_nothing(app: Flask, runner: Any) -> None:
    reference = _old_statement(app)
    result = runner.invoke(args=["withdrawal", "purge", "--older-than", "6m", "--dry-run"])
    assert result.exit_code == 0 and "Would erase the personal data of 1 statements" in (
        result.output)
    stored = load_statement(engine_of(app), reference)
    assert stored is not None and stored.content["name"] == "Old Olga"


def test_purge_asks_before_erasing(app: Flask, runner: Any) -> None:
    reference = _old_statement(app)
    result = runner.invoke(args=["withdrawal", "purge", "--older-than", "30d"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    stored = load_statement(engine_of(app), reference)
    assert stored is not None and stored.content["name"] == "Old Olga"


def test_default_period_is_ten_years(app: Flask, runner: Any) -> None:
    _old_statement(app)
    record(app, days_ago=3000)
    result = runner.invoke(args=["withdrawal", "purge", "--yes"])
    assert "of 1 statements" in result.output


def test_a_bad_period_is_a_usage_error(runner: Any) -> None:
    result = runner.invoke(args=["withdrawal", "purge", "--older-than", "forever", "--yes"])
    assert result.exit_code == 2 and "is not a period" in result.output


def test_purge_help_has_an_example(runner: Any) -> None:
    result = runner.invoke(args=["withdrawal", "purge", "--help"])
    assert "Example: flask --app wsgi withdrawal purge --older-than 10y" in result.output


def test_erased_statement_in_the_audit_pages(app: Flask, auditor: FlaskClient) -> None:
    reference = _old_statement(app)
    original = load_statement(engine_of(app), reference)
    assert original is not None
    purge(engine_of(app), datetime.now(UTC), period="0d")
    page = auditor.get(f"/withdrawal/audit/statements/{reference}").get_data(as_text=True)
    assert "were erased under the retention period" in page
    assert original.content_hash in page and sha256_hex(PDF) in page
    assert "Deleted under the retention period" in page and "Old Olga" not in page
    assert "This entry verifies" in page
    listing = auditor.get("/withdrawal/audit/statements").get_data(as_text=True)
    assert "<em>erased</em>" in listing and "Old Olga" not in listing


def test_purge_reads_in_batches_and_erasing_twice_is_harmless(app: Flask) -> None:
    from withdrawal.audit.retention import due_for_erasure, erase_statement

    old = [record(app, days_ago=400) for _ in range(5)]
    cutoff = parse_period("1y").before(datetime.now(UTC))
    assert list(due_for_erasure(engine_of(app), cutoff, batch=2)) == old
    with engine_of(app).begin() as conn:
        erase_statement(conn, old[0], {"retention": "1y"})
    with engine_of(app).begin() as conn:
        erase_statement(conn, old[0], {"retention": "1y"})  # nothing left to erase
    assert list(due_for_erasure(engine_of(app), cutoff, batch=2)) == old[1:]
    assert verify_chain(engine_of(app)).ok


def test_receipt_link_of_an_erased_statement_is_gone(app: Flask, runner: Any) -> None:
    """After erasure no page or new PDF shows the erased placeholders as a 'copy'."""
    from withdrawal.links import receipt_token
    from withdrawal.statement import DocumentKind
    from withdrawal.storage.documents import kept_document

    old = _old_statement(app)
    purged = runner.invoke(args=["withdrawal", "purge", "--older-than", "10y", "--yes"])
    assert purged.exit_code == 0
    client = app.test_client()
    with app.test_request_context():
        token = receipt_token(old)
    gone = client.get(f"/withdrawal/receipt/{token}")
    assert gone.status_code == 410
    assert "This receipt is no longer available" in gone.get_data(as_text=True)
    assert client.get(f"/withdrawal/receipt/{token}/withdrawal.pdf").status_code == 410
    assert kept_document(engine_of(app), old, DocumentKind.RECEIPT_PDF) is None
    stored = load_statement(engine_of(app), old)
    assert stored is not None and stored.erased
