"""``verify``'s check of the search indexes against the chain, one batch of entries at a time:
every statement entry has its ``statements`` row with every indexed column as recorded, every
row points to the statement entry it indexes, and ``statement_lines`` holds exactly the lines
the statement recorded. Memory stays bounded by the batch, but for the statements per hour and
outcome recounted from the entries (``hours``), whose rows are compared with
``statement_hours`` at the end: one per hour and outcome that has statements."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from ..statement import CONTENT_FIELD, erased_fields
from .hours import hour_of, outcome_of
from .statements import indexed_line
from .tables import ledger, statement_hours, statement_lines, statements

#: The columns of a line's index row compared with the line as recorded.
LINE_COLUMNS = ("line_id", "status", "position", "title", "quantity", "deadline",
                "period_ended")


@dataclass(frozen=True)
class RecordedStatement:
    """A statement entry of the chain as ``verify`` walked it."""

    seq: int
    reference: str
    content: dict[str, Any]
    erased: bool
    at: datetime | None  # its submission instant, parsed once (None: none it can be read as)

    @classmethod
    def of(cls, row: Any, body: dict[str, Any] | None = None) -> RecordedStatement:
        content = (json.loads(row.body) if body is None else body).get(CONTENT_FIELD) or {}
        if not isinstance(content, dict):  # an entry changed by hand: its hash says so
            content = {}
        erased = bool(row.erased) and CONTENT_FIELD in erased_fields(row.erased)
        return cls(row.seq, row.reference, content, erased,
                   _instant(content.get("submitted_at")))


def index_problems(
    conn: Connection, recorded: Sequence[RecordedStatement], walked: Sequence[int],
) -> tuple[list[str], list[RecordedStatement]]:
    """Problems of the index rows of the entries ``walked`` (a batch, in chain order), and
    the statements that have their index row (whose lines are worth comparing). A row
    pointing to no entry at all is ``stray_index_rows``' to name, wherever it lies."""
    present = set(walked)
    rows = {row.seq: row for row in conn.execute(
        select(*_INDEXED).where(statements.c.seq >= walked[0], statements.c.seq <= walked[-1]))
        if row.seq in present}
    indexed = [s for s in recorded if s.seq in rows and rows[s.seq].reference == s.reference]
    return list(_row_problems(recorded, rows)), indexed


def _row_problems(recorded: Sequence[RecordedStatement], rows: dict[int, Any]) -> Iterator[str]:
    for statement in recorded:
        row = rows.pop(statement.seq, None)
        where = f"statement {statement.reference} (entry {statement.seq})"
        if row is None:
            yield f"{where} has no index row"
        elif row.reference != statement.reference:
            yield f"index row {row.reference} points to entry {statement.seq}, which records " \
                  f"statement {statement.reference}"
        else:
            yield from (f"{where}: index column {column!r} differs from entry"
                        for column in _differing(row, statement))
    for row in rows.values():
        yield f"index row {row.reference} points to entry {row.seq}, which is no statement"


def stray_index_rows(conn: Connection) -> Iterator[str]:
    """The first index row pointing to no entry of the chain: a dropped tail, or an entry
    deleted anywhere with its index row left (one anti-join over the index, so that no gap
    between two batches, or two ranges, of the walk hides one)."""
    entry = select(ledger.c.seq).where(ledger.c.seq == statements.c.seq)
    row = conn.execute(select(statements.c.reference, statements.c.seq)
                       .where(~entry.exists())
                       .order_by(statements.c.seq).limit(1)).first()
    if row is not None:
        yield f"index row {row.reference} points to entry {row.seq}, which is not in the chain"


#: The index columns ``verify`` compares, in the order ``_expected_row`` lists them.
_COMPARED = ("reference", "name", "email", "email_lower", "order_number", "locale",
             "order_matched", "submitted_at", "flags")
_INDEXED = (statements.c.seq, *(statements.c[column] for column in _COMPARED))


