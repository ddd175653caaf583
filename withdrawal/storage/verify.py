"""``flask withdrawal verify``: walk the chain once, in batches, and check against it
everything built from it or claimed about it.

- the chain: every entry present, linked to the previous one, hashing to its hash; the head is
  the last entry; an entry whose hash takes an erased field's digest was erased by retention,
  as its statement's erasure event recorded (``verify_erasures``);
- the search indexes (``verify_index``): every statement has its index row with every indexed
  column as recorded, every row indexes a statement of the chain, the lines as recorded; the
  statements per hour and outcome that the chart reads are the chain's; the decision index
  (``verify_decisions``) holds what each statement's decision events fold to;
- the kept documents (``verify_documents``): each one's SHA-256 is the one the chain recorded
  when it was kept, none recorded is gone unless erased under retention, none is unrecorded;
- the anchors (``anchors``): every head anchored with a witness (stored anchors, witness files)
  is still an entry of the chain with the same hash, and each RFC 3161 token covers that hash;
  each stored anchor is the one its ``chain-anchored`` event recorded (``verify_anchor_rows``);
- the outbox (``verify_outbox``): every statement owes its acknowledgement, every delivery's
  row says what the chain recorded of it, sent or failed for good, and no row says so without
  its event.

One pass (``verify_walk``): the ledger is read once, in chain order, through one streamed query
(a server-side cursor on PostgreSQL), each entry's body parsed once; with ``check_bytes`` each
kept document's bytes are hashed (and a sealed PDF's seal checked) when the walk reaches the
event that recorded it, one document at a time. ``jobs`` > 1 walks ranges of the chain in
processes of their own and joins them in chain order (``verify_ranges``). Everything is read
from one snapshot, so the shop can go on recording meanwhile. The report names the first
problem of each kind. Memory stays flat: a batch of entries and what indexes them at a time,
a few documents, plus one (seq, hash) per anchor and one count per hour and outcome that has
statements."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from sqlalchemy import Connection, Engine, select

from .anchors import AnchoredHead, WitnessEvidence, iter_anchors
from .documents import SealCheck
from .engine import one_snapshot
from .tables import chain_head
from .verify_anchor_rows import anchor_row_problems
from .verify_decisions import decision_problems
from .verify_documents import DocumentTally
from .verify_erasures import erasure_problems
from .verify_index import hour_problems, stray_index_rows, stray_lines
from .verify_outbox import Unbacked, unbacked_rows
from .verify_ranges import walk_in_ranges
from .verify_walk import Claims, Walk, walk_entries

#: The kinds of problem, in the order the report lists them.
KINDS = ("chain", "erased", "head", "index", "lines", "names", "hours", "decisions", "documents",
         "bytes", "outbox", "anchors")


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


def verify_chain(
    engine: Engine, witnesses: WitnessEvidence | None = None, *, check_bytes: bool = False,
    seal_check: SealCheck | None = None, progress: Callable[[int], None] | None = None,
    jobs: int = 1,
) -> Verification:
    """Check the chain, its indexes, its documents (their bytes too with ``check_bytes``,
    and sealed PDFs' seals with ``seal_check``) and its anchors. ``progress`` is called with
    the number of entries of each batch walked. ``jobs`` > 1 walks that many ranges of the
    chain in processes of their own (``verify_ranges``; ``seal_check`` must then pickle)."""
    witnesses = witnesses or WitnessEvidence()
    walk = Walk()
    walk.add("anchors", witnesses.problems)
    tally = DocumentTally(check_bytes, seal_check)
    with engine.connect() as opened:
        conn = one_snapshot(opened)
        claims, anchored = _claims(conn, witnesses, walk)
        if jobs > 1:
            walk_in_ranges(conn, jobs, walk, tally, claims, progress)
        else:
            walk_entries(conn, walk, tally, claims, progress)
        walk.add("head", _head_problems(conn, walk))
        walk.add("erased", erasure_problems(conn))
        walk.add("index", stray_index_rows(conn))
        walk.add("lines", stray_lines(conn))
        walk.add("hours", hour_problems(conn, walk.hours))
        walk.add("decisions", decision_problems(conn))
        walk.add("documents", tally.unrecorded(conn))
        _add_unbacked(walk, unbacked_rows(conn, walk.outcomes))
        walk.add("anchors", _beyond_the_chain(claims, walk.last_seq))
        walk.add("anchors", anchor_row_problems(conn))
    return _result(walk, tally, anchored, (*witnesses.notes, *walk.notes))


def _add_unbacked(walk: Walk, found: Unbacked) -> None:
    walk.add("outbox", [found.row] if found.row else [])
    if found.counts and walk.one_snapshot:
        walk.add("outbox", [found.counts])
    elif found.counts:
        walk.notes.append(f"outbox: {found.counts}, as ranges walked on SQLite read it (each "
                          "as it then was): a delivery's outcome recorded meanwhile; run "
                          "verify again")


def _result(walk: Walk, tally: DocumentTally, anchored: int,
            notes: Iterable[str]) -> Verification:
    found = tuple(walk.problems[kind] for kind in KINDS if kind in walk.problems)
    return Verification(not found, walk.statements, walk.entries, found[0] if found else "",
                        found, anchored, tuple(notes), tally.read, tally.sealed)


def entries(engine: Engine) -> int:
    """How many entries the chain head counts (what a progress bar walks)."""
    with engine.connect() as conn:
        return int(conn.execute(select(chain_head.c.seq)).scalar() or 0)


def _head_problems(conn: Connection, walk: Walk) -> Iterator[str]:
    head = conn.execute(select(chain_head.c.seq, chain_head.c.hash)).first()
    if head is None:
        return
    if head.seq != walk.entries:
        yield f"chain head says {head.seq} entries, the ledger holds {walk.entries}"
    elif head.hash != walk.last_hash:
        yield f"chain head's hash is not the hash of entry {walk.last_seq}"


def _claims(conn: Connection, witnesses: WitnessEvidence, walk: Walk) -> tuple[Claims, int]:
    """Every anchored head by entry, and how many: what the witnesses hold and the stored
    anchors, whose tokens are checked here, one anchor at a time, against the hash they
    should cover."""
    claims: Claims = {}
    anchored = 0
    for head in chain(witnesses.heads, _stored(conn, witnesses, walk)):
        anchored += 1
        claims.setdefault(head.seq, []).append(AnchoredHead(head.seq, head.hash, head.source))
    return claims, anchored


def _stored(conn: Connection, witnesses: WitnessEvidence, walk: Walk) -> Iterator[AnchoredHead]:
    for anchor in iter_anchors(conn):
        source = f"anchor {anchor.id} of {anchor.anchored_at:%Y-%m-%d}"
        if witnesses.token_check is not None:
            walk.add("anchors", (f"{source}: timestamp token: {problem}"
                                 for token in anchor.tokens.values()
                                 for problem in witnesses.token_check(token, anchor.head_hash)))
        yield AnchoredHead(anchor.head_seq, anchor.head_hash, source)


def _beyond_the_chain(claims: Claims, last: int) -> Iterator[str]:
    for seq in sorted(claims):
        for head in claims[seq]:
            yield (f"anchored head entry {head.seq} ({head.source}) is not in the chain: "
                   f"the chain ends at entry {last}")
