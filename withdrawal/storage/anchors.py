"""Anchors: the chain's head (entry, hash, time) recorded with witnesses outside the database.

An anchor is a ``chain-anchored`` event of the chain (under ``statement.CHAIN_REFERENCE``) and a
row of ``withdrawal_anchors`` with what each witness got: a file written, an RFC 3161 token
(kept here, base64 DER), an e-mail queued (an outbox entry with ``anchor_id``). Contacting the
witnesses is ``anchoring``'s; recording and reading anchors is here."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from ..statement import CHAIN_REFERENCE, EventType, Purpose, sha256_hex
from .chain import lock_head
from .engine import Source, connected
from .statements import append_event, utcnow
from .tables import anchors, chain_head, ledger, outbox

#: Checks an RFC 3161 token against the hash it should cover; returns the problems found.
TokenCheck = Callable[[bytes, str], list[str]]


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class AnchoredHead:
    """A head some witness says the chain had: ``source`` names the witness for the report."""

    seq: int
    hash: str
    source: str


@dataclass
class WitnessEvidence:
    """What ``verify`` gets from outside the database: the heads read from witnesses, the
    problems and notes met reading them, and the check of the RFC 3161 tokens stored with the
    anchors."""

    heads: list[AnchoredHead] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    token_check: TokenCheck | None = None


@dataclass(frozen=True)
class Anchor:
    id: int
    head_seq: int
    head_hash: str
    anchored_at: datetime
    event_seq: int
    witnesses: dict[str, str]
    tokens: dict[str, bytes]

    def as_json(self) -> dict[str, Any]:
        """The anchor as witnesses get it: head, time and the tokens (base64 DER)."""
        return {"seq": self.head_seq, "hash": self.head_hash,
                "anchored_at": self.anchored_at.isoformat(),
                "tokens": {url: base64.b64encode(token).decode()
                           for url, token in sorted(self.tokens.items())}}


def current_head(engine: Engine) -> Head:
    with engine.connect() as conn:
        row = conn.execute(select(chain_head.c.seq, chain_head.c.hash)).one()
    return Head(int(row.seq), str(row.hash))


def record_anchor(
    engine: Engine, head: Head, *, anchored_at: datetime, witnesses: Mapping[str, str],
    failed: Mapping[str, str], tokens: Mapping[str, bytes], mail_to: Sequence[str] = (),
) -> Anchor:
    """Append the ``chain-anchored`` event, keep the anchor and owe one e-mail per ``mail_to``
    address, in one transaction."""
    with engine.begin() as conn:
        lock_head(conn)
        event_seq = append_event(conn, CHAIN_REFERENCE, EventType.CHAIN_ANCHORED, {
            "head_seq": head.seq, "head_hash": head.hash,
            "anchored_at": anchored_at.isoformat(), "witnesses": dict(witnesses),
            "failed": dict(failed),
            "tokens": {url: sha256_hex(token) for url, token in tokens.items()},
        })
        result = conn.execute(insert(anchors).values(
            head_seq=head.seq, head_hash=head.hash, anchored_at=anchored_at,
            event_seq=event_seq, witnesses=json.dumps(dict(witnesses), sort_keys=True),
            tokens=json.dumps({url: base64.b64encode(t).decode() for url, t in tokens.items()},
                              sort_keys=True),
        ))
        anchor_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        now = utcnow()
        for address in mail_to:
            conn.execute(insert(outbox).values(
                reference=None, anchor_id=anchor_id, purpose=str(Purpose.ANCHOR),
                recipient=address, status="pending", attempts=0, next_attempt_at=now,
                created_at=now,
            ))
    return Anchor(anchor_id, head.seq, head.hash, anchored_at, event_seq, dict(witnesses),
                  dict(tokens))


def _anchor(row: Any) -> Anchor:
    tokens = {url: base64.b64decode(text) for url, text in json.loads(row.tokens).items()}
    return Anchor(row.id, row.head_seq, row.head_hash, row.anchored_at, row.event_seq,
                  json.loads(row.witnesses), tokens)


def load_anchor(source: Source, anchor_id: int) -> Anchor | None:
    with connected(source) as conn:
        row = conn.execute(select(anchors).where(anchors.c.id == anchor_id)).first()
    return _anchor(row) if row is not None else None


def latest_anchor(engine: Engine) -> Anchor | None:
    with engine.connect() as conn:
        row = conn.execute(select(anchors).order_by(anchors.c.id.desc()).limit(1)).first()
    return _anchor(row) if row is not None else None


def anchor_covering(source: Source, seq: int) -> Anchor | None:
    """The first anchor whose head is entry ``seq`` or a later one (it proves that entry)."""
    with connected(source) as conn:
        row = conn.execute(select(anchors).where(anchors.c.head_seq >= seq)
                           .order_by(anchors.c.head_seq, anchors.c.id).limit(1)).first()
    return _anchor(row) if row is not None else None


def news_since(engine: Engine, anchor: Anchor) -> bool:
    """Whether anything but the chain's own events (anchors, their e-mails) was appended after
    ``anchor``'s head: without news a new anchor would add nothing."""
    query = (select(ledger.c.seq).where(ledger.c.seq > anchor.head_seq,
                                        ledger.c.reference != CHAIN_REFERENCE).limit(1))
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def unanchored_since(engine: Engine) -> datetime | None:
    """When the oldest entry that no anchor covers was appended (the chain's own events
    aside: anchors and their e-mails); None when every entry is anchored."""
    covered = select(func.coalesce(func.max(anchors.c.head_seq), 0)).scalar_subquery()
    query = (select(ledger.c.recorded_at)
             .where(ledger.c.seq > covered, ledger.c.reference != CHAIN_REFERENCE)
             .order_by(ledger.c.seq).limit(1))
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def iter_anchors(conn: Connection, batch: int = 500) -> Iterator[Anchor]:
    """Every stored anchor in order, read in keyset batches."""
    last = 0
    while True:
        rows = conn.execute(select(anchors).where(anchors.c.id > last)
                            .order_by(anchors.c.id).limit(batch)).all()
        yield from (_anchor(row) for row in rows)
        if len(rows) < batch:
            return
        last = rows[-1].id
