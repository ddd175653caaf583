"""Issue 13, points 1 and 6: `flask withdrawal verify` covers the whole record. Each change an
insider with only database write access could make is named (index rows, indexed columns,
lines, the decision index, kept documents and their hash columns, a dropped tail, a rewritten
chain), on SQLite and PostgreSQL, and nothing is reported before it happens (a clean record, a
purged statement, an anchored chain, what is recorded while it runs)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from evidence_support import record, rewrite_chain
from flask import Flask
from sqlalchemy import delete, insert, select, update
from support import Consumer, engine_of

from withdrawal.audit.retention import purge
from withdrawal.statement import EventType, canonical_json, sha256_hex
from withdrawal.storage.statements import append_event, events_of, utcnow
from withdrawal.storage.tables import (
    anchors,
    chain_head,
    documents,
    ledger,
    line_decisions,
    outbox,
    statement_lines,
    statements,
)
from withdrawal.storage.verify import verify_chain


@pytest.fixture
def app_config(app_config: dict[str, Any], witness_dir: Path) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_WITNESSES": [f"file:{witness_dir}"]}


def verify(runner: Any) -> Any:
    return runner.invoke(args=["withdrawal", "verify"])


def delivered(app: Flask, runner: Any) -> list[str]:
    """Two statements through the real flow (a found order with a line, an unknown order),
    their acknowledgements sent (PDF and e-mail kept): returns their references."""
    client = app.test_client()
    references = []
    for email, number, lines in (("noconsent@demo.example", "1002", ["1"]),
                                 ("bob@example.com", "4242", None)):
        response = Consumer(client).withdraw("Ann", email, number, lines,
                                             description="A key bought last week")
        assert response.status_code == 302
        with engine_of(app).connect() as conn:
            references.append(str(conn.execute(select(statements.c.reference)
                                               .order_by(statements.c.seq.desc())).scalar()))
        client = app.test_client()
    assert "sent 2" in runner.invoke(args=["withdrawal", "deliver"]).output
    return references


def problems(app: Flask) -> tuple[str, ...]:
    return verify_chain(engine_of(app)).problems


# -- no false alarm --------------------------------------------------------------------------

def test_a_clean_record_verifies_with_documents_lines_and_an_anchor(
    app: Flask, runner: Any,
) -> None:
    first, second = delivered(app, runner)
    assert runner.invoke(args=["withdrawal", "anchor"]).exit_code == 0
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "OK 2 statements" in result.output and "OK 4 documents (0 sealed)" in result.output
    assert "OK 2 anchored heads" in result.output  # the witness file and the stored anchor
    with engine_of(app).connect() as conn:
        assert conn.execute(select(statement_lines.c.reference)).scalars().all() == [first]


def test_the_e_mail_is_in_the_chain_from_when_it_was_kept(app: Flask, runner: Any) -> None:
    first, _ = delivered(app, runner)
    with engine_of(app).connect() as conn:
        kept = conn.execute(select(documents.c.kind, documents.c.sha256)
                            .where(documents.c.reference == first)).all()
    stored = {e["type"]: e["data"] for e in events_of(engine_of(app), first)}
    assert stored["acknowledgement-eml-stored"]["sha256"] == dict(kept)["acknowledgement-eml"]
    assert stored["receipt-pdf-stored"]["sha256"] == dict(kept)["receipt-pdf"]
    sent = stored["acknowledgement-sent"]
    assert stored["acknowledgement-eml-stored"]["message_id"] == sent["message_id"]


def test_a_purged_statement_still_verifies(app: Flask, runner: Any) -> None:
    delivered(app, runner)
    assert runner.invoke(args=["withdrawal", "anchor"]).exit_code == 0
    report = purge(engine_of(app), utcnow() + timedelta(minutes=1), period="0d")
    assert len(report.references) == 2
    with engine_of(app).connect() as conn:
        assert conn.execute(select(documents)).first() is None
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "OK 2 statements" in result.output


# -- erasures under retention: the entry's hash takes the erased field's digest ---------------

def _rewrite(app: Flask, seq: int, field: str, change: dict[str, Any],
             marker: dict[str, str] | None = None) -> None:
    """Rewrite the entry's ``field`` with ``change``; ``marker``: its erased column set to
    that (the entry's hash then takes the field's digest from there)."""
    with engine_of(app).begin() as conn:
        row = conn.execute(select(ledger.c.body, ledger.c.erased)
                           .where(ledger.c.seq == seq)).one()
        body = json.loads(row.body)
        body[field] = {**body[field], **change}
        values: dict[str, Any] = {"body": canonical_json(body).decode()}
        if marker is not None:
            values["erased"] = json.dumps(marker)
        conn.execute(update(ledger).where(ledger.c.seq == seq).values(values))


def test_an_erased_marker_written_by_hand_is_named(app: Flask) -> None:
    """A digest in ``erased`` makes the hash hold whatever the field says: written there by
    hand on an entry retention never erased, it would let an insider rewrite it."""
    reference = record(app)
    with engine_of(app).connect() as conn:
        body = json.loads(conn.execute(select(ledger.c.body).where(ledger.c.seq == 1))
                          .scalar_one())
    original = sha256_hex(canonical_json(body["content"]))
    _rewrite(app, 1, "content", {"submitted_at": "2026-01-01T00:00:00+00:00"},
             {"content": original})
    assert problems(app)[0] == (f"entry 1 (statement {reference}): marked erased, but no "
                                f"erasure of {reference} follows it")


def test_a_purged_statement_edited_after_its_erasure_is_named(app: Flask) -> None:
    """What retention leaves (the submission time, the order, the lines) is committed by the
    erasure event, since the entry's own hash now takes the original's digest."""
    reference = record(app)
    assert purge(engine_of(app), utcnow() + timedelta(minutes=1), period="0d").references
    assert problems(app) == ()
    _rewrite(app, 1, "content", {"submitted_at": "2026-01-01T00:00:00+00:00"})
    assert problems(app)[0] == (f"entry 1 (statement {reference}): what is left of it after "
                                f"the erasure differs from what the erasure recorded")


def test_an_erased_marker_on_a_field_retention_never_erases_is_named(app: Flask) -> None:
    reference = record(app)
    assert purge(engine_of(app), utcnow() + timedelta(minutes=1), period="0d").references
    with engine_of(app).begin() as conn:
        conn.execute(update(ledger).where(ledger.c.seq == 1)
                     .values(erased=json.dumps({"content": "0" * 64, "reference": "1" * 64})))
    found = problems(app)
    assert f"entry 1 (statement {reference}): marked erased in a field retention never " \
           "erases" in found


# -- the index -------------------------------------------------------------------------------

def test_a_deleted_index_row_is_named(app: Flask) -> None:
    reference = record(app)
    record(app, "Bea")
    assert problems(app) == ()
    with engine_of(app).begin() as conn:
        for table in (statement_lines, outbox, statements):
            conn.execute(delete(table).where(table.c.reference == reference))
    assert problems(app) == (
        f"statement {reference} (entry 1) has no index row",
        f"statement {reference}: owes no acknowledgement (no outbox row holds it)")


@pytest.mark.parametrize(("column", "value"), [
    pytest.param("submitted_at", utcnow() - timedelta(days=30), id="submitted_at"),
    pytest.param("flags", "[]", id="flags"),
    pytest.param("order_matched", False, id="order_matched"),
    pytest.param("email_lower", "mallory@example.com", id="email_lower"),
    pytest.param("name", "Mallory", id="name"),
    pytest.param("order_number", "9999", id="order_number"),
    pytest.param("locale", "de", id="locale"),
])
def test_an_edited_indexed_column_is_named(app: Flask, column: str, value: Any) -> None:
    reference = record(app)
    assert problems(app) == ()
    with engine_of(app).begin() as conn:
        conn.execute(update(statements).where(statements.c.reference == reference)
                     .values({column: value}))
    assert problems(app) == (
        f"statement {reference} (entry 1): index column {column!r} differs from entry",)


def test_edited_or_deleted_indexed_lines_are_named(app: Flask) -> None:
    reference = record(app)
    with engine_of(app).begin() as conn:
        conn.execute(update(statement_lines).where(statement_lines.c.line_id == "1")
                     .values(status="excluded"))
    assert problems(app) == (f"statement {reference}: indexed lines differ from the entry",)
    with engine_of(app).begin() as conn:
        conn.execute(delete(statement_lines).where(statement_lines.c.line_id == "1"))
    assert problems(app) == (f"statement {reference}: indexed lines differ from the entry",)


def test_an_index_row_relinked_to_another_entry_is_named(app: Flask) -> None:
    first = record(app)
    second = record(app, "Bea")
    event = append_event(engine_of(app), second, EventType.RESEND_REQUESTED, {"by": "x"})
    with engine_of(app).begin() as conn:
        conn.execute(update(statements).where(statements.c.reference == first)
                     .values(seq=event))
    assert problems(app) == (f"statement {first} (entry 1) has no index row",)


# -- the kept documents ----------------------------------------------------------------------

def test_a_swapped_e_mail_with_its_hash_column_is_named(app: Flask, runner: Any) -> None:
    first, _ = delivered(app, runner)
    forged = b"From: shop@demo.example\r\nSubject: something else\r\n\r\nforged\r\n"
    with engine_of(app).begin() as conn:
        conn.execute(update(documents).where(documents.c.reference == first,
                                             documents.c.kind == "acknowledgement-eml")
                     .values(content=forged, sha256=sha256_hex(forged)))
    result = verify(runner)
    assert result.exit_code == 1
    assert (f"BROKEN document acknowledgement-eml of {first}: SHA-256 differs from the one in "
            "the chain (entry") in result.output


def test_pdfs_swapped_between_statements_are_named(app: Flask, runner: Any) -> None:
    first, second = delivered(app, runner)
    with engine_of(app).begin() as conn:
        rows = {r.reference: r for r in conn.execute(
            select(documents).where(documents.c.kind == "receipt-pdf"))}
        for mine, theirs in ((first, second), (second, first)):
            conn.execute(update(documents).where(documents.c.reference == mine,
                                                 documents.c.kind == "receipt-pdf")
                         .values(content=rows[theirs].content, sha256=rows[theirs].sha256))
    found = problems(app)
    assert len(found) == 1 and found[0].startswith(
        f"document receipt-pdf of {first}: SHA-256 differs from the one in the chain")


@pytest.mark.parametrize("kind", ["receipt-pdf", "acknowledgement-eml"])
def test_a_deleted_document_is_named(app: Flask, runner: Any, kind: str) -> None:
    first, _ = delivered(app, runner)
    with engine_of(app).begin() as conn:
        conn.execute(delete(documents).where(documents.c.reference == first,
                                             documents.c.kind == kind))
    found = problems(app)
    assert len(found) == 1 and found[0].startswith(f"document {kind} of {first} is missing "
                                                   "(the chain recorded it at entry")


def test_a_document_the_chain_never_recorded_is_named(app: Flask) -> None:
    reference = record(app)
    with engine_of(app).begin() as conn:
        conn.execute(insert(documents).values(
            reference=reference, kind="receipt-pdf", sha256=sha256_hex(b"%PDF-forged"),
            content=b"%PDF-forged", created_at=utcnow()))
    assert problems(app) == (
        f"document receipt-pdf of {reference}: its SHA-256 is in no chain event",)


# -- the decision index ----------------------------------------------------------------------

def _decided(app: Flask) -> tuple[str, str]:
    """Two statements, the first accepted, the second refunded, both verified clean."""
    from withdrawal.audit.decisions import Decision, record_decision

    accepted, refunded = record(app), record(app, "Bea")
    record_decision(engine_of(app), accepted, Decision("accepted", by="clara"))
    record_decision(engine_of(app), refunded, Decision("accepted", by="clara"))
    record_decision(engine_of(app), refunded, Decision(
        "refunded", by="clara", refunded_on=utcnow().date(), means_of_payment="card"))
    assert problems(app) == ()
    return accepted, refunded


@pytest.mark.parametrize(("change", "victim"), [
    pytest.param({"state": "refunded", "refunded_on": utcnow().date()}, 0,
                 id="an-acceptance-shown-as-refunded"),
    pytest.param({"refund_due": utcnow().date() + timedelta(days=60)}, 0,
                 id="a-refund-due-date-moved"),
    pytest.param({"withheld": True}, 0, id="an-overdue-notice-held-back"),
    pytest.param({"state": "accepted", "refunded_on": None}, 1, id="a-refund-undone"),
])
def test_an_edited_decision_index_row_is_named(
    app: Flask, change: dict[str, Any], victim: int,
) -> None:
    """The decision index drives the lists, the refunds overview, the exports and the overdue
    notices: an edit of it, the chain untouched, is named."""
    reference = _decided(app)[victim]
    with engine_of(app).begin() as conn:
        conn.execute(update(line_decisions).where(line_decisions.c.reference == reference)
                     .values(change))
    assert problems(app) == (f"decisions of statement {reference}: the decision index differs "
                             f"from what its decision events in the chain fold to",)


def test_deleted_or_invented_decision_index_rows_are_named(app: Flask) -> None:
    accepted, _refunded = _decided(app)
    undecided = record(app, "Cid")
    with engine_of(app).begin() as conn:
        row = conn.execute(select(line_decisions)
                           .where(line_decisions.c.reference == accepted)).mappings().first()
        assert row is not None
        seq = conn.execute(select(statements.c.seq)
                           .where(statements.c.reference == undecided)).scalar_one()
        conn.execute(insert(line_decisions).values({**row, "reference": undecided, "seq": seq}))
    assert problems(app) == (f"decisions of statement {undecided}: the decision index has rows, "
                             f"the chain no decision event",)
    with engine_of(app).begin() as conn:
        conn.execute(delete(line_decisions))
    assert problems(app) == (f"decisions of statement {accepted}: the decision index differs "
                             f"from what its decision events in the chain fold to",)


def test_decisions_of_a_purged_statement_still_verify(app: Flask) -> None:
    _decided(app)
    assert purge(engine_of(app), utcnow() + timedelta(minutes=1), period="0d").references
    assert problems(app) == ()


@pytest.mark.parametrize(("entry", "body", "named"), [
    pytest.param("statement", '{"content":[1,2]}', ("entry 1 (statement", "index column"),
                 id="a-statement-s-content-made-a-list"),
    pytest.param("decision", '{"data":{"lines":5,"outcome":"accepted"},"type":"decision"}',
                 ("entry 2 (event", "cannot be folded"), id="a-decision-the-fold-cannot-apply"),
    pytest.param("decision", 'x"type":"decision"}', ("entry 2 (event", "cannot be folded"),
                 id="a-decision-made-no-json"),
])
def test_an_entry_changed_into_another_shape_is_named_not_a_crash(
    app: Flask, entry: str, body: str, named: tuple[str, str],
) -> None:
    """An insider may leave any text in an entry: `verify` names the entry (and what
    depends on it) instead of stopping with a traceback."""
    from withdrawal.audit.decisions import Decision, record_decision

    reference = record(app)
    record_decision(engine_of(app), reference, Decision("accepted", by="clara"))
    seq = 1 if entry == "statement" else 2
    with engine_of(app).begin() as conn:
        conn.execute(update(ledger).where(ledger.c.seq == seq).values(body=body))
    found = problems(app)
    assert found[0].startswith(named[0]) and "does not match its hash" in found[0]
    assert any(named[1] in problem for problem in found[1:]), found


def test_an_entry_stored_in_another_layout_is_named(app: Flask) -> None:
    """A decision's keys reordered parse to the same fields and the same hash, but the
    queries that find decisions by their stored text miss it: with its index rows deleted
    the acceptance would read as undecided. The stored text must be the text written."""
    reference = _decided(app)[0]
    with engine_of(app).begin() as conn:
        seq, body = conn.execute(
            select(ledger.c.seq, ledger.c.body)
            .where(ledger.c.reference == reference, ledger.c.body.like('%"type":"decision"}'))
        ).one()
        data = body[len('{"data":'):-len(',"type":"decision"}')]
        conn.execute(update(ledger).where(ledger.c.seq == seq)
                     .values(body='{"type":"decision","data":' + data + "}"))
        conn.execute(delete(line_decisions).where(line_decisions.c.reference == reference))
    assert problems(app)[0] == f"entry {seq} (event {reference}): content does not match its hash"


# -- the tail and the whole chain: caught by anchors -----------------------------------------

def _drop_newest_statement(app: Flask, reference: str, keep_index: bool = False) -> None:
    """Delete the newest statement's entry and everything after it, its rows, and move the
    head back: no hash needs computing. (``keep_index``: the insider switches the foreign
    keys off and leaves the index row.)"""
    with engine_of(app).connect() as conn:
        if keep_index:
            _foreign_keys_off(conn)
        seq = conn.execute(select(statements.c.seq)
                           .where(statements.c.reference == reference)).scalar_one()
        conn.execute(delete(anchors).where(anchors.c.event_seq >= seq))
        if not keep_index:
            for table in (documents, statement_lines, outbox, statements):
                conn.execute(delete(table).where(table.c.reference == reference))
        conn.execute(delete(ledger).where(ledger.c.seq >= seq))
        last = conn.execute(select(ledger.c.seq, ledger.c.hash)
                            .order_by(ledger.c.seq.desc()).limit(1)).one()
        conn.execute(update(chain_head).values(seq=last.seq, hash=last.hash))
        conn.commit()
        if keep_index and conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _foreign_keys_off(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # before the transaction begins
    else:
        conn.exec_driver_sql("SET session_replication_role = replica")


def test_a_dropped_newest_statement_is_caught_by_the_anchor(
    app: Flask, runner: Any, witness_dir: Path,
) -> None:
    record(app)
    newest = record(app, "Bea")
    assert runner.invoke(args=["withdrawal", "anchor"]).exit_code == 0
    assert verify(runner).exit_code == 0
    _drop_newest_statement(app, newest)
    result = verify(runner)
    assert result.exit_code == 1
    witness = next(witness_dir.iterdir())
    assert (f"BROKEN anchored head entry 2 (file {witness}) is not in the chain: the chain "
            "ends at entry 1") in result.output


@pytest.mark.parametrize("change", ["deleted", "token-swapped", "invented"])
def test_a_stored_anchor_is_the_one_its_event_recorded(
    app: Flask, runner: Any, change: str,
) -> None:
    """The stored anchor is the only copy of an RFC 3161 token: deleting one, or swapping its
    token, would remove the proof of when the head existed, and the walk (which checks what
    the stored anchors claim) would find nothing to check."""
    record(app)
    assert runner.invoke(args=["withdrawal", "anchor"]).exit_code == 0
    with engine_of(app).begin() as conn:
        row = conn.execute(select(anchors)).one()
        if change == "deleted":
            conn.execute(delete(outbox).where(outbox.c.anchor_id == row.id))
            conn.execute(delete(anchors))
        elif change == "token-swapped":
            conn.execute(update(anchors).values(tokens='{"https://tsa.example": "AAAA"}'))
        else:
            conn.execute(insert(anchors).values(
                head_seq=row.head_seq, head_hash=row.head_hash, anchored_at=row.anchored_at,
                event_seq=1, witnesses="{}", tokens="{}"))
    expected = {
        "deleted": f"the anchor recorded by entry {row.event_seq} is no longer stored",
        "token-swapped": (f"stored anchor {row.id} differs from what entry {row.event_seq} "
                          "recorded of it"),
        "invented": f"stored anchor {row.id + 1}: no chain-anchored event records it",
    }[change]
    assert expected in problems(app)


def test_a_dropped_newest_statement_whose_index_row_stayed_is_named(app: Flask) -> None:
    record(app)
    newest = record(app, "Bea")
    _drop_newest_statement(app, newest, keep_index=True)
    index, hours = problems(app)  # the index row, and the count of its hour, left behind
    assert index == f"index row {newest} points to entry 2, which is not in the chain"
    assert hours.startswith("statements of hour ")
    assert hours.endswith(" UTC (withdrawable): the count says 2, the chain holds 1")


def test_a_whole_chain_rewritten_after_an_edit_is_caught_by_the_anchor(
    app: Flask, runner: Any, witness_dir: Path,
) -> None:
    first = record(app)
    record(app, "Bea")
    assert runner.invoke(args=["withdrawal", "anchor"]).exit_code == 0

    def rename(seq: int, body: dict[str, Any]) -> dict[str, Any] | None:
        if seq != 1:
            return None
        body["content"]["name"] = "Mallory"
        return body

    rewrite_chain(app, rename)
    with engine_of(app).begin() as conn:  # the insider fixes the index too, and the anchor row
        conn.execute(update(statements).where(statements.c.reference == first)
                     .values(name="Mallory"))
        head = conn.execute(select(ledger.c.hash).where(ledger.c.seq == 2)).scalar_one()
        conn.execute(update(anchors).values(head_hash=head))

    def reanchor(seq: int, body: dict[str, Any]) -> dict[str, Any] | None:
        if body.get("type") != "chain-anchored":
            return None
        body["data"]["head_hash"] = head  # and what the chain recorded of the anchor
        return body

    rewrite_chain(app, reanchor)
    found = problems(app)  # without the witnesses: the database alone looks consistent
    assert found == ()
    result = verify(runner)
    assert result.exit_code == 1
    witness = next(witness_dir.iterdir())
    assert (f"BROKEN anchored head entry 2 (file {witness}) is not in the chain: entry 2 now "
            "has another hash") in result.output


@pytest.mark.parametrize("appended", ["statement", "event"])
def test_what_is_recorded_while_verify_walks_is_no_problem(
    app: Flask, monkeypatch: pytest.MonkeyPatch, appended: str,
) -> None:
    """A shop records statements and events while `verify` runs (daily, at a million entries,
    for minutes): the walk reads one snapshot of the record, so what is appended meanwhile
    is neither a dropped tail nor a stray index row, and the next run checks it."""
    from withdrawal.storage import verify_walk as walking

    first = record(app)
    record(app)
    monkeypatch.setattr(walking, "BATCH", 1)
    done: list[int] = []

    def meanwhile(_walked: int) -> None:
        if not done:
            done.append(1)
            if appended == "statement":
                record(app)
            else:
                append_event(engine_of(app), first, EventType.RESEND_REQUESTED, {"n": 1})

    result = verify_chain(engine_of(app), progress=meanwhile)
    assert result.problems == () and result.entries == 2
    assert verify_chain(engine_of(app)).entries == 3


def test_an_entry_deleted_between_two_batches_leaves_its_index_row_named(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each batch checked the index rows of its first to its last entry, so a row of an
    entry deleted just between two batches was in neither: one anti-join over the index
    now names any row whose entry is gone, wherever it lies."""
    from withdrawal.storage import verify_walk

    monkeypatch.setattr(verify_walk, "BATCH", 2)
    made = [record(app, f"P{n}") for n in range(4)]
    with engine_of(app).connect() as conn:
        _foreign_keys_off(conn)
        conn.execute(delete(ledger).where(ledger.c.seq == 3))  # the first of the second batch
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    assert f"index row {made[2]} points to entry 3, which is not in the chain" in problems(app)
