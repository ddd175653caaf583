"""Is this receipt ours? The public check's questions, answered from the chain: a PDF is
genuine when its SHA-256 is one the chain recorded for a kept receipt (also after the PDF was
deleted under retention: its digest stays in the erasure event); a reference with a SHA-256
is genuine when that SHA-256 is the statement's (the one printed on the receipt) or its
receipt PDF's. Nothing else about the statement leaves this module."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from ..statement import (
    CONTENT_FIELD,
    DocumentKind,
    EventType,
    content_hash,
    erased_fields,
    sha256_hex,
)
from .tables import documents, ledger, statements

#: The embedded statement's file name in our receipts (``receipt.pdf.attachment_name``).
_ATTACHMENT = re.compile(rb"statement-(W-[0-9A-Z]{4}-[0-9A-Z]{4})\.json")


@dataclass(frozen=True)
class Genuine:
    """A match: the statement's reference and submission time, what matched (the receipt
    PDF or the statement's SHA-256), and whether that receipt was sealed when kept."""

    reference: str
    submitted_at: str
    matched: str  # "receipt-pdf" or "statement"
    sealed: bool = False


def find_receipt(engine: Engine, pdf: bytes) -> Genuine | None:
    """The statement whose receipt PDF is byte for byte ``pdf``, or None."""
    digest = sha256_hex(pdf)
    query = select(documents.c.reference).where(
        documents.c.sha256 == digest, documents.c.kind == str(DocumentKind.RECEIPT_PDF))
    with engine.connect() as conn:
        candidates = list(conn.execute(query).scalars())
    candidates += [m.decode() for m in _ATTACHMENT.findall(pdf)[:3]]  # a receipt since erased
    for reference in dict.fromkeys(candidates):
        found = check_reference(engine, reference, digest)
        if found is not None and found.matched == DocumentKind.RECEIPT_PDF:
            return found
    return None


def check_reference(engine: Engine, reference: str, sha256: str) -> Genuine | None:
    """A match when ``sha256`` is the statement's SHA-256 or its receipt PDF's, else None."""
    with engine.connect() as conn:
        entry = conn.execute(
            select(ledger.c.body, ledger.c.erased).join(statements,
                                                        statements.c.seq == ledger.c.seq)
            .where(statements.c.reference == reference, ledger.c.kind == "statement")
        ).first()
        if entry is None:
            return None
        events = [json.loads(body) for body in conn.execute(
            select(ledger.c.body).where(ledger.c.reference == reference,
                                        ledger.c.kind == "event")).scalars()]
    content: dict[str, Any] = json.loads(entry.body).get(CONTENT_FIELD) or {}
    submitted_at = str(content.get("submitted_at", ""))
    statement_sha = erased_fields(entry.erased).get(CONTENT_FIELD) or content_hash(content)
    if sha256 == statement_sha:
        return Genuine(reference, submitted_at, "statement")
    receipts = _receipt_digests(events)
    if sha256 in receipts:
        return Genuine(reference, submitted_at, DocumentKind.RECEIPT_PDF, receipts[sha256])
    return None


def _receipt_digests(events: list[dict[str, Any]]) -> dict[str, bool]:
    """SHA-256 of each receipt PDF the chain recorded -> whether it was sealed."""
    found: dict[str, bool] = {}
    for event in events:
        data = event.get("data") or {}
        if event.get("type") == EventType.RECEIPT_PDF_STORED and data.get("sha256"):
            found[str(data["sha256"])] = bool(data.get("sealed"))
        elif event.get("type") == EventType.PERSONAL_DATA_ERASED:
            digest = (data.get("documents") or {}).get(DocumentKind.RECEIPT_PDF)
            if digest:
                found.setdefault(str(digest), False)
    return found
