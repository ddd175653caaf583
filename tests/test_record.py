"""The tamper-evident record (R17): hash chain, events, verify, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import delete, select, update
from support import engine_of, rewrite_entry, statement_content

from withdrawal.statement import (
    EventType,
    Purpose,
    StatementContent,
    canonical_json,
    content_hash,
    sha256_hex,
)
from withdrawal.storage.statements import (
    Recipient,
    append_event,
    events_of,
    load_statement,
    new_reference,
    record_statement,
)
from withdrawal.storage.tables import GENESIS_HASH, ledger, statements
from withdrawal.storage.verify import verify_chain


def record(app: Flask, key: str, name: str = "Ann") -> str:
    def build(at: datetime, withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        return statement_content(reference, at, name=name, order_number="1",
                                 order_matched=False, contract_description="", flags=[])

    reference, _ = record_statement(
        engine_of(app), submission_key=key, order_number=None, build=build,
        recipients=lambda c: [Recipient(Purpose.ACKNOWLEDGEMENT, c["email"])],
    )
    return reference


def test_reference_is_short_and_unambiguous() -> None:
    refs = {new_reference() for _ in range(500)}
    assert len(refs) == 500
    for ref in refs:
        assert len(ref) == 11 and ref[:2] == "W-" and ref[6] == "-"
        assert not set(ref[2:].replace("-", "")) & set("ILOU")


def test_chain_links_statements_and_events(app: Flask) -> None:
    first = record(app, "k1")
    append_event(engine_of(app), first, EventType.ACKNOWLEDGEMENT_SENT, {"message_id": "<m@x>"})
    record(app, "k2")
    with engine_of(app).connect() as conn:
        rows = conn.execute(select(ledger).order_by(ledger.c.seq)).all()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert [r.kind for r in rows] == ["statement", "event", "statement"]
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    assert rows[0].recorded_at.tzinfo is not None
    events = events_of(engine_of(app), first)
    assert [e["type"] for e in events] == ["acknowledgement-sent"]


def test_same_submission_key_records_once(app: Flask) -> None:
    assert record(app, "same") == record(app, "same")
    result = verify_chain(engine_of(app))
    assert result.ok and result.statements == 1


def test_content_hash_is_of_the_canonical_json(app: Flask) -> None:
    stored = load_statement(engine_of(app), record(app, "k"))
    assert stored is not None
    assert stored.content_hash == sha256_hex(canonical_json(stored.content))
    assert stored.content_hash == content_hash(stored.content)
    assert stored.submitted_at.tzinfo is not None
    assert stored.submitted_at.isoformat() == stored.content["submitted_at"]


def test_verify_command_ok(app: Flask, runner: Any) -> None:
    record(app, "a")
    record(app, "b")
    result = runner.invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 0
    assert result.output.strip() == "OK 2 statements"


def test_verify_detects_a_changed_ledger_row(app: Flask, runner: Any) -> None:
    record(app, "a")
    reference = record(app, "b")
    rewrite_entry(app, 2, name="Mallory")
    result = runner.invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 1
    assert f"entry 2 (statement {reference})" in result.output
    assert "does not match its hash" in result.output


def test_verify_detects_a_changed_index_row(app: Flask, runner: Any) -> None:
    reference = record(app, "a")
    with engine_of(app).begin() as conn:
        conn.execute(update(statements).values(email="other@example.com"))
    result = runner.invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 1 and reference in result.output and "email" in result.output


def test_verify_detects_a_deleted_entry(app: Flask, runner: Any) -> None:
    first = record(app, "a")
    append_event(engine_of(app), first, EventType.RESEND_REQUESTED, {"n": 1})
    record(app, "b")
    with engine_of(app).begin() as conn:
        conn.execute(delete(ledger).where(ledger.c.seq == 2))
    result = runner.invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 1 and "entry 2 is missing" in result.output


def test_verify_detects_a_recomputed_but_relinked_entry(app: Flask, runner: Any) -> None:
    """Rewriting an entry and its own hash still breaks the next link."""
    from withdrawal.storage.chain import recompute

    record(app, "a")
    record(app, "b")
    with engine_of(app).begin() as conn:
        row = conn.execute(select(ledger).where(ledger.c.seq == 1)).one()
        body = json.loads(row.body)
        body["content"]["name"] = "Mallory"
        conn.execute(update(ledger).where(ledger.c.seq == 1)  # written as append writes it
                     .values(body=canonical_json(body).decode()))
        changed = conn.execute(select(ledger).where(ledger.c.seq == 1)).one()
        conn.execute(update(ledger).where(ledger.c.seq == 1).values(hash=recompute(changed)))
    result = runner.invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 1 and "entry 2" in result.output


def test_init_db_is_idempotent(runner: Any) -> None:
    for _ in range(2):
        result = runner.invoke(args=["withdrawal", "init-db"])
        assert result.exit_code == 0 and "Schema at revision" in result.output


def test_timestamps_keep_microseconds(app: Flask) -> None:
    stored = load_statement(engine_of(app), record(app, "k"))
    assert stored is not None
    assert stored.submitted_at.tzinfo == UTC or stored.submitted_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert len(stored.content["submitted_at"].split(".")[1]) == len("123456+00:00")
