"""The exports' rows, read from the search indexes instead of the statements' entries: one
query over the statements (and their entry's hash), streamed in batches (``yield_per``: a
server-side cursor on PostgreSQL, ``fetchmany`` on SQLite), and for each batch its lines
(``statement_lines``, which holds what an export shows of a line), acknowledgements and line
decisions in one query each. Only a statement with decision events has its entry parsed, to
list its decisions. Memory stays flat whatever the number of rows; one connection is held for
the whole export, reading one snapshot (``storage.engine.one_snapshot``): a decision or a
delivery recorded while the export runs is in none of its rows, not in the later batches only;
writers go on, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from ..decisions import decision_json, fold
from ..storage.decisions import decision_events_of, line_states
from ..storage.engine import one_snapshot
from ..storage.tables import ledger, statement_lines, statements
from . import paging
from .queries import Filters, Scope, StatementRow, base_select, decided_fields, deliveries_on

BATCH_SIZE = 2000

#: A statement's columns, in the order ``_row`` unpacks them.
_COLUMNS = (statements.c.reference, statements.c.seq, ledger.c.hash, statements.c.submitted_at,
            statements.c.name, statements.c.email, statements.c.order_number,
            statements.c.order_matched, statements.c.locale, statements.c.flags,
            ledger.c.erased)

_LINE_COLUMNS = (statement_lines.c.reference, statement_lines.c.line_id,
                 statement_lines.c.title, statement_lines.c.quantity, statement_lines.c.status,
                 statement_lines.c.deadline, statement_lines.c.period_ended)


def export_rows(
    engine: Engine, filters: Filters, scope: Scope, batch: int | None = None,
) -> Iterator[StatementRow]:
    """Every matching statement, newest first, as the list shows it (without descriptions)."""
    scope = paging.indexed(engine, scope)
    query = (base_select(filters, scope, _COLUMNS)
             .order_by(*paging.order_for(filters).newest_first()))
    with engine.connect() as opened:
        conn = one_snapshot(opened)
        streamed = conn.execute(query.execution_options(yield_per=batch or BATCH_SIZE))
        with streamed as result:  # its cursor closed whatever ends the export
            for part in result.partitions():
                yield from _rows(conn, part, scope)


def _rows(conn: Connection, part: Sequence[Row[Any]], scope: Scope) -> list[StatementRow]:
    references = [row[0] for row in part]
    lines = _lines(conn, references)
    decided = line_states(conn, references)
    states = deliveries_on(conn, references)
    found = [_row(row, lines.get(row[0], []), decided.get(row[0]) or {}, states.get(row[0]))
             for row in part]
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


def _row(row: Sequence[Any], lines: list[dict[str, Any]], decided: dict[str, dict[str, Any]],
         delivery: Any) -> StatementRow:
    reference, seq, entry_hash, at, name, email, number, matched, locale, flags, erased = row
    for line in lines:
        state = decided.get(line["line_id"])
        if state is not None:
            line["state"] = state["state"]
    return StatementRow(
        reference=reference, seq=seq, entry_hash=entry_hash, submitted_at=at, name=name,
        email=email, order_number=number, order_matched=matched, locale=locale,
        flags=json.loads(flags) if flags and flags != "[]" else [], lines=lines,
        description="", erased=bool(erased) and "content" in json.loads(erased),
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
