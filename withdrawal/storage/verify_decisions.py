"""``verify``'s check of the decision index (``withdrawal_line_decisions``) against the chain:
each decided statement's rows are what its decision and overdue events fold to
(``decisions.index_rows``, the very rows the decision wrote), and no statement without such an
event has rows. The index drives what the audit shows and does of decisions (the list's
decision and refund filters, the refunds overview, the exports' decision columns, the overdue
refund notices): an insider who edits it (a refund shown as made, a due date moved, an
acceptance dropped) changes all of those without touching the chain.

Read after the walk, in batches of decided statements: per batch one query for the statements,
one for their events, one for their rows; memory stays flat."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from .decisions import (
    decided_from,
    decided_statements,
    decision_events,
    decision_events_of,
    index_rows,
    is_decision_event,
    line_states,
    statement_entries,
)
from .tables import ledger, line_decisions, statements

#: Decided statements checked at a time.
BATCH = 500

#: The index columns compared (``reference`` and ``line_id`` key the rows).
COLUMNS = ("submitted_at", "seq", "state", "goods", "refund_due", "withheld", "refunded_on",
           "key_revoked_at", "returned_on", "overdue_signalled_at", "decided_at", "last_seq")


def decision_problems(conn: Connection) -> Iterator[str]:
    """Problems of the decision index, the first statement's first."""
    checked = 0
    with conn.execute(decided_statements().execution_options(yield_per=BATCH)) as result:
        for part in result.partitions():
            references = [row.reference for row in part]
            checked += len(references)
            yield from _batch_problems(conn, references)
    indexed = conn.execute(select(func.count(distinct(line_decisions.c.reference)))).scalar_one()
    if indexed > checked:
        yield from _undecided_with_rows(conn)


def _batch_problems(conn: Connection, references: Sequence[str]) -> Iterator[str]:
    entries = {row.reference: row for row in conn.execute(
        statement_entries().where(statements.c.reference.in_(references)))}
    events = _events(conn, references)
    kept = line_states(conn, list(references))
    for reference in references:
        entry = entries.get(reference)
        expected = _expected(entry, events.get(reference)) if entry is not None else {}
        found = {line: tuple(row[column] for column in COLUMNS)
                 for line, row in kept.get(reference, {}).items()}
        if expected is None:
            yield (f"decisions of statement {reference}: its entry and decision events in the "
                   f"chain cannot be folded")
        elif found != expected:
            yield (f"decisions of statement {reference}: the decision index differs from what "
                   f"its decision events in the chain fold to")


def _events(conn: Connection, references: Sequence[str]) -> dict[str, Any]:
    """The statements' decision events; a statement whose events are not all JSON (an entry
    changed by hand: the chain's check names it) maps to None."""
    try:
        return decision_events_of(conn, list(references))
    except ValueError:
        found: dict[str, Any] = {}
        for reference in references:
            try:
                found[reference] = decision_events(conn, reference)
            except ValueError:
                found[reference] = None
        return found


def _expected(entry: Any, events: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The index rows the statement's events fold to, by line; None when its entry or events
    (changed by hand) cannot be folded at all."""
    if events is None:
        return None
    try:
        rows = index_rows(decided_from(entry, events))
    except Exception:  # noqa: BLE001 - whatever an edited entry makes the fold raise
        return None
    return {row["line_id"]: tuple(row[column] for column in COLUMNS) for row in rows}


def _undecided_with_rows(conn: Connection) -> Iterator[str]:
    """The first statement with decision index rows but no decision event in the chain."""
    decided = select(ledger.c.reference).where(is_decision_event())
    row = conn.execute(select(line_decisions.c.reference)
                       .where(line_decisions.c.reference.not_in(decided))
                       .order_by(line_decisions.c.seq).limit(1)).first()
    if row is not None:
        yield (f"decisions of statement {row.reference}: the decision index has rows, the "
               f"chain no decision event")
