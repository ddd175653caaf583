"""One entry's place in the chain, checked on its own: its hash recomputed from what is stored
now, its link to the previous entry and the next entry's link to it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from ..storage.chain import GENESIS, field_digests, recompute
from ..storage.tables import chain_head, ledger


@dataclass(frozen=True)
class Neighbour:
    seq: int
    hash: str
    prev_hash: str


@dataclass(frozen=True)
class EntryProof:
    """``header`` is the exact object whose canonical JSON hashes to the entry's hash."""

    seq: int
    kind: str
    reference: str
    hash: str
    prev_hash: str
    recomputed: str
    header: dict[str, Any]
    erased: dict[str, str]
    previous: Neighbour | None
    next: Neighbour | None
    head_seq: int
    head_hash: str

    @property
    def hash_ok(self) -> bool:
        return self.recomputed == self.hash

    @property
    def prev_ok(self) -> bool:
        expected = self.previous.hash if self.previous else GENESIS
        return self.prev_hash == expected and (self.previous is not None or self.seq == 1)

    @property
    def next_ok(self) -> bool:
        """The next entry links here; the newest entry must be the chain's head."""
        if self.next is None:
            return self.head_seq == self.seq and self.head_hash == self.hash
        return self.next.prev_hash == self.hash

    @property
    def ok(self) -> bool:
        return self.hash_ok and self.prev_ok and self.next_ok

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "kind": self.kind, "reference": self.reference,
            "hash": self.hash, "prev_hash": self.prev_hash, "recomputed_hash": self.recomputed,
            "hash_matches": self.hash_ok, "erased_fields": self.erased,
            "previous_entry": _neighbour_json(self.previous),
            "next_entry": _neighbour_json(self.next),
            "links_to_previous": self.prev_ok, "next_links_here": self.next_ok,
            "chain_head": {"seq": self.head_seq, "hash": self.head_hash},
        }


def _neighbour_json(entry: Neighbour | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"seq": entry.seq, "hash": entry.hash, "prev_hash": entry.prev_hash}


def entry_header(row: Row[Any]) -> dict[str, Any]:
    """The hashed header of a ledger row, as ``chain.entry_hash`` builds it."""
    erased = json.loads(row.erased) if row.erased else None
    return {
        "seq": row.seq, "kind": row.kind, "reference": row.reference,
        "recorded_at": row.recorded_at.isoformat(), "prev": row.prev_hash,
        "fields": field_digests(json.loads(row.body), erased),
    }


def prove_entry(conn: Connection, seq: int) -> EntryProof | None:
    row = conn.execute(select(ledger).where(ledger.c.seq == seq)).first()
    if row is None:
        return None
    head = conn.execute(select(chain_head.c.seq, chain_head.c.hash)).one()
    return EntryProof(
        seq=row.seq, kind=row.kind, reference=row.reference, hash=row.hash,
        prev_hash=row.prev_hash, recomputed=recompute(row), header=entry_header(row),
        erased=json.loads(row.erased) if row.erased else {},
        previous=_neighbour(conn, seq - 1), next=_neighbour(conn, seq + 1),
        head_seq=head.seq, head_hash=head.hash,
    )


def _neighbour(conn: Connection, seq: int) -> Neighbour | None:
    row = conn.execute(
        select(ledger.c.seq, ledger.c.hash, ledger.c.prev_hash).where(ledger.c.seq == seq)
    ).first()
    return Neighbour(row.seq, row.hash, row.prev_hash) if row else None

