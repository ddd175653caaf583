"""``verify``'s check of the erasures under retention: every entry that keeps a field's digest
in ``erased`` (so that its hash holds without the field's original) was erased by retention.

An entry's hash takes an erased field's digest from that column, so a digest written there by
hand would let an insider rewrite the field of any entry, erased or not, and the hash still
hold: a receipt's SHA-256 in its stored event, a statement's submission time, a decision. So
each marked entry must be followed, in the chain, by its statement's ``personal-data-erased``
event, the marker may only name the field retention erases (``content`` of a statement,
``data`` of an event), and where that event records its entries (every erasure since it
records them) it must list this one with the digest in the marker and the digest of the field
as stored now. That last digest commits what retention leaves of an entry (the submission
time, the lines, the decisions), which the entry's own hash no longer covers.

An erasure event of an earlier version lists no entries: its entries are accepted as they are
(docs/operations.md says what that leaves unchecked).

Read after the walk: one streamed query of the marked entries, each joined to the erasure
events of its statement that follow it (a scan of the ledger on SQLite, about 0.3 s per
million entries; few entries are marked)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, and_, select

from ..statement import EventType, canonical_json, sha256_hex
from .tables import ledger

#: The field retention erases, by entry kind.
ERASABLE = {"statement": "content", "event": "data"}

_DIGEST = re.compile(r"[0-9a-f]{64}")


def erasure_problems(conn: Connection) -> Iterator[str]:
    """Problems of the entries marked erased, in chain order."""
    erasure = ledger.alias("erasure")
    query = (
        select(ledger.c.seq, ledger.c.kind, ledger.c.reference, ledger.c.body, ledger.c.erased,
               erasure.c.seq.label("erasure_seq"), erasure.c.body.label("erasure_body"))
        .outerjoin(erasure, and_(
            erasure.c.reference == ledger.c.reference, erasure.c.seq > ledger.c.seq,
            erasure.c.kind == "event",
            erasure.c.body.like(f'%"type":"{EventType.PERSONAL_DATA_ERASED}"}}')))
        .where(ledger.c.erased.is_not(None))
        .order_by(ledger.c.seq, erasure.c.seq)
    )
    with conn.execute(query.execution_options(yield_per=500)) as result:
        for _seq, rows in groupby(result, key=lambda row: row.seq):
            yield from _entry_problems(list(rows))


def _entry_problems(rows: list[Any]) -> Iterator[str]:
    """``rows``: one marked entry, once per erasure event of its statement after it."""
    entry = rows[0]
    where = f"entry {entry.seq} ({entry.kind} {entry.reference})"
    try:
        marker = json.loads(entry.erased)
    except ValueError:
        marker = None
    field = ERASABLE.get(entry.kind, "")
    if not isinstance(marker, dict) or not marker:
        yield f"{where}: its erased column is not what retention writes"
    elif set(marker) != {field} or not _DIGEST.fullmatch(str(marker[field])):
        yield f"{where}: marked erased in a field retention never erases"
    elif entry.erasure_seq is None:
        yield f"{where}: marked erased, but no erasure of {entry.reference} follows it"
    elif not any(_recorded(row, field, marker[field]) for row in rows):
        yield (f"{where}: what is left of it after the erasure differs from what the erasure "
               f"recorded")


def _recorded(row: Any, field: str, original: str) -> bool:
    """Whether the erasure event of ``row`` records this entry as it is stored: its field's
    digest before (the marker's) and after (the field now); an erasure of an earlier version
    that lists no entries records none, and is taken as it is."""
    try:
        data = json.loads(row.erasure_body).get("data")
        listed = data.get("entries") if isinstance(data, dict) else []
        if listed is None:
            return True
        stored = json.loads(row.body).get(field)
    except (ValueError, AttributeError):
        return False
    if not isinstance(listed, list):
        return False
    now = sha256_hex(canonical_json(stored))
    return any(isinstance(item, dict) and item.get("seq") == row.seq
               and item.get("field") == field and item.get("original") == original
               and item.get("erased") == now for item in listed)