def _differing(row: Any, statement: RecordedStatement) -> Iterator[str]:
    """The index columns of ``row`` that differ from the entry, in ``_COMPARED`` order."""
    expected = _expected_row(statement)
    if tuple(row[1:]) == expected:  # the usual case: all at once
        return
    for column, found, wanted in zip(_COMPARED, row[1:], expected, strict=True):
        if found != wanted and not _same_in_another_form(column, found, statement):
            yield column


def _expected_row(statement: RecordedStatement) -> tuple[Any, ...]:
    """The index row as the entry has it, with ``flags`` as the index writes them."""
    content = statement.content
    email = "" if statement.erased else str(content.get("email", ""))
    flags = content.get("flags") or []
    return (content.get("reference"), "" if statement.erased else content.get("name"), email,
            email.lower(), content.get("order_number"), content.get("locale"),
            bool(content.get("order_matched")), statement.at,
            json.dumps(flags) if flags.__class__ is list else None)


def _same_in_another_form(column: str, found: Any, statement: RecordedStatement) -> bool:
    """A truth value stored as a number, flags written with other spacing: the same."""
    if column == "order_matched":
        return bool(found) == bool(statement.content.get("order_matched"))
    if column == "flags":
        return bool(_json(found) == list(statement.content.get("flags") or []))
    return False


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "[]")
    except ValueError:
        return None


def line_problems(
    conn: Connection, recorded: Sequence[RecordedStatement], first: int, last: int,
) -> Iterator[str]:
    """``statement_lines`` of these statements (indexed, of entries ``first``..``last``)
    against the lines each one recorded. The lines are found through the index rows' range of
    entries, as ``index_problems`` finds the rows: no list of a thousand references for the
    database to parse in every batch."""
    if not recorded:
        return
    indexed: dict[str, set[tuple[Any, ...]]] = {}
    query = (select(*_LINE_INDEXED)
             .join(statements, statements.c.reference == statement_lines.c.reference)
             .where(statements.c.seq >= first, statements.c.seq <= last))
    for reference, *line in conn.execute(query):
        indexed.setdefault(reference, set()).add(tuple(line))
    for statement in recorded:
        if indexed.get(statement.reference, set()) != _expected_lines(statement.content):
            yield f"statement {statement.reference}: indexed lines differ from the entry"


_LINE_INDEXED = (statement_lines.c.reference, statement_lines.c.order_number,
                 *(statement_lines.c[column] for column in LINE_COLUMNS))


def _expected_lines(content: dict[str, Any]) -> set[tuple[Any, ...]]:
    number = content.get("order_number")
    if not content.get("order_matched") or number is None:
        return set()
    return {(str(number), *(line[key] for key in LINE_COLUMNS))
            for line in (indexed_line(position, line)
                         for position, line in enumerate(content.get("lines") or []))}


def stray_lines(conn: Connection) -> Iterator[str]:
    """Indexed lines of a statement the index does not hold."""
    orphan = (select(statement_lines.c.reference, statement_lines.c.line_id)
              .where(~statement_lines.c.reference.in_(select(statements.c.reference)))
              .limit(1))
    row = conn.execute(orphan).first()
    if row is not None:
        yield f"indexed line {row.line_id} of {row.reference}: no such statement in the index"


def hour_key(statement: RecordedStatement) -> tuple[str, str] | None:
    """The (hour, outcome) the statement counts under, from its entry (None: no instant)."""
    at = statement.at
    if at is None:
        return None
    return hour_of(at if at.tzinfo else at.replace(tzinfo=UTC)), outcome_of(statement.content)


def hour_problems(conn: Connection, counted: Counter[tuple[str, str]]) -> Iterator[str]:
    """``statement_hours`` against the statements per hour and outcome counted in the chain."""
    query = select(statement_hours.c.hour, statement_hours.c.outcome, statement_hours.c.count)
    kept = Counter({(hour, outcome): count for hour, outcome, count in conn.execute(query)
                    if count})
    for hour, outcome in sorted(set(kept) | set(counted)):
        if kept[hour, outcome] != counted[hour, outcome]:
            yield (f"statements of hour {hour} UTC ({outcome}): the count says "
                   f"{kept[hour, outcome]}, the chain holds {counted[hour, outcome]}")
