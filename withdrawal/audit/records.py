"""Everything recorded about one statement, gathered for the detail page and the evidence
bundle: the entry as submitted, its events, deliveries, documents and decision state."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from ..statement import CONTENT_FIELD, EventType, content_hash, erased_fields, notice_seq
from ..storage.decisions import Decided, line_states, load_decided
from ..storage.engine import Source, connected
from ..storage.statements import events_of
from ..storage.tables import documents, ledger, outbox, statements
from .proof import EntryProof, prove_entry
from .queries import summary_state


@dataclass(frozen=True)
class Document:
    kind: str
    sha256: str
    size: int
    created_at: datetime | None
    available: bool  # False once erased under retention (only the digest is left)


@dataclass
class StatementRecord:
    reference: str
    seq: int
    submitted_at: datetime
    content: dict[str, Any]
    content_sha256: str  # of the content as submitted (kept as a digest after erasure)
    erased: bool
    events: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]
    documents: dict[str, Document]
    proof: EntryProof
    decision: str = "undecided"
    refund_due: date | None = None
    refunded_on: date | None = None
    key_revoked_at: datetime | None = None
    flags: list[str] = field(default_factory=list)
    decided: Decided | None = None  # the lines with their decisions (storage.decisions)

    @property
    def notices(self) -> list[tuple[int, Document]]:
        """The decisions' notices kept as sent (or deleted under retention), by decision."""
        return sorted((seq, document) for kind, document in self.documents.items()
                      if (seq := notice_seq(kind)) is not None)


def load_record(source: Source, reference: str) -> StatementRecord | None:
    """The statement's whole record, or None when there is no such statement. Its parts are
    read on one connection: given ``one_snapshot``'s, they are one instant of the record."""
    with connected(source) as conn:
        row = conn.execute(
            select(statements, ledger.c.body, ledger.c.erased)
            .join(ledger, ledger.c.seq == statements.c.seq)
            .where(statements.c.reference == reference)
        ).first()
        if row is None:
            return None
        proof = prove_entry(conn, row.seq)
        assert proof is not None  # the statement's own entry, joined above
        record = _record(row, proof)
        record.deliveries = _deliveries(conn, reference)
        _add_decision(conn, record)
        record.events = events_of(conn, reference)
        record.documents = _documents(conn, reference, record.events)
    return record


def _record(row: Any, proof: EntryProof) -> StatementRecord:
    content = json.loads(row.body).get(CONTENT_FIELD) or {}
    erased = erased_fields(row.erased)
    return StatementRecord(
        reference=row.reference, seq=row.seq, submitted_at=row.submitted_at,
        content=content, content_sha256=erased.get(CONTENT_FIELD) or content_hash(content),
        erased=CONTENT_FIELD in erased, events=[], deliveries=[], documents={}, proof=proof,
        flags=list(json.loads(row.flags or "[]")),
    )


def _deliveries(conn: Connection, reference: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(outbox).where(outbox.c.reference == reference)
                        .order_by(outbox.c.id))
    return [dict(row._mapping) for row in rows]


def _add_decision(conn: Connection, record: StatementRecord) -> None:
    """The lines' decisions, and the statement's summary of them for the page's head."""
    record.decided = load_decided(conn, record.reference)
    rows = line_states(conn, [record.reference]).get(record.reference, {})
    record.decision = summary_state(rows)
    record.refund_due = min((r["refund_due"] for r in rows.values()
                             if r["state"] == "accepted" and r["refund_due"]), default=None)
    record.refunded_on = max((r["refunded_on"] for r in rows.values() if r["refunded_on"]),
                             default=None)
    record.key_revoked_at = max((r["key_revoked_at"] for r in rows.values()
                                 if r["key_revoked_at"]), default=None)


def _documents(
    conn: Connection, reference: str, events: list[dict[str, Any]],
) -> dict[str, Document]:
    found = {kind: Document(kind, sha, 0, None, False)
             for kind, sha in erased_documents(events).items()}
    query = (select(documents.c.kind, documents.c.sha256, documents.c.created_at,
                    documents.c.content)
             .where(documents.c.reference == reference))
    for row in conn.execute(query):
        found[row.kind] = Document(row.kind, row.sha256, len(row.content), row.created_at, True)
    return found


def erased_documents(events: list[dict[str, Any]]) -> dict[str, str]:
    """Digests of documents deleted under retention, as the erasure event kept them."""
    kept: dict[str, str] = {}
    for event in events:
        if event.get("type") == EventType.PERSONAL_DATA_ERASED:
            kept.update((event.get("data") or {}).get("documents") or {})
    return kept
