"""A valid record of N statements, written in bulk: each statement a chain entry hashed as
``storage/chain.py`` hashes it, its index row and lines, its hour's count, its acknowledgement
owed in the outbox (pending: sending is not what is measured), and (one statement in
``documents_every``) a kept receipt PDF of a few kilobytes with the chain event that recorded
its SHA-256. ``verify`` finds nothing wrong with it; the export reads it like any other."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, update

from withdrawal.statement import DocumentKind, EventType, Purpose, canonical_json
from withdrawal.storage.chain import entry_hash, field_digests
from withdrawal.storage.hours import add_count, hour_of, outcome_of
from withdrawal.storage.statements import indexed_line
from withdrawal.storage.tables import (
    GENESIS_HASH,
    chain_head,
    documents,
    ledger,
    outbox,
    statement_lines,
    statements,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 5_000
DOCUMENT_SIZE = 8 * 1024


def reference(n: int) -> str:
    return f"W-{n // 10000:04d}-{n % 10000:04d}"


def content(n: int, at: datetime) -> dict[str, Any]:
    return {
        "reference": reference(n), "submitted_at": at.isoformat(), "locale": "en",
        "name": f"Consumer {n}", "email": f"c{n}@example.com", "order_number": str(100000 + n),
        "order_matched": True, "contract_description": "",
        "lines": [{"line_id": "1", "title": "Licence key", "quantity": 1,
                   "unit_price": "19.99", "kind": "digital-content",
                   "assessment": {"status": "withdrawable", "deadline": None,
                                  "period_start": date(2026, 1, 1).isoformat()}}],
        "flags": [],
    }


class _Chain:
    def __init__(self) -> None:
        self.seq, self.hash = 0, GENESIS_HASH

    def entry(self, kind: str, ref: str, body: dict[str, Any], at: datetime) -> dict[str, Any]:
        self.seq += 1
        digest = entry_hash(seq=self.seq, kind=kind, reference=ref, recorded_at=at,
                            prev_hash=self.hash, digests=field_digests(body))
        row = {"seq": self.seq, "kind": kind, "reference": ref, "recorded_at": at,
               "body": canonical_json(body).decode(), "prev_hash": self.hash, "hash": digest,
               "erased": None}
        self.hash = digest
        return row


def _rows(count: int, documents_every: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    chain = _Chain()
    batch: dict[str, list[dict[str, Any]]] = {"ledger": [], "statements": [], "lines": [],
                                              "hours": [], "documents": [], "outbox": []}
    for n in range(1, count + 1):
        at = START + timedelta(seconds=n)
        body = content(n, at)
        ref = reference(n)
        entry = chain.entry("statement", ref, {"content": body}, at)
        batch["ledger"].append(entry)
        batch["statements"].append({
            "reference": ref, "seq": entry["seq"], "submission_key": f"k{n}", "submitted_at": at,
            "name": body["name"], "email": body["email"], "email_lower": body["email"],
            "order_number": body["order_number"], "order_matched": True, "locale": "en",
            "flags": "[]"})
        batch["hours"].append({"hour": hour_of(at), "outcome": outcome_of(body)})
        batch["outbox"].append({  # its acknowledgement, owed (sending it is not measured)
            "reference": ref, "purpose": str(Purpose.ACKNOWLEDGEMENT), "recipient": body["email"],
            "status": "pending", "attempts": 0, "next_attempt_at": at, "created_at": at})
        batch["lines"].extend({"reference": ref, "order_number": body["order_number"],
                               **indexed_line(position, line)}
                              for position, line in enumerate(body["lines"]))
        if documents_every and n % documents_every == 0:
            pdf = b"%PDF-1.7\n" + os.urandom(DOCUMENT_SIZE)
            sha = hashlib.sha256(pdf).hexdigest()
            batch["documents"].append({"reference": ref, "kind": DocumentKind.RECEIPT_PDF,
                                       "sha256": sha, "content": pdf, "created_at": at})
            event = {"type": str(EventType.RECEIPT_PDF_STORED), "data": {"sha256": sha}}
            batch["ledger"].append(chain.entry("event", ref, event, at))
        if n % BATCH == 0 or n == count:
            yield batch
            batch = {key: [] for key in batch}
    yield {"head": [{"seq": chain.seq, "hash": chain.hash}]}


def fill(engine: Engine, count: int, documents_every: int = 0) -> None:
    """Write ``count`` statements (and their documents) into an empty, upgraded database."""
    for batch in _rows(count, documents_every):
        with engine.begin() as conn:
            if "head" in batch:
                head = batch["head"][0]
                conn.execute(update(chain_head).where(chain_head.c.id == 1)
                             .values(seq=head["seq"], hash=head["hash"]))
                continue
            conn.execute(insert(ledger), batch["ledger"])
            conn.execute(insert(statements), batch["statements"])
            conn.execute(insert(statement_lines), batch["lines"])
            conn.execute(insert(outbox), batch["outbox"])
            counted = Counter((row["hour"], row["outcome"]) for row in batch["hours"])
            for (hour, outcome), number in counted.items():
                add_count(conn, hour, outcome, number)
            if batch["documents"]:
                conn.execute(insert(documents), batch["documents"])
