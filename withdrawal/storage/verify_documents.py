"""``verify``'s check of the kept documents against the chain: every document's SHA-256 is the
one its stored event recorded when it was kept, a document the chain recorded is still kept
(or was deleted under retention, as the erasure event says), and no document is kept that the
chain never recorded. Reads one batch of entries' documents at a time; with ``check_bytes``
each recorded document's bytes are read too, streamed one document at a time (a few at most
in memory, whatever the number of documents), hashed against their SHA-256 and, for a sealed
PDF, handed to the seal check."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, literal, select, tuple_

from ..statement import STORED_EVENTS, DocumentKind, EventType, notice_kind
from .documents import SealCheck, is_sealed
from .tables import documents, ledger

_KIND_OF_EVENT = {str(event): str(kind) for kind, event in STORED_EVENTS.items()}
_KIND_OF_EVENT[EventType.DECISION_NOTICE_EML_STORED] = DocumentKind.DECISION_NOTICE_EML

#: Documents read at a time when their bytes are checked (each may be megabytes).
STREAM = 4


@dataclass(frozen=True)
class StoredEvent:
    """A chain event that recorded a kept document's SHA-256."""

    seq: int
    reference: str
    kind: str
    sha256: str

    @classmethod
    def of(cls, row: Any, body: dict[str, Any]) -> StoredEvent | None:
        kind, data = _KIND_OF_EVENT.get(str(body.get("type"))), body.get("data")
        if kind is None:
            return None
        data = data if isinstance(data, dict) else {}
        if kind == DocumentKind.DECISION_NOTICE_EML:  # one per decision: named by its entry
            kind = notice_kind(data.get("event_seq"))
        return cls(row.seq, row.reference, kind, str(data.get("sha256")))


class DocumentTally:
    """Counts the documents matched to their stored event during the walk; with
    ``check_bytes`` also checks their bytes (and seals, with ``seal_check``)."""

    def __init__(self, check_bytes: bool = False, seal_check: SealCheck | None = None) -> None:
        self.matched = 0
        self.check_bytes = check_bytes
        self.seal_check = seal_check
        self.read = 0  # documents whose bytes were checked
        self.sealed = 0

    def problems(self, conn: Connection, stored: Sequence[StoredEvent]) -> Iterator[str]:
        """Problems of the documents that these stored events recorded."""
        if not stored:
            return
        references = sorted({event.reference for event in stored})
        kept = {(row.reference, row.kind): row.sha256 for row in conn.execute(
            select(documents.c.reference, documents.c.kind, documents.c.sha256)
            .where(documents.c.reference.in_(references)))}
        missing = []
        for event in stored:
            digest = kept.get((event.reference, event.kind))
            where = f"document {event.kind} of {event.reference}"
            if digest is None:
                missing.append(event)
            elif digest != event.sha256:
                yield f"{where}: SHA-256 differs from the one in the chain (entry {event.seq})"
            else:
                self.matched += 1
        yield from _missing_problems(conn, missing)

    def unrecorded(self, conn: Connection) -> Iterator[str]:
        """A kept document whose SHA-256 no stored event recorded (named, if any)."""
        total = conn.execute(select(func.count()).select_from(documents)).scalar_one()
        if total > self.matched:
            yield from _first_unrecorded(conn)


    def bytes_problems(self, conn: Connection, stored: Sequence[StoredEvent]) -> Iterator[str]:
        """Problems of the bytes of the documents these stored events recorded: read one
        at a time (server-side on PostgreSQL), each dropped before the next is checked."""
        if not self.check_bytes or not stored:
            return
        wanted = {(event.reference, event.kind) for event in stored}
        query = (select(documents.c.reference, documents.c.kind, documents.c.sha256,
                        documents.c.content)
                 .where(documents.c.reference.in_(sorted({ref for ref, _kind in wanted}))))
        with conn.execute(query.execution_options(yield_per=STREAM)) as result:
            for row in result:
                if (row.reference, row.kind) in wanted:
                    self.read += 1
                    yield from self._content_problems(row.reference, row.kind, row.sha256,
                                                      bytes(row.content))

    def _content_problems(self, reference: str, kind: str, sha256: str,
                          content: bytes) -> Iterator[str]:
        where = f"document {kind} of {reference}"
        if hashlib.sha256(content).hexdigest() != sha256:
            yield f"{where}: content does not match its SHA-256"
            return
        if kind == DocumentKind.RECEIPT_PDF and is_sealed(content):
            self.sealed += 1
            if self.seal_check is not None:
                yield from (f"{where}: {problem}" for problem in self.seal_check(content))


def _missing_problems(conn: Connection, missing: Sequence[StoredEvent]) -> Iterator[str]:
    """A recorded document that is gone is fine only when an erasure event deleted it."""
    if not missing:
        return
    erased: dict[str, dict[str, str]] = {}
    query = select(ledger.c.reference, ledger.c.body).where(
        ledger.c.reference.in_(sorted({event.reference for event in missing})),
        ledger.c.kind == "event")
    for row in conn.execute(query):
        body = json.loads(row.body)
        if body.get("type") == EventType.PERSONAL_DATA_ERASED:
            erased.setdefault(row.reference, {}).update(
                (body.get("data") or {}).get("documents") or {})
    for event in missing:
        if erased.get(event.reference, {}).get(event.kind) != event.sha256:
            yield (f"document {event.kind} of {event.reference} is missing "
                   f"(the chain recorded it at entry {event.seq})")


def _first_unrecorded(conn: Connection, batch: int = 500) -> Iterator[str]:
    last = ("", "")
    while True:
        rows = conn.execute(
            select(documents.c.reference, documents.c.kind, documents.c.sha256)
            .where(tuple_(documents.c.reference, documents.c.kind)
                   > tuple_(literal(last[0]), literal(last[1])))
            .order_by(documents.c.reference, documents.c.kind).limit(batch)
        ).all()
        recorded: set[tuple[str, str, str]] = set()
        query = select(ledger).where(ledger.c.reference.in_({row.reference for row in rows}),
                                     ledger.c.kind == "event")
        for entry in conn.execute(query):
            event = StoredEvent.of(entry, json.loads(entry.body))
            if event is not None:
                recorded.add((event.reference, event.kind, event.sha256))
        for row in rows:
            if (row.reference, row.kind, row.sha256) not in recorded:
                yield f"document {row.kind} of {row.reference}: its SHA-256 is in no chain event"
                return
        if len(rows) < batch:
            return
        last = (rows[-1].reference, rows[-1].kind)
