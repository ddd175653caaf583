"""``flask withdrawal verify``: walk the chain once, in batches, and check against it
everything built from it or claimed about it.

- the chain: every entry present, linked to the previous one, hashing to its hash; the head is
  the last entry;
- the search indexes (``verify_index``): every statement has its index row with every indexed
  column as recorded, every row indexes a statement of the chain, the lines as recorded; the
  statements per hour and outcome that the chart reads are the chain's;
- the kept documents (``verify_documents``): each one's SHA-256 is the one the chain recorded
  when it was kept, none recorded is gone unless erased under retention, none is unrecorded;
- the anchors (``anchors``): every head anchored with a witness (stored anchors, witness files)
  is still an entry of the chain with the same hash, and each RFC 3161 token covers that hash.

One pass: the ledger is read once, in chain order, through one streamed query (a server-side
cursor on PostgreSQL), each entry's body parsed once; with ``check_bytes`` each kept
document's bytes are hashed (and a sealed PDF's seal checked) when the walk reaches the event
that recorded it, one document at a time. The report names the first problem of each kind.
Memory stays flat: a batch of entries and what indexes them at a time, a few documents, plus
one (seq, hash) per anchor and one count per hour and outcome that has statements."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from .anchors import AnchoredHead, WitnessEvidence, iter_anchors
from .chain import GENESIS, checked_body
from .documents import SealCheck
from .tables import chain_head, ledger
from .verify_documents import DocumentTally, StoredEvent
from .verify_index import (
    RecordedStatement,
    hour_key,
    hour_problems,
    index_problems,
    line_problems,
    stray_index_rows,
    stray_lines,
)

#: The kinds of problem, in the order the report lists them.
KINDS = ("chain", "head", "index", "lines", "hours", "documents", "bytes", "anchors")

#: Entries per batch: the index rows and lines of a batch are checked with one query each.
BATCH = 1000


@dataclass(frozen=True)
class Verification:
    ok: bool
    statements: int
    entries: int
    problem: str = ""  # the first problem found ("" when ok)
    problems: tuple[str, ...] = ()  # the first problem of each kind
    anchors: int = 0  # anchored heads checked (stored anchors and witness files)
    notes: tuple[str, ...] = ()  # what could not be checked (an unreachable witness)
    documents: int = 0  # kept documents whose bytes were checked (``check_bytes``)
    sealed: int = 0  # of which sealed PDFs


@dataclass
class _Walk:
    problems: dict[str, str] = field(default_factory=dict)
    statements: int = 0
    entries: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    anchors: int = 0
    hours: Counter[tuple[str, str]] = field(default_factory=Counter)  # (hour, outcome): count

    def add(self, kind: str, messages: Iterable[str]) -> None:
        # Consumed to the end: the checks count what they saw (documents matched, read).
        for message in messages:
            self.problems.setdefault(kind, message)

    def result(self, notes: Iterable[str], tally: DocumentTally) -> Verification:
        found = tuple(self.problems[kind] for kind in KINDS if kind in self.problems)
        return Verification(not found, self.statements, self.entries,
                            found[0] if found else "", found, self.anchors, tuple(notes),
                            tally.read, tally.sealed)


def verify_chain(
    engine: Engine, witnesses: WitnessEvidence | None = None, *, check_bytes: bool = False,
    seal_check: SealCheck | None = None, progress: Callable[[int], None] | None = None,
) -> Verification:
    """Check the chain, its indexes, its documents (their bytes too with ``check_bytes``,
    and sealed PDFs' seals with ``seal_check``) and its anchors. ``progress`` is called with
    the number of entries of each batch walked."""
    witnesses = witnesses or WitnessEvidence()
    walk = _Walk()
    walk.add("anchors", witnesses.problems)
    tally = DocumentTally(check_bytes, seal_check)
    with engine.connect() as opened:
        conn = _one_snapshot(opened)
        claims = _claims(conn, witnesses, walk)
        for batch in _batches(conn, BATCH):
            _check_batch(conn, batch, walk, tally, claims)
            if progress is not None:
                progress(len(batch))
        walk.add("head", _head_problems(conn, walk))
        walk.add("index", stray_index_rows(conn, walk.last_seq))
        walk.add("lines", stray_lines(conn))
        walk.add("hours", hour_problems(conn, walk.hours))
        walk.add("documents", tally.unrecorded(conn))
        walk.add("anchors", _beyond_the_chain(claims, walk.last_seq))
    return walk.result(witnesses.notes, tally)


def _one_snapshot(conn: Connection) -> Connection:
    """``conn`` reading one snapshot of the record from its first query to its last: what the
    shop records while the walk goes on (minutes at a million entries) is neither a tail
    beyond the head the walk reads at its end nor an index row beyond the chain; the next run
    checks it. PostgreSQL: a REPEATABLE READ transaction (READ COMMITTED, the default, takes
    a snapshot per query). SQLite: a transaction begun by hand, since the driver begins none
    for reads (each query, or each streamed cursor, would read the database as it then is)."""
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    conn.exec_driver_sql("BEGIN")
    return conn


def entries(engine: Engine) -> int:
    """How many entries the chain head counts (what a progress bar walks)."""
    with engine.connect() as conn:
        return int(conn.execute(select(chain_head.c.seq)).scalar() or 0)


def _batches(conn: Connection, size: int) -> Iterator[list[Row[Any]]]:
    """The whole ledger in chain order, in one query read ``size`` rows at a time (a
    server-side cursor on PostgreSQL: ``yield_per`` streams)."""
    result = conn.execution_options(yield_per=size).execute(
        select(ledger).order_by(ledger.c.seq))
    for partition in result.partitions():
        yield list(partition)


def _check_batch(
    conn: Connection, rows: list[Row[Any]], walk: _Walk, tally: DocumentTally,
    claims: dict[int, list[AnchoredHead]],
) -> None:
    recorded: list[RecordedStatement] = []
    stored: list[StoredEvent] = []
    for row in rows:
        body, hashes = checked_body(row)
        if not hashes or row.seq != walk.last_seq + 1 or row.prev_hash != walk.last_hash:
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
    found, indexed = index_problems(conn, recorded, rows[0].seq, rows[-1].seq)
    walk.add("index", found)
    walk.add("lines", line_problems(conn, indexed, rows[0].seq, rows[-1].seq))
    walk.add("documents", tally.problems(conn, stored))
    walk.add("bytes", tally.bytes_problems(conn, stored))


def _link_problems(row: Row[Any], hashes: bool, walk: _Walk) -> Iterator[str]:
    where = f"entry {row.seq} ({row.kind} {row.reference})"
    if row.seq != walk.last_seq + 1:
        yield f"entry {walk.last_seq + 1} is missing (next is {row.seq})"
    elif row.prev_hash != walk.last_hash:
        yield f"{where}: does not link to entry {row.seq - 1}"
    if not hashes:
        yield f"{where}: content does not match its hash"


def _head_problems(conn: Connection, walk: _Walk) -> Iterator[str]:
    head = conn.execute(select(chain_head.c.seq, chain_head.c.hash)).first()
    if head is None:
        return
    if head.seq != walk.entries:
        yield f"chain head says {head.seq} entries, the ledger holds {walk.entries}"
    elif head.hash != walk.last_hash:
        yield f"chain head's hash is not the hash of entry {walk.last_seq}"


def _claims(
    conn: Connection, witnesses: WitnessEvidence, walk: _Walk,
) -> dict[int, list[AnchoredHead]]:
    """Every anchored head by entry: what the witnesses hold and the stored anchors, whose
    tokens are checked here, one anchor at a time, against the hash they should cover."""
    claims: dict[int, list[AnchoredHead]] = {}
    for head in chain(witnesses.heads, _stored(conn, witnesses, walk)):
        walk.anchors += 1
        claims.setdefault(head.seq, []).append(AnchoredHead(head.seq, head.hash, head.source))
    return claims


def _stored(conn: Connection, witnesses: WitnessEvidence, walk: _Walk) -> Iterator[AnchoredHead]:
    for anchor in iter_anchors(conn):
        source = f"anchor {anchor.id} of {anchor.anchored_at:%Y-%m-%d}"
        if witnesses.token_check is not None:
            walk.add("anchors", (f"{source}: timestamp token: {problem}"
                                 for token in anchor.tokens.values()
                                 for problem in witnesses.token_check(token, anchor.head_hash)))
        yield AnchoredHead(anchor.head_seq, anchor.head_hash, source)


def _anchor_problems(row: Row[Any], heads: list[AnchoredHead]) -> Iterator[str]:
    for head in heads:
        if head.hash != row.hash:
            yield (f"anchored head entry {head.seq} ({head.source}) is not in the chain: "
                   f"entry {row.seq} now has another hash")


def _beyond_the_chain(claims: dict[int, list[AnchoredHead]], last: int) -> Iterator[str]:
    for seq in sorted(claims):
        for head in claims[seq]:
            yield (f"anchored head entry {head.seq} ({head.source}) is not in the chain: "
                   f"the chain ends at entry {last}")
