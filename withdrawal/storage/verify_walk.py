"""``verify``'s walk of the ledger, or of one range of it: each entry linked to the one before
and hashing to its hash, each statement's index row, lines and (SQLite) name search row, each
kept document's record, each delivery outcome's outbox row, the anchored heads it reaches;
the statements counted per hour and outcome.

A range walked apart from the rest (``verify_ranges``) does not know the entry before its first
one: it keeps that first entry's place (``Boundary``) for the caller to link, in chain order,
to the range before it; everything else it checks as the whole walk does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, select

from .anchors import AnchoredHead
from .chain import GENESIS, checked_body
from .tables import ledger
from .verify_documents import DocumentTally, StoredEvent
from .verify_index import (
    RecordedStatement,
    hour_key,
    index_problems,
    line_problems,
)
from .verify_names import has_name_table, name_problems
from .verify_outbox import Matched, Outcome, outcome_problems, unowed_acknowledgements

#: Entries per batch: the index rows and lines of a batch are checked with one query each.
BATCH = 1000

Claims = dict[int, list[AnchoredHead]]


@dataclass(frozen=True)
class Boundary:
    """The first entry of a range walked apart: its place and the link it claims."""

    seq: int
    prev_hash: str
    where: str  # "entry N (kind reference)", as the chain's problems name an entry


@dataclass
class Walk:
    """What a walk found: the first problem of each kind, the counts, where it ended."""

    problems: dict[str, str] = field(default_factory=dict)
    statements: int = 0
    entries: int = 0
    last_seq: int = 0
    last_hash: str | None = GENESIS  # None: a range walked apart, before its first entry
    first: Boundary | None = None
    hours: Counter[tuple[str, str]] = field(default_factory=Counter)  # (hour, outcome): count
    name_table: bool | None = None  # SQLite's name search table is there (asked once)
    outcomes: Matched = field(default_factory=Matched)  # delivery outcomes matched to their
    # outbox row (``verify_outbox``)
    one_snapshot: bool = True  # False: ranges walked on SQLite, each in a snapshot of its own
    notes: list[str] = field(default_factory=list)  # what is said without failing

    def add(self, kind: str, messages: Iterable[str]) -> None:
        # Consumed to the end: the checks count what they saw (documents matched, read).
        for message in messages:
            self.problems.setdefault(kind, message)

    def link(self, boundary: Boundary) -> Iterator[str]:
        """Problems of ``boundary`` (the first entry of the next range) following this walk's
        last entry: what the whole walk says of that entry's link."""
        if boundary.seq != self.last_seq + 1:
            yield f"entry {self.last_seq + 1} is missing (next is {boundary.seq})"
        elif boundary.prev_hash != self.last_hash:
            yield f"{boundary.where}: does not link to entry {boundary.seq - 1}"


def walk_entries(
    conn: Connection, walk: Walk, tally: DocumentTally, claims: Claims,
    progress: Callable[[int], None] | None = None, seqs: tuple[int, int] | None = None,
) -> None:
    """Walk the ledger (or the entries ``seqs``, both ends included) in chain order, in
    batches; ``claims``: the anchored heads to find on the way (each found is taken out)."""
    for batch in _batches(conn, BATCH, seqs):
        _check_batch(conn, batch, walk, tally, claims)
        if progress is not None:
            progress(len(batch))


def _batches(
    conn: Connection, size: int, seqs: tuple[int, int] | None,
) -> Iterator[list[Row[Any]]]:
    """The entries in chain order, in one query read ``size`` rows at a time (a server-side
    cursor on PostgreSQL: ``yield_per`` streams)."""
    query = select(ledger).order_by(ledger.c.seq)
    if seqs is not None:
        query = query.where(ledger.c.seq >= seqs[0], ledger.c.seq <= seqs[1])
    with conn.execute(query.execution_options(yield_per=size)) as result:
        for partition in result.partitions():
            yield list(partition)


def _check_batch(
    conn: Connection, rows: list[Row[Any]], walk: Walk, tally: DocumentTally, claims: Claims,
) -> None:
    recorded: list[RecordedStatement] = []
    stored: list[StoredEvent] = []
    outcomes: list[Outcome] = []
    for row in rows:
        body, hashes = checked_body(row)
        if walk.last_hash is None:  # a range's first entry: its link is the caller's
            walk.first = Boundary(row.seq, row.prev_hash, _where(row))
            if not hashes:
                walk.add("chain", [f"{_where(row)}: content does not match its hash"])
        elif not hashes or row.seq != walk.last_seq + 1 or row.prev_hash != walk.last_hash:
            walk.add("chain", _link_problems(row, hashes, walk))
        if row.seq in claims:
            walk.add("anchors", _anchor_problems(row, claims.pop(row.seq)))
        walk.entries += 1
        walk.last_seq, walk.last_hash = row.seq, row.hash
        if row.kind == "statement":
            walk.statements += 1
            statement = RecordedStatement.of(row, body)
            recorded.append(statement)
            if (key := hour_key(statement)) is not None:
                walk.hours[key] += 1
        elif (event := StoredEvent.of(row, body)) is not None:
            stored.append(event)
        elif (outcome := Outcome.of(row.seq, row.reference, body)) is not None:
            outcomes.append(outcome)
    found, indexed = index_problems(conn, recorded, [row.seq for row in rows])
    walk.add("index", found)
    walk.add("lines", line_problems(conn, indexed, rows[0].seq, rows[-1].seq))
    if recorded and walk.name_table is None:
        walk.name_table = has_name_table(conn)
    if recorded and walk.name_table:
        walk.add("names", name_problems(conn, rows[0].seq, rows[-1].seq))
    walk.add("documents", tally.problems(conn, stored))
    walk.add("bytes", tally.bytes_problems(conn, stored))
    walk.add("outbox", unowed_acknowledgements(conn, [s.reference for s in recorded]))
    walk.add("outbox", outcome_problems(conn, outcomes, walk.outcomes))


def _where(row: Row[Any]) -> str:
    return f"entry {row.seq} ({row.kind} {row.reference})"


def _link_problems(row: Row[Any], hashes: bool, walk: Walk) -> Iterator[str]:
    if row.seq != walk.last_seq + 1:
        yield f"entry {walk.last_seq + 1} is missing (next is {row.seq})"
    elif row.prev_hash != walk.last_hash:
        yield f"{_where(row)}: does not link to entry {row.seq - 1}"
    if not hashes:
        yield f"{_where(row)}: content does not match its hash"


def _anchor_problems(row: Row[Any], heads: list[AnchoredHead]) -> Iterator[str]:
    for head in heads:
        if head.hash != row.hash:
            yield (f"anchored head entry {head.seq} ({head.source}) is not in the chain: "
                   f"entry {row.seq} now has another hash")
