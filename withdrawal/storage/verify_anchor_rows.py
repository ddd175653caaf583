"""``verify``'s check of the stored anchors (``withdrawal_anchors``) against the chain: each
``chain-anchored`` event has its stored anchor, with the head, instant and witnesses the event
recorded and tokens whose SHA-256 it recorded, and each stored anchor is recorded by such an
event.

The stored anchor is the only copy of an RFC 3161 token and what the audit shows of an anchor:
an insider who deletes one, or swaps its token, removes the proof that the head existed at
that time, while the walk (which checks what the stored anchors claim) finds nothing to check.
Anchors are few (one per ``WITHDRAWAL_ANCHOR_INTERVAL``): both sides are read whole, after the
walk."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ..statement import CHAIN_REFERENCE, EventType, sha256_hex
from .tables import anchors, ledger


def anchor_row_problems(conn: Connection) -> Iterator[str]:
    """Problems of the stored anchors, the first event's first."""
    rows = {row.event_seq: row for row in conn.execute(select(anchors).order_by(anchors.c.id))}
    events = conn.execute(
        select(ledger.c.seq, ledger.c.body)
        .where(ledger.c.reference == CHAIN_REFERENCE, ledger.c.kind == "event",
               ledger.c.body.like(f'%"type":"{EventType.CHAIN_ANCHORED}"}}'))
        .order_by(ledger.c.seq))
    for event in events:
        row = rows.pop(event.seq, None)
        if row is None:
            yield f"the anchor recorded by entry {event.seq} is no longer stored"
        elif not _same(row, event.body):
            yield f"stored anchor {row.id} differs from what entry {event.seq} recorded of it"
    for row in rows.values():
        yield f"stored anchor {row.id}: no chain-anchored event records it"


def _same(row: Any, body: str) -> bool:
    """Whether the stored anchor is the one the event recorded."""
    try:
        data = json.loads(body)["data"]
        tokens = {url: sha256_hex(base64.b64decode(text, validate=True))
                  for url, text in json.loads(row.tokens).items()}
        return bool(
            data["head_seq"] == row.head_seq and data["head_hash"] == row.head_hash
            and datetime.fromisoformat(data["anchored_at"]) == row.anchored_at
            and data["witnesses"] == json.loads(row.witnesses) and data["tokens"] == tokens)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return False
