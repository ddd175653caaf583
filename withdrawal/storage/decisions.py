"""The per-line decision index (``withdrawal_line_decisions``): each line's state folded from
the chain's decision events, rewritten for a statement in the transaction that appends its
event, and rebuilt from the chain whenever needed. Also the reads the audit area and the
worker make of it: refunds due, overdue refunds not yet signalled."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
)

from ..decisions import Folded, LineState, fold
from ..decisions.machine import DECISION_EVENT, OVERDUE_EVENT
from ..statement import CONTENT_FIELD, is_erased
from .statements import StoredStatement
from .tables import ledger, line_decisions, statements

#: Ledger bodies are canonical JSON (sorted keys): an event body ends with its type.
_EVENT_ENDINGS = tuple(f'%"type":"{kind}"}}' for kind in (DECISION_EVENT, OVERDUE_EVENT))


def is_decision_event() -> ColumnElement[bool]:
    """The condition on a ledger row that it is a decision or an overdue event."""
    return and_(ledger.c.kind == "event",
                or_(*(ledger.c.body.like(ending) for ending in _EVENT_ENDINGS)))


def decided_statements() -> Select[Any]:
    """(reference, first) of every statement with a decision or overdue event, in the order
    of its first one."""
    return (select(ledger.c.reference, func.min(ledger.c.seq).label("first"))
            .where(is_decision_event()).group_by(ledger.c.reference).order_by("first"))


@dataclass(frozen=True)
class Decided:
    """A statement with its decisions folded: what the index, the views and the API read."""

    reference: str
    seq: int
    submitted_at: datetime
    content: Mapping[str, Any]
    folded: Folded
    erased: bool = False  # personal data erased under retention


def decision_events(conn: Connection, reference: str) -> list[dict[str, Any]]:
    """The statement's decision and overdue events in chain order (``events_of``'s shape)."""
    rows = conn.execute(
        select(ledger.c.seq, ledger.c.recorded_at, ledger.c.body)
        .where(ledger.c.reference == reference, is_decision_event())
        .order_by(ledger.c.seq)
    )
    return [{"seq": r.seq, "recorded_at": r.recorded_at, **json.loads(r.body)} for r in rows]


def decision_events_of(conn: Connection, references: list[str]) -> dict[str, list[dict[str, Any]]]:
    """``decision_events`` of several statements in one query: reference -> events."""
    if not references:
        return {}
    rows = conn.execute(
        select(ledger.c.seq, ledger.c.reference, ledger.c.recorded_at, ledger.c.body)
        .where(ledger.c.reference.in_(references), is_decision_event())
        .order_by(ledger.c.seq)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(r.reference, []).append(
            {"seq": r.seq, "recorded_at": r.recorded_at, **json.loads(r.body)})
    return found


def statement_entries() -> Select[Any]:
    """Statements with what ``decided_from`` needs of them and of their entries."""
    return (select(statements.c.reference, statements.c.seq, statements.c.submitted_at,
                   ledger.c.body, ledger.c.erased)
            .join(ledger, ledger.c.seq == statements.c.seq))


def decided_from(entry: Any, events: list[dict[str, Any]]) -> Decided:
    """A statement (a row of ``statement_entries``) with ``events`` (its decision events in
    chain order) folded."""
    content = json.loads(entry.body).get(CONTENT_FIELD) or {}
    return Decided(entry.reference, entry.seq, entry.submitted_at, content,
                   fold(content, events), is_erased(entry.erased))


def load_decided(conn: Connection, reference: str, *, upto: int | None = None) -> Decided | None:
    """The statement and its decisions (those up to entry ``upto``, if given), or None."""
    row = conn.execute(statement_entries().where(statements.c.reference == reference)).first()
    if row is None:
        return None
    events = [e for e in decision_events(conn, reference) if upto is None or e["seq"] <= upto]
    return decided_from(row, events)


def decided_of(conn: Connection, statement: StoredStatement) -> Decided:
    """:func:`load_decided` of a statement read already: only its decisions are read."""
    content = dict(statement.content)
    return Decided(statement.reference, statement.seq, statement.submitted_at, content,
                   fold(content, decision_events(conn, statement.reference)),
                   statement.erased)


def index_rows(decided: Decided) -> list[dict[str, Any]]:
    """The index rows of one statement (none while nothing was decided)."""
    folded = decided.folded
    if folded.last_at is None:
        return []
    return [{
        "reference": decided.reference, "line_id": r.line_id,
        "submitted_at": decided.submitted_at, "seq": decided.seq, "state": r.state.value,
        "goods": r.goods, "refund_due": r.refund_due, "withheld": r.withheld,
        "refunded_on": r.refund.day("date", "refunded_on") if r.refund else None,
        "key_revoked_at": r.key_revoked.at if r.key_revoked else None,
        "returned_on": _returned_on(r.returned.data, r.returned.at) if r.returned else None,
        "overdue_signalled_at": r.overdue_signalled_at,
        "decided_at": folded.last_at, "last_seq": folded.last_seq,
    } for r in folded.lines.values()]


def _returned_on(data: Mapping[str, Any], at: datetime) -> date:
    return date.fromisoformat(str(data["date"])) if data.get("date") else at.date()


def reindex(conn: Connection, reference: str) -> Decided | None:
    """Rewrite the statement's rows from its events (in the caller's transaction)."""
    decided = load_decided(conn, reference)
    conn.execute(delete(line_decisions).where(line_decisions.c.reference == reference))
    rows = index_rows(decided) if decided else []
    if rows:
        conn.execute(insert(line_decisions), rows)
    return decided


def decided_references(conn: Connection) -> Iterator[str]:
    """Every statement with a decision or overdue event, in chain order."""
    for row in conn.execute(decided_statements()).all():
        yield row.reference


def rebuild_line_decisions(engine: Engine) -> int:
    """Empty the index and fold every statement's decisions into it again; returns how many
    statements have rows."""
    with engine.begin() as conn:
        conn.execute(delete(line_decisions))
        return sum(reindex(conn, reference) is not None
                   for reference in list(decided_references(conn)))


@dataclass(frozen=True)
class RefundDue:
    """A statement with accepted lines not yet refunded: their last day, whether the trader
    may still wait for goods (Art. 13(3)), and who the consumer is."""

    reference: str
    refund_due: date
    submitted_at: datetime
    name: str
    order_number: str | None
    lines: tuple[str, ...]
    withheld: bool


#: Rows fetched at a time by the refunds overview.
REFUNDS_BATCH = 500


def refunds_due(conn: Connection, *, until: date, limit: int = 200) -> list[RefundDue]:
    """Accepted lines not yet refunded whose refund falls due by ``until`` (overdue ones
    included), by statement, earliest first; at most ``limit`` statements."""
    query = (
        select(line_decisions.c.reference, line_decisions.c.line_id,
               line_decisions.c.refund_due, line_decisions.c.withheld,
               statements.c.submitted_at, statements.c.name, statements.c.order_number)
        .join(statements, statements.c.reference == line_decisions.c.reference)
        .where(line_decisions.c.state == LineState.ACCEPTED,
               line_decisions.c.refund_due <= until)
        .order_by(line_decisions.c.refund_due, line_decisions.c.reference,
                  line_decisions.c.line_id)
    )
    found: dict[str, RefundDue] = {}
    # Streamed (a server-side cursor on PostgreSQL): the rows past the limit's statements are
    # never fetched, however many accepted lines wait.
    result = conn.execute(query.execution_options(yield_per=REFUNDS_BATCH))
    try:
        for r in result:
            earlier = found.get(r.reference)
            if earlier is None and len(found) >= limit:
                break
            lines = (*earlier.lines, r.line_id) if earlier else (r.line_id,)
            withheld = bool(r.withheld) if earlier is None else earlier.withheld and r.withheld
            found[r.reference] = RefundDue(r.reference, r.refund_due, r.submitted_at, r.name,
                                           r.order_number, lines, withheld)
    finally:
        result.close()
    return list(found.values())


def overdue_unsignalled(conn: Connection, today: date, *, limit: int = 100) -> dict[str, list[str]]:
    """Statements with accepted lines past their refund day, not withheld, whose overdue
    refund was not signalled yet: reference -> line ids."""
    query = (
        select(line_decisions.c.reference, line_decisions.c.line_id)
        .where(line_decisions.c.state == LineState.ACCEPTED,
               line_decisions.c.refund_due < today, line_decisions.c.withheld.is_(False),
               line_decisions.c.overdue_signalled_at.is_(None))
        .order_by(line_decisions.c.refund_due, line_decisions.c.reference,
                  line_decisions.c.line_id)
    )
    found: dict[str, list[str]] = {}
    for r in conn.execute(query):
        if r.reference not in found and len(found) >= limit:
            break
        found.setdefault(r.reference, []).append(r.line_id)
    return found


def line_states(conn: Connection, references: list[str]) -> dict[str, dict[str, Any]]:
    """The index rows of these statements: reference -> line id -> row."""
    if not references:
        return {}
    rows = conn.execute(select(line_decisions)
                        .where(line_decisions.c.reference.in_(references))
                        .order_by(line_decisions.c.reference, line_decisions.c.line_id))
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        found.setdefault(row.reference, {})[row.line_id] = dict(row._mapping)
    return found
