"""Documents kept byte for byte beside a statement (``statement.DocumentKind``): the receipt
PDF and the acknowledgement e-mail as sent. Kept once: the first of a kind stays the one kept.
Rendering is the ``receipt`` package's; storing, reading and checking are here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from ..statement import DocumentKind, EventType, sha256_hex
from .statements import append_event, events_of, utcnow
from .tables import documents

#: Checks a sealed PDF's seal; returns the problems found (none: the seal holds).
SealCheck = Callable[[bytes], list[str]]


def kept_document(
    engine: Engine | Connection, reference: str, kind: DocumentKind,
) -> bytes | None:
    """The document's bytes exactly as kept, or None."""
    query = select(documents.c.content).where(documents.c.reference == reference,
                                              documents.c.kind == str(kind))
    if isinstance(engine, Connection):
        content = engine.execute(query).scalar_one_or_none()
    else:
        with engine.connect() as conn:
            content = conn.execute(query).scalar_one_or_none()
    return bytes(content) if content is not None else None


def keep_document(
    engine: Engine, reference: str, kind: DocumentKind, content: bytes, *,
    event: tuple[EventType, Mapping[str, Any]] | None = None,
) -> bytes:
    """Keep ``content`` unless a document of this kind is already kept, with ``event`` (if
    given) appended to the chain in the same transaction. Returns the bytes kept: the first
    one kept wins when two processes keep one at the same moment."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(documents).values(
                reference=reference, kind=str(kind), sha256=sha256_hex(content),
                content=content, created_at=utcnow(),
            ))
            if event is not None:
                append_event(conn, reference, event[0], event[1])
    except IntegrityError:
        return kept_document(engine, reference, kind) or content
    return content


@dataclass
class DocumentCheck:
    """What :func:`check_documents` found: how many documents, how many sealed, problems."""

    count: int = 0
    sealed: int = 0
    problems: list[str] = field(default_factory=list)


def check_documents(engine: Engine, seal_check: SealCheck | None = None) -> DocumentCheck:
    """Check every kept document against its recorded SHA-256, a receipt PDF also against the
    SHA-256 the chain recorded when it was kept, and each sealed PDF's seal."""
    result = DocumentCheck()
    with engine.connect() as conn:
        rows = conn.execute(select(documents).order_by(documents.c.reference)).all()
    for row in rows:
        result.count += 1
        where = f"document {row.kind} of {row.reference}"
        content = bytes(row.content)
        if sha256_hex(content) != row.sha256:
            result.problems.append(f"{where}: content does not match its SHA-256")
            continue
        if row.kind == DocumentKind.RECEIPT_PDF:
            _check_receipt(engine, row, where, result, seal_check)
    return result


def _check_receipt(
    engine: Engine, row: Any, where: str, result: DocumentCheck, seal_check: SealCheck | None,
) -> None:
    stored = [e["data"] for e in events_of(engine, row.reference)
              if e["type"] == EventType.RECEIPT_PDF_STORED]
    if stored and stored[0]["sha256"] != row.sha256:
        result.problems.append(f"{where}: SHA-256 differs from the one in the chain")
    if stored and stored[0].get("sealed"):
        result.sealed += 1
        if seal_check is not None:
            result.problems += [f"{where}: {p}" for p in seal_check(bytes(row.content))]
