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
    recorded = recorded_at.isoformat()
    written = _header_json(seq, kind, reference, recorded, prev_hash, digests)
    if written is None:
        written = canonical_json({"seq": seq, "kind": kind, "reference": reference,
                                  "recorded_at": recorded, "prev": prev_hash,
                                  "fields": dict(digests)})
    return sha256_hex(written)


#: How ``json.dumps(..., ensure_ascii=False)`` writes a string (the C encoder it uses).
_quote = json.encoder.encode_basestring


def _header_json(seq: Any, kind: Any, reference: Any, recorded: str, prev: Any,
                 digests: Mapping[Any, Any]) -> bytes | None:
    """``canonical_json`` of an entry's header, written out directly (the header is hashed
    for every entry appended and every entry ``verify`` walks): its keys in sorted order, each
    string as ``json`` writes it. None when a value is not of the type an entry has (an
    ``erased`` column changed by hand): then ``canonical_json`` writes it.
    ``tests/test_chain_hash.py`` holds that both write the same bytes."""
    if not (seq.__class__ is int and kind.__class__ is str and reference.__class__ is str
            and prev.__class__ is str
            and all(key.__class__ is str and value.__class__ is str
                    for key, value in digests.items())):
        return None
    fields = ",".join(f"{_quote(key)}:{_quote(value)}" for key, value in sorted(digests.items()))
    return (f'{{"fields":{{{fields}}},"kind":{_quote(kind)},"prev":{_quote(prev)},'
            f'"recorded_at":{_quote(recorded)},"reference":{_quote(reference)},'
            f'"seq":{seq}}}').encode()


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
    return _header_hash(row, field_digests(fields, erased_fields(row.erased)))


def checked_body(row: Row[Any]) -> tuple[dict[str, Any], bool]:
    """The row's body parsed, and whether the row hashes to its hash: what ``verify`` asks of
    every entry, in one pass over the stored text.

    A body is stored as ``canonical_json`` writes it, so each top-level field's canonical
    JSON is its own stretch of the stored text: its digest is taken from those bytes as it
    parses (``stored_fields``), with no field written out again. When those digests give the
    row's hash, each field's stored bytes are, but for a SHA-256 collision, the bytes its
    digest was made of. Else the body is parsed and its fields written out canonically, as
    ``recompute`` does, and the row holds only if that gives its hash *and* the stored text
    is that canonical text: a body laid out otherwise (its keys reordered) hashes the same
    but is not what was written, and the queries that find events by their stored text
    (``storage.decisions``) would miss it."""
    split = stored_fields(row.body)
    if split is not None:
        fields, digests = split
        digests.update(erased_fields(row.erased))
        if _header_hash(row, digests) == row.hash:
            return fields, True
    try:
        parsed = json.loads(row.body)
    except ValueError:
        parsed = None
    body = parsed if isinstance(parsed, dict) else {}
    return body, (recompute(row, body) == row.hash
                  and canonical_json(body) == row.body.encode())


_scan_key = json.decoder.scanstring  # type: ignore[attr-defined]
_scan_value = json.JSONDecoder().raw_decode


def stored_fields(text: str) -> tuple[dict[str, Any], dict[str, str]] | None:
    """A stored body's top-level fields, and the digest of each one's stretch of ``text``,
    parsed by the ``json`` module's own scanners; None when ``text`` is not a JSON object
    laid out as ``canonical_json`` lays one out at its top level (no space between fields,
    the keys in sorted order, each once)."""
    fields: dict[str, Any] = {}
    digests: dict[str, str] = {}
    if text == "{}":
        return fields, digests
    at = 1
    try:
        if text[0] != "{":
            return None
        while text[at] == '"':
            key, at = _scan_key(text, at + 1)
            if text[at] != ":" or (fields and key <= next(reversed(fields))):
                return None
            fields[key], end = _scan_value(text, at + 1)
            digests[key] = sha256_hex(text[at + 1:end].encode())
            if text[end] == "}":
                return (fields, digests) if end == len(text) - 1 else None
            if text[end] != ",":
                return None
            at = end + 1
    except (ValueError, IndexError):
        return None
    return None


def _header_hash(row: Row[Any], digests: Mapping[str, str]) -> str:
    return entry_hash(seq=row.seq, kind=row.kind, reference=row.reference,
                      recorded_at=row.recorded_at, prev_hash=row.prev_hash, digests=digests)


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
