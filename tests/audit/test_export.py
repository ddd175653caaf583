"""Issue point 6 (exports): the filtered list as CSV and JSON Lines, streamed from keyset
batches in constant memory, from the page and from ``flask withdrawal export``; CSV cells are
protected against formula injection. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from audit.support import record
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, insert
from support import assessment, database_fails_at, engine_of

from withdrawal import backoffice
from withdrawal.audit import export, export_rows, paging
from withdrawal.audit.decisions import Decision, record_decision
from withdrawal.audit.queries import Delivery, Filters, Scope, StatementRow
from withdrawal.audit.retention import erase_statement
from withdrawal.storage.tables import outbox

P = "/withdrawal/audit"


def rows_of(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export_of_the_filtered_list(app: Flask, auditor: FlaskClient) -> None:
    keep = record(app, name="Ann", order_number="42", statuses=["withdrawable", "excluded"])
    record(app, name="Bob", order_number="43")
    response = auditor.get(f"{P}/export.csv", query_string={"order_number": "42"})
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="withdrawal-statements-')
    rows = rows_of(response)
    assert [r["reference"] for r in rows] == [keep]
    assert list(rows[0]) == list(export.COLUMNS)
    assert rows[0]["lines"] == "Licence key 1 [withdrawable] | Licence key 2 [excluded]"
    assert rows[0]["acknowledgement"] == "pending" and rows[0]["decision"] == "undecided"
    assert rows[0]["order_matched"] == "yes"


def test_jsonl_export_one_object_per_line(app: Flask, auditor: FlaskClient) -> None:
    first = record(app, name="Ann")
    second = record(app, name="Zoë «Unicode»", order_matched=False)
    response = auditor.get(f"{P}/export.jsonl")
    assert response.status_code == 200 and response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    data = [json.loads(line) for line in lines]
    assert [d["reference"] for d in data] == [second, first]
    assert data[0]["name"] == "Zoë «Unicode»" and data[0]["flags"] == ["order-not-found"]
    assert data[1]["lines"][0]["title"] == "Licence key 1"
    assert data[1]["lines"][0]["status"] == "withdrawable"
    assert data[1]["submitted_at"].endswith("+00:00")


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\r=x"])
def test_csv_cells_that_would_be_formulas_are_quoted(
    app: Flask, auditor: FlaskClient, value: str,
) -> None:
    record(app, name=value, order_number=value)
    row = rows_of(auditor.get(f"{P}/export.csv"))[0]
    assert row["name"] == "'" + value and row["order_number"] == "'" + value


def test_safe_cell_leaves_ordinary_text_alone() -> None:
    assert export.safe_cell("Ann-Marie") == "Ann-Marie"
    assert export.safe_cell("") == ""
    assert export.safe_cell("=") == "'="


def test_export_with_invalid_filters_is_refused(auditor: FlaskClient) -> None:
    assert auditor.get(f"{P}/export.csv", query_string={"since": "x"}).status_code == 400
    assert auditor.get(f"{P}/export.xlsx").status_code == 404


def test_export_streams_batches_from_the_indexes(
    app: Flask, auditor: FlaskClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One query streamed in batches (a row per line); no statement's entry body is read
    (none is decided), and no query per batch for what the indexes hold."""
    monkeypatch.setattr(export_rows, "BATCH_SIZE", 2)
    made = [record(app, statuses=["withdrawable", "excluded"]) for _ in range(5)]
    batches: list[int] = []
    original = export_rows._add_decisions

    def counting(conn: Any, decided: Any) -> None:
        batches.append(len(decided))
        original(conn, decided)

    seen: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    monkeypatch.setattr(export_rows, "_add_decisions", counting)
    event.listen(engine_of(app), "before_cursor_execute", remember)
    try:
        rows = rows_of(auditor.get(f"{P}/export.csv"))
    finally:
        event.remove(engine_of(app), "before_cursor_execute", remember)
    assert [r["reference"] for r in rows] == list(reversed(made))
    assert rows[0]["lines"] == "Licence key 1 [withdrawable] | Licence key 2 [excluded]"
    assert batches == [0, 0, 0]  # three batches (2, 2, 1), none with a decided statement
    assert not any("withdrawal_ledger.body" in statement for statement in seen)
    assert len([s for s in seen if "withdrawal_statement_lines" in s]) == 1
    assert not any("withdrawal_outbox.reference IN" in statement for statement in seen)


