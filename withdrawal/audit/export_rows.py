"""The exports' rows, read from the search indexes instead of the statements' entries: one
streamed query (``yield_per``: a server-side cursor on PostgreSQL, ``fetchmany`` on SQLite)
of the statements joined with their entry's hash, their lines (``statement_lines``, which
holds what an export shows of a line), each line's decision state and the acknowledgement's
latest outbox entry: a row per line, a statement's rows next to each other. Only a statement
with decision events has its entry parsed, to list its decisions (one query per batch of
statements). Memory stays flat whatever the number of rows; one connection is held for the
whole export, reading one snapshot (``storage.engine.one_snapshot``): a decision or a delivery
recorded while the export runs is in none of its rows, not in the later batches only; writers
go on, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, and_, func, select

from ..decisions import decision_json, fold
from ..storage.decisions import decision_events_of
from ..storage.engine import one_snapshot
from ..storage.tables import ledger, line_decisions, outbox, statement_lines, statements
from . import paging
from .queries import Delivery, Filters, Scope, StatementRow, base_select, decided_fields

BATCH_SIZE = 2000

_STATE = line_decisions.alias("line_state")  # the list's own filters may join line_decisions
_LATEST = outbox.alias("acknowledgement")

#: The columns of a row: the statement's (``_statement`` unpacks them), its line's
#: (``_line``), the line's decision state (the line id, then ``_STATE_FIELDS``) and the
#: acknowledgement's delivery (``_delivery``).
_STATEMENT_COLUMNS = (statements.c.reference, statements.c.seq, ledger.c.hash,
                      statements.c.submitted_at, statements.c.name, statements.c.email,
                      statements.c.order_number, statements.c.order_matched,
                      statements.c.locale, statements.c.flags, ledger.c.erased)
_LINE_COLUMNS = (statement_lines.c.line_id, statement_lines.c.title, statement_lines.c.quantity,
                 statement_lines.c.status, statement_lines.c.deadline,
                 statement_lines.c.period_ended)
_STATE_COLUMNS = (_STATE.c.line_id, _STATE.c.state, _STATE.c.refund_due, _STATE.c.withheld,
                  _STATE.c.refunded_on, _STATE.c.key_revoked_at)
_DELIVERY_COLUMNS = (_LATEST.c.status, _LATEST.c.attempts, _LATEST.c.sent_at,
                     _LATEST.c.message_id, _LATEST.c.last_error)
_COLUMNS = _STATEMENT_COLUMNS + _LINE_COLUMNS + _STATE_COLUMNS + _DELIVERY_COLUMNS
_LINE = len(_STATEMENT_COLUMNS)
_STATE_AT = _LINE + len(_LINE_COLUMNS)
_DELIVERY_AT = _STATE_AT + len(_STATE_COLUMNS)
_STATE_FIELDS = tuple(column.name for column in _STATE_COLUMNS[1:])  # state, refund_due, ...


def export_rows(
    engine: Engine, filters: Filters, scope: Scope, batch: int | None = None,
) -> Iterator[StatementRow]:
    """Every matching statement, newest first, as the list shows it (without descriptions)."""
    scope = paging.indexed(engine, scope)
    query = _joined(filters, scope).execution_options(yield_per=batch or BATCH_SIZE)
    with engine.connect() as opened:
        conn = one_snapshot(opened)
        with conn.execute(query) as result:  # its cursor closed whatever ends the export
            for part in _parts(_statements(result, scope), batch or BATCH_SIZE):
                _add_decisions(conn, [row for row in part if row.line_states])
                yield from part


def _joined(filters: Filters, scope: Scope) -> Select[Any]:
    """The matching statements' rows, a row per line (one with no line for a statement
    without lines), newest first and each statement's lines in their order."""
    latest = (select(func.max(outbox.c.id))
              .where(outbox.c.reference == statements.c.reference,
                     outbox.c.purpose == "acknowledgement")
              .scalar_subquery())
    line_id = func.coalesce(statement_lines.c.line_id, "*")  # the state of a statement's "*"
    query = base_select(filters, scope, _COLUMNS)
    return (query
            .outerjoin(statement_lines, statement_lines.c.reference == statements.c.reference)
            .outerjoin(_STATE, and_(_STATE.c.reference == statements.c.reference,
                                    _STATE.c.line_id == line_id))
            .outerjoin(_LATEST, _LATEST.c.id == latest)
            .order_by(*paging.order_for(filters).newest_first(), statement_lines.c.position))


def _statements(rows: Iterable[Row[Any]], scope: Scope) -> Iterator[StatementRow]:
    for _reference, group in groupby(rows, key=itemgetter(0)):
        yield _statement(list(group), scope)


def _parts(rows: Iterator[StatementRow], size: int) -> Iterator[list[StatementRow]]:
    part: list[StatementRow] = []
    for row in rows:
        part.append(row)
        if len(part) == size:
            yield part
            part = []
    if part:
        yield part


def _statement(group: Sequence[Row[Any]], scope: Scope) -> StatementRow:
    """One statement from its rows (a row per line)."""
    reference, seq, entry_hash, at, name, email, number, matched, locale, flags, erased = (
        group[0][:_LINE])
    lines = [_line(row) for row in group if row[_LINE] is not None]
    decided = {row[_STATE_AT]: dict(zip(_STATE_FIELDS, row[_STATE_AT + 1:_DELIVERY_AT],
                                        strict=True))
               for row in group if row[_STATE_AT] is not None}
    decided = dict(sorted(decided.items()))  # by line id, as the list's rows hold them
    for line in lines:
        state = decided.get(line["line_id"])
        if state is not None:
            line["state"] = state["state"]
    return StatementRow(
        reference=reference, seq=seq, entry_hash=entry_hash, submitted_at=at, name=name,
        email=email, order_number=number, order_matched=matched, locale=locale,
        flags=json.loads(flags) if flags and flags != "[]" else [], lines=lines,
        description="", erased=bool(erased) and "content" in json.loads(erased),
        line_states=decided, delivery=_delivery(group[0]), today=scope.today,
        **decided_fields(decided),
    )


def _line(row: Row[Any]) -> dict[str, Any]:
    line_id, title, quantity, status, deadline, ended = row[_LINE:_STATE_AT]
    return {"line_id": line_id, "title": title, "quantity": quantity, "status": status,
            "deadline": deadline, "period_ended": bool(ended), "state": "undecided"}


def _delivery(row: Row[Any]) -> Delivery | None:
    status, attempts, sent_at, message_id, last_error = row[_DELIVERY_AT:]
    if status is None:
        return None
    return Delivery(status=status, attempts=attempts, sent_at=sent_at, message_id=message_id,
                    last_error=last_error)


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
