"""Documents kept byte for byte beside a statement (``statement.DocumentKind``): the receipt
PDF, the acknowledgement e-mail and each decision's notice as sent. Kept once: the first of a
kind stays the one kept, and its SHA-256 goes into the chain in the same transaction
(``statement.STORED_EVENTS``; a notice's ``decision-notice-eml-stored``), so ``verify`` names a
document swapped or deleted later. Rendering is the ``receipt`` package's; storing, reading and
checking are here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, literal, select, tuple_
from sqlalchemy.exc import IntegrityError

from ..statement import STORED_EVENTS, DocumentKind, EventType, sha256_hex
from .chain import lock_head
from .engine import Source, connected
from .statements import append_events, utcnow
from .tables import documents

#: Checks a sealed PDF's seal; returns the problems found (none: the seal holds).
SealCheck = Callable[[bytes], list[str]]


def kept_document(
    source: Source, reference: str, kind: str,
) -> bytes | None:
    """The document's bytes exactly as kept, or None."""
    query = select(documents.c.content).where(documents.c.reference == reference,
                                              documents.c.kind == str(kind))
    with connected(source) as conn:
        content = conn.execute(query).scalar_one_or_none()
    return bytes(content) if content is not None else None


def keep_document(
    engine: Engine, reference: str, kind: str, content: bytes, *,
    event: tuple[EventType, Mapping[str, Any]] | None = None,
) -> bytes:
    """Keep ``content`` unless a document of this kind is already kept, and append its stored
    event (``event``, by default the kind's ``STORED_EVENTS`` entry; its data always carries
    the SHA-256) to the chain in the same transaction. Returns the bytes kept: the first one
    kept wins when two processes keep one at the same moment."""
    event_type, data = event or (STORED_EVENTS[kind], {})
    try:
        with engine.begin() as conn:
            head = lock_head(conn)  # first: every keeper waits here (see keep_with)
            digest = keep_with(conn, reference, kind, content)
            if digest is None:
                return kept_document(conn, reference, kind) or content
            append_events(conn, reference, [(event_type, {**data, "sha256": digest})],
                          head=head)
    except IntegrityError:  # kept by a writer that does not take the head lock first
        return kept_document(engine, reference, kind) or content
    return content


def keep_with(
    conn: Connection, reference: str, kind: str, content: bytes,
) -> str | None:
    """Inside a transaction that holds the head lock: keep ``content`` unless a document of
    this kind is kept already; returns its SHA-256, for the stored event the caller appends
    in the same transaction, or None when one was kept before. Every keeper takes the head
    lock before looking, so two cannot both find none."""
    if kept_document(conn, reference, kind) is not None:
        return None
    digest = sha256_hex(content)
    conn.execute(insert(documents).values(
        reference=reference, kind=str(kind), sha256=digest, content=content,
        created_at=utcnow(),
    ))
    return digest


@dataclass
class DocumentCheck:
    """What :func:`check_documents` found: how many documents, how many sealed, problems."""

    count: int = 0
    sealed: int = 0
    problems: list[str] = field(default_factory=list)


def check_documents(
    engine: Engine, seal_check: SealCheck | None = None, batch: int = 20,
) -> DocumentCheck:
    """Check every kept document's bytes against its recorded SHA-256 and each sealed PDF's
    seal, reading a few documents at a time. (That the SHA-256 is the one the chain recorded
    when the document was kept is ``verify.verify_chain``'s part.)"""
    result = DocumentCheck()
    for row in _iter_documents(engine, batch):
        result.count += 1
        where = f"document {row.kind} of {row.reference}"
        content = bytes(row.content)
        if sha256_hex(content) != row.sha256:
            result.problems.append(f"{where}: content does not match its SHA-256")
            continue
        if row.kind == DocumentKind.RECEIPT_PDF and is_sealed(content):
            result.sealed += 1
            if seal_check is not None:
                result.problems += [f"{where}: {p}" for p in seal_check(content)]
    return result


def is_sealed(pdf: bytes) -> bool:
    """Whether the PDF carries a signature (a seal is appended with a ``/ByteRange``)."""
    return b"/ByteRange" in pdf


def _iter_documents(engine: Engine, batch: int) -> Any:
    last: tuple[str, str] = ("", "")
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(documents).where(tuple_(documents.c.reference, documents.c.kind)
                                        > tuple_(literal(last[0]), literal(last[1])))
                .order_by(documents.c.reference, documents.c.kind).limit(batch)
            ).all()
        yield from rows
        if len(rows) < batch:
            return
        last = (rows[-1].reference, rows[-1].kind)