def test_export_rows_carry_each_lines_state_and_the_latest_acknowledgement(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A statement's rows (one per line) become one row, across the stream's batches; a
    statement without lines keeps its "*" decision; the latest outbox entry is its delivery."""
    monkeypatch.setattr(export_rows, "BATCH_SIZE", 1)
    few = record(app, statuses=["withdrawable", "excluded", "withdrawable"])
    none = record(app, lines=[])
    with app.app_context():
        backoffice.record_decision(few, "accepted", ["2"], by="clara")
    record_decision(engine_of(app), none, Decision("rejected", by="clara", reason="late"))
    with engine_of(app).begin() as conn:
        conn.execute(insert(outbox), [
            {"reference": few, "purpose": "acknowledgement", "recipient": "a@example.com",
             "status": status, "attempts": 1, "next_attempt_at": datetime.now(UTC),
             "created_at": datetime.now(UTC), "message_id": f"<{status}@x>"}
            for status in ("failed", "sent")])
    scope = Scope(_zone(), _today())
    rows = {row.reference: row for row in
            export_rows.export_rows(engine_of(app), Filters(), scope, batch=1)}
    assert [line["state"] for line in rows[few].lines] == ["undecided", "accepted", "undecided"]
    assert {line: data["state"] for line, data in rows[few].line_states.items()} == {
        "1": "undecided", "2": "accepted", "3": "undecided"}
    assert rows[few].decision == "mixed" and rows[few].refund_due is not None
    latest = rows[few].delivery
    assert latest is not None and latest.message_id == "<sent@x>"
    assert rows[none].lines == [] and list(rows[none].line_states) == ["*"]
    assert rows[none].decision == "rejected"
    pending = rows[none].delivery
    assert pending is not None and pending.status == "pending"
    assert [d["outcome"] for d in rows[none].decisions] == ["rejected"]


def test_export_rows_are_the_rows_the_entries_give(app: Flask) -> None:
    """The indexes give every exported field the statements' entries give (``iter_rows``
    reads those): multi-line, unmatched, decided, refunded, overdue, erased statements and
    wildcards alike, under every kind of filter the list has."""
    many = [{"line_id": str(n), "title": f"Item {n}", "quantity": n,
             "unit_price": "1.00", "kind": "digital-content",
             "assessment": {**assessment(str(n), "withdrawable"),
                            **({"assessed_at": "2026-12-20T10:00:00+00:00"} if n == 10
                               else {})}} for n in (2, 10, 1)]
    decided = record(app, statuses=["withdrawable", "excluded"], flags=["chosen-excluded"])
    record(app, lines=many)
    record(app, order_matched=False, name="=cmd")
    erased = record(app, name="Erin")
    refunded = record(app, name="Rina", statuses=["withdrawable", "withdrawable"])
    late = record(app, name="Otto", days_ago=40)
    record_decision(engine_of(app), decided, Decision("accepted", by="clara"))
    with engine_of(app).begin() as conn:
        erase_statement(conn, erased, {"retention": "1d", "cutoff": "2026-01-01T00:00:00Z"})
    with app.app_context():
        backoffice.record_decision(refunded, "accepted", ["1", "2"], by="clara")
        backoffice.record_decision(refunded, "refunded", ["1"], amount="19.99", by="clara")
        backoffice.record_decision(late, "accepted", ["1"], by="clara")  # the refund overdue
    scope = Scope(_zone(), _today())
    every_filter = (Filters(), Filters(decision="accepted"), Filters(matched=False),
                    Filters(decision="undecided"), Filters(decision="refunded"),
                    Filters(refund="due"), Filters(refund="overdue"), Filters(name="rin"),
                    Filters(name="=cm"), Filters(flag="chosen-excluded"),
                    Filters(reference=decided), Filters(order_number="1001"),
                    Filters(since=_today(), until=_today()))
    found: list[int] = []
    for filters in every_filter:
        old = [export.record(row) for row in paging.iter_rows(engine_of(app), filters, scope)]
        new = [export.record(row) for row in
               export_rows.export_rows(engine_of(app), filters, scope, batch=2)]
        assert new == old
        found.append(len(new))
        for row in export_rows.export_rows(engine_of(app), filters, scope):
            assert export.csv_row(row) == export.csv_cells(export.record(row))
    assert found[0] == 6 and all(found), found  # every filter keeps some


def _row(n: int) -> StatementRow:
    return StatementRow(
        reference=f"W-{n:04d}-0000", seq=n, entry_hash="0" * 64,
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n), name="N" * 40,
        email="e@example.com", order_number=str(n), order_matched=True, locale="en",
        flags=[], lines=[{"title": "T" * 40, "quantity": 1, "status": "withdrawable"}],
        description="", erased=False, decision="undecided", refund_due=None,
        refunded_on=None, key_revoked_at=None,
        delivery=Delivery("sent", 1, None, "<m@x>", None),
    )


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_export_memory_does_not_grow_with_the_number_of_rows(fmt: str) -> None:
    """40 times more rows, about the same peak: far below the size of what was produced."""
    def peak(count: int) -> tuple[int, int]:
        tracemalloc.start()
        size = sum(len(chunk) for chunk in export.chunks(fmt, (_row(n) for n in range(count))))
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size, top

    small_size, small_peak = peak(500)
    large_size, large_peak = peak(20_000)
    assert large_size > 35 * small_size
    assert large_peak < 2 * small_peak + 256 * 1024
    assert large_peak < large_size / 5


def test_cli_export_csv_between_dates(app: Flask, runner: Any) -> None:
    inside = record(app, name="Inside", days_ago=10)
    record(app, name="Before", days_ago=40)
    record(app, name="Today")
    since = (datetime.now(UTC) - timedelta(days=20)).date().isoformat()
    until = (datetime.now(UTC) - timedelta(days=5)).date().isoformat()
    result = runner.invoke(args=["withdrawal", "export", "--format", "csv", "--since", since,
                                 "--until", until])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["reference"] for r in rows] == [inside]


def test_cli_export_jsonl_to_a_file(app: Flask, runner: Any, tmp_path: Any) -> None:
    made = [record(app), record(app)]
    target = tmp_path / "out.jsonl"
    result = runner.invoke(args=["withdrawal", "export", "--format", "jsonl", "-o", str(target)])
    assert result.exit_code == 0, result.output
    data = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [d["reference"] for d in data] == list(reversed(made))


def test_cli_export_help_has_an_example(runner: Any) -> None:
    result = runner.invoke(args=["withdrawal", "export", "--help"])
    assert result.exit_code == 0
    assert "Example: flask --app wsgi withdrawal export" in result.output
    assert "--format [csv|jsonl]" in result.output


def test_iter_rows_covers_everything_once(app: Flask) -> None:
    made = [record(app) for _ in range(7)]
    rows = list(paging.iter_rows(engine_of(app), Filters(), Scope(_zone(), _today()), batch=3))
    assert [r.reference for r in rows] == list(reversed(made))


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


def _today() -> Any:
    return datetime.now(UTC).date()


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export.chunks("xlsx", [])


def test_an_export_reads_one_snapshot(app: Flask) -> None:
    """A decision recorded while the export streams is in none of its rows: every batch reads
    the record as it was when the export began (PostgreSQL's READ COMMITTED would show it in
    the batches read after it)."""
    older, newer = record(app, name="Ann"), record(app, name="Bob")
    rows = export_rows.export_rows(engine_of(app), Filters(), Scope(_zone(), _today()), batch=1)
    first = next(rows)
    assert first.reference == newer
    record_decision(engine_of(app), older, Decision("accepted", by="clara"))
    second = next(rows)
    assert second.reference == older and second.decision == "undecided"
    assert list(rows) == []
    again = export_rows.export_rows(engine_of(app), Filters(), Scope(_zone(), _today()))
    assert [row.decision for row in again] == ["undecided", "accepted"]


def failing_at(app: Flask, query: str) -> Any:
    """The database fails the export's streamed query (``"rows"``) or its first query of a
    batch's decision events (``"decisions"``)."""
    marker = {"rows": "JOIN withdrawal_statement_lines",
              "decisions": "withdrawal_ledger.kind = "}[query]
    return database_fails_at(app, marker)


