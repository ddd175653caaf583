"""The tamper-evident log: every statement and every later event is one ledger entry whose hash
covers its fields and the previous entry's hash.

Each field is committed by its own digest, so retention can erase a field's value while the
chain stays verifiable: the erased field keeps its digest in ``erased``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from ..statement import canonical_json, erased_fields, sha256_hex
from .tables import GENESIS_HASH, chain_head, ledger


def field_digests(
    body: Mapping[str, Any], erased: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Digest of each field; an erased field contributes the digest kept at erasure."""
    digests = {key: sha256_hex(canonical_json(value)) for key, value in body.items()}
    digests.update(erased or {})
    return digests


def entry_hash(
    *, seq: int, kind: str, reference: str, recorded_at: datetime, prev_hash: str,
    digests: Mapping[str, str],
) -> str:
    header = {
        "seq": seq,
        "kind": kind,
        "reference": reference,
        "recorded_at": recorded_at.isoformat(),
        "prev": prev_hash,
        "fields": dict(digests),
    }
    return sha256_hex(canonical_json(header))


@dataclass(frozen=True)
class Entry:
    seq: int
    hash: str


def lock_head(conn: Connection) -> Entry:
    """Serialise appenders: a write on the head row is the transaction's first statement, so
    SQLite takes its write lock (waiting, not failing) and PostgreSQL a row lock. Returns the
    head as locked (``RETURNING``), for :func:`append` without reading it again."""
    head = conn.execute(
        update(chain_head).where(chain_head.c.id == 1).values(seq=chain_head.c.seq)
        .returning(chain_head.c.seq, chain_head.c.hash)
    ).one()
    return Entry(head.seq, head.hash)


def append(
    conn: Connection, *, kind: str, reference: str, body: Mapping[str, Any],
    recorded_at: datetime, head: Entry | None = None,
) -> Entry:
    """Append one entry; the caller holds the head lock (``lock_head``) in this transaction.
    ``head``: the head as ``lock_head`` or the previous ``append`` of this transaction returned
    it (read again when not given). Returns the new head."""
    if head is None:
        head = Entry(*conn.execute(select(chain_head.c.seq, chain_head.c.hash)).one())
    seq, prev = head.seq + 1, head.hash
    digest = entry_hash(
        seq=seq, kind=kind, reference=reference, recorded_at=recorded_at, prev_hash=prev,
        digests=field_digests(body),
    )
    conn.execute(insert(ledger).values(
        seq=seq, kind=kind, reference=reference, recorded_at=recorded_at,
        body=canonical_json(dict(body)).decode(), prev_hash=prev, hash=digest,
    ))
    conn.execute(update(chain_head).where(chain_head.c.id == 1).values(
        seq=seq, hash=digest, updated_at=recorded_at,
    ))
    return Entry(seq, digest)


def recompute(row: Row[Any], body: Mapping[str, Any] | None = None) -> str:
    """The hash a ledger row should have, from what is stored now (``body``: the row's body
    already parsed, so that a caller that needs it too parses it once)."""
    fields = json.loads(row.body) if body is None else body
    return entry_hash(
        seq=row.seq, kind=row.kind, reference=row.reference, recorded_at=row.recorded_at,
        prev_hash=row.prev_hash, digests=field_digests(fields, erased_fields(row.erased)),
    )


def iter_entries(conn: Connection, batch: int = 1000) -> Iterator[Row[Any]]:
    """All ledger rows in chain order, read in batches (keyset) so memory stays flat."""
    last = 0
    while True:
        rows = conn.execute(
            select(ledger).where(ledger.c.seq > last).order_by(ledger.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


GENESIS = GENESIS_HASH
