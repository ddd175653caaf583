"""The exports' rows, read from the search indexes instead of the statements' entries: one
query over the statements (and their entry's hash), streamed in batches (``yield_per``: a
server-side cursor on PostgreSQL, ``fetchmany`` on SQLite), and for each batch its lines
(``statement_lines``, which holds what an export shows of a line), acknowledgements and line
decisions in one query each. Only a statement with decision events has its entry parsed, to
list its decisions. Memory stays flat whatever the number of rows; one connection is held for
the whole export (a read transaction: writers go on, on both backends)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from ..decisions import decision_json, fold
from ..storage.decisions import decision_events_of, line_states
from ..storage.tables import ledger, statement_lines
from . import paging
from .queries import Filters, Scope, StatementRow, base_select, decided_fields, deliveries_on

BATCH_SIZE = 2000

_LINE_COLUMNS = (statement_lines.c.reference, statement_lines.c.line_id,
                 statement_lines.c.title, statement_lines.c.quantity, statement_lines.c.status,
                 statement_lines.c.deadline, statement_lines.c.period_ended)


def export_rows(
    engine: Engine, filters: Filters, scope: Scope, batch: int | None = None,
) -> Iterator[StatementRow]:
    """Every matching statement, newest first, as the list shows it (without descriptions)."""
    scope = paging.indexed(engine, scope)
    query = (base_select(filters, scope, body=False)
             .order_by(*paging.order_for(filters).newest_first()))
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch or BATCH_SIZE).execute(query)
        for part in result.partitions():
            yield from _rows(conn, part, scope)


def _rows(conn: Connection, part: Sequence[Row[Any]], scope: Scope) -> list[StatementRow]:
    references = [row.reference for row in part]
    lines = _lines(conn, references)
    decided = line_states(conn, references)
    states = deliveries_on(conn, references)
    found = [_row(row, lines.get(row.reference, []), decided.get(row.reference) or {},
                  states.get(row.reference)) for row in part]
    for item in found:
        item.today = scope.today
    _add_decisions(conn, [item for item in found if item.line_states])
    return found


def _lines(conn: Connection, references: list[str]) -> dict[str, list[dict[str, Any]]]:
    query = (select(*_LINE_COLUMNS).where(statement_lines.c.reference.in_(references))
             .order_by(statement_lines.c.reference, statement_lines.c.position))
    found: dict[str, list[dict[str, Any]]] = {}
    for reference, line_id, title, quantity, status, deadline, ended in conn.execute(query):
        found.setdefault(reference, []).append({
            "line_id": line_id, "title": title, "quantity": quantity, "status": status,
            "deadline": deadline, "period_ended": bool(ended), "state": "undecided"})
    return found


def _row(row: Row[Any], lines: list[dict[str, Any]], decided: dict[str, dict[str, Any]],
         delivery: Any) -> StatementRow:
    for line in lines:
        state = decided.get(line["line_id"])
        if state is not None:
            line["state"] = state["state"]
    return StatementRow(
        reference=row.reference, seq=row.seq, entry_hash=row.hash,
        submitted_at=row.submitted_at, name=row.name, email=row.email,
        order_number=row.order_number, order_matched=row.order_matched, locale=row.locale,
        flags=json.loads(row.flags) if row.flags and row.flags != "[]" else [],
        lines=lines, description="",
        erased=bool(row.erased) and "content" in json.loads(row.erased),
        line_states=decided, delivery=delivery, **decided_fields(decided),
    )


def _add_decisions(conn: Connection, decided: list[StatementRow]) -> None:
    """The decisions of the statements that have some, folded from their events (the one
    place an export parses a statement's entry: the fold needs its lines as recorded)."""
    events = decision_events_of(conn, [row.reference for row in decided])
    if not events:
        return
    bodies = dict(conn.execute(select(ledger.c.reference, ledger.c.body).where(
        ledger.c.seq.in_([row.seq for row in decided if row.reference in events]))).all())
    for row in decided:
        if row.reference in events:
            content = json.loads(bodies[row.reference]).get("content") or {}
            row.decisions = [decision_json(entry) for entry in
                             fold(content, events[row.reference]).decisions]