def test_an_export_the_database_fails_at_once_is_a_503(
    app: Flask, auditor: FlaskClient,
) -> None:
    """The first chunk is made before the answer: no 200 cut off before its first row."""
    record(app)
    with failing_at(app, "rows"):
        response = auditor.get(f"{P}/export.csv")
    assert response.status_code == 503
    assert "Not available right now" in response.get_data(as_text=True)


def test_a_cli_export_that_fails_half_way_leaves_no_file(
    app: Flask, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(export_rows, "BATCH_SIZE", 1)
    monkeypatch.setattr(export, "CHUNK_SIZE", 1)  # each row written as it comes
    first, *_ = [record(app, name=name) for name in ("Ann", "Bob", "Cem")]
    record_decision(engine_of(app), first, Decision("accepted", by="clara"))
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "q1.csv"
    target.write_bytes(b"an earlier export\n")
    with failing_at(app, "decisions"):  # Ann's, the last batch: two rows are written already
        result = runner.invoke(args=["withdrawal", "export", "-o", str(target)])
    assert result.exit_code == 1
    assert "the database failed during the export" in result.output
    assert f"{target} was not written" in result.output
    assert target.read_bytes() == b"an earlier export\n"
    assert [p.name for p in target.parent.iterdir()] == ["q1.csv"]  # no partial file left
    result = runner.invoke(args=["withdrawal", "export", "-o", str(target)])
    assert result.exit_code == 0
    assert len(target.read_text().splitlines()) == 4
    assert target.stat().st_mode & 0o777 == 0o600  # personal data: its owner's only


def test_a_cli_export_to_a_folder_that_is_not_there_says_so(
    app: Flask, runner: Any, tmp_path: Path,
) -> None:
    record(app)
    result = runner.invoke(args=["withdrawal", "export", "-o", str(tmp_path / "no" / "q.csv")])
    assert result.exit_code == 1
    assert f"cannot write {tmp_path / 'no' / 'q.csv'}" in result.output
    assert "Traceback" not in result.output
