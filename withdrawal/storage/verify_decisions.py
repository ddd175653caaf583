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

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from ..decisions import fold
from ..statement import CONTENT_FIELD, is_erased
from .decisions import (
    Decided,
    decided_statements,
    decision_events_of,
    index_rows,
    is_decision_event,
    line_states,
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
    result = conn.execution_options(yield_per=BATCH).execute(decided_statements())
    for part in result.partitions():
        references = [row.reference for row in part]
        checked += len(references)
        yield from _batch_problems(conn, references)
    indexed = conn.execute(select(func.count(distinct(line_decisions.c.reference)))).scalar_one()
    if indexed > checked:
        yield from _undecided_with_rows(conn)


def _batch_problems(conn: Connection, references: Sequence[str]) -> Iterator[str]:
    entries = {row.reference: row for row in conn.execute(
        select(statements.c.reference, statements.c.seq, statements.c.submitted_at,
               ledger.c.body, ledger.c.erased)
        .join(ledger, ledger.c.seq == statements.c.seq)
        .where(statements.c.reference.in_(references)))}
    events = decision_events_of(conn, list(references))
    kept = line_states(conn, list(references))
    for reference in references:
        entry = entries.get(reference)
        expected = _expected(entry, events.get(reference, [])) if entry is not None else {}
        found = {line: tuple(row[column] for column in COLUMNS)
                 for line, row in kept.get(reference, {}).items()}
        if found != expected:
            yield (f"decisions of statement {reference}: the decision index differs from what "
                   f"its decision events in the chain fold to")


def _expected(entry: Any, events: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    content = json.loads(entry.body).get(CONTENT_FIELD) or {}
    decided = Decided(entry.reference, entry.seq, entry.submitted_at, content,
                      fold(content, events), is_erased(entry.erased))
    return {row["line_id"]: tuple(row[column] for column in COLUMNS)
            for row in index_rows(decided)}


def _undecided_with_rows(conn: Connection) -> Iterator[str]:
    """The first statement with decision index rows but no decision event in the chain."""
    decided = select(ledger.c.reference).where(is_decision_event())
    row = conn.execute(select(line_decisions.c.reference)
                       .where(line_decisions.c.reference.not_in(decided))
                       .order_by(line_decisions.c.seq).limit(1)).first()
    if row is not None:
        yield (f"decisions of statement {row.reference}: the decision index has rows, the "
               f"chain no decision event")
