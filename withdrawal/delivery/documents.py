"""The acknowledgement's PDF, rendered once after the statement is committed and kept byte for
byte: the download, every e-mail and the evidence bundle carry the same bytes."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from ..config import config_value
from ..i18n import gettext
from ..storage.chain import sha256_hex
from ..storage.statements import StoredStatement, append_event, utcnow
from ..storage.tables import documents

RECEIPT_PDF = "receipt-pdf"
ACKNOWLEDGEMENT_EML = "acknowledgement-eml"


def receipt_pdf(engine: Engine, statement: StoredStatement) -> bytes:
    """The stored PDF, rendering and storing it on first use."""
    stored = stored_document(engine, statement.reference, RECEIPT_PDF)
    if stored is not None:
        return stored
    if statement.erased:  # a new PDF of erased placeholders would be no copy of the statement
        raise LookupError(f"statement {statement.reference}: personal data erased")
    pdf = _render(statement)
    try:
        with engine.begin() as conn:
            conn.execute(insert(documents).values(
                reference=statement.reference, kind=RECEIPT_PDF, sha256=sha256_hex(pdf),
                content=pdf, created_at=utcnow(),
            ))
            append_event(conn, statement.reference, "receipt-pdf-stored",
                         {"sha256": sha256_hex(pdf), "sealed": _signing_key() is not None})
    except IntegrityError:  # rendered at the same moment elsewhere: keep the first
        return stored_document(engine, statement.reference, RECEIPT_PDF) or pdf
    return pdf


def stored_document(engine: Engine, reference: str, kind: str) -> bytes | None:
    with engine.connect() as conn:
        query = select(documents.c.content).where(
            documents.c.reference == reference, documents.c.kind == kind)
        content = conn.execute(query).scalar_one_or_none()
    return bytes(content) if content is not None else None


def store_document(engine: Engine, reference: str, kind: str, content: bytes) -> None:
    """Keep a document (e.g. the e-mail as sent) unless one of that kind is already kept."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(documents).values(
                reference=reference, kind=kind, sha256=sha256_hex(content), content=content,
                created_at=utcnow(),
            ))
    except IntegrityError:
        pass  # the first acknowledgement sent stays the one kept


def _render(statement: StoredStatement) -> bytes:
    from ..receipt.pdf import render_receipt_pdf

    locale = statement.content.get("locale") or "en"
    with force_locale(locale):
        pdf = render_receipt_pdf(statement.content, statement_hash=statement.content_hash,
                                 gettext=gettext, locale=locale)
    key = _signing_key()
    if key is None:
        return pdf
    from ..receipt.signing import seal_pdf

    password = config_value("SIGNING_KEY_PASSWORD")
    return seal_pdf(pdf, pkcs12_path=key,
                    password=password.encode() if isinstance(password, str) else password)


def _signing_key() -> str | None:
    key = config_value("SIGNING_KEY", current_app._get_current_object())  # type: ignore[attr-defined]
    return str(key) if key else None


def verify_documents(engine: Engine) -> tuple[int, int, list[str]]:
    """Check every kept document against its recorded SHA-256 (and the hash the chain recorded
    when the PDF was stored), and each sealed PDF's seal. Returns (documents, sealed, problems)."""
    from ..storage.statements import events_of

    count, sealed, problems = 0, 0, []
    with engine.connect() as conn:
        rows = conn.execute(select(documents).order_by(documents.c.reference)).all()
    for row in rows:
        count += 1
        where = f"document {row.kind} of {row.reference}"
        content = bytes(row.content)
        if sha256_hex(content) != row.sha256:
            problems.append(f"{where}: content does not match its SHA-256")
            continue
        if row.kind != RECEIPT_PDF:
            continue
        stored = [e["data"] for e in events_of(engine, row.reference)
                  if e["type"] == "receipt-pdf-stored"]
        if stored and stored[0]["sha256"] != row.sha256:
            problems.append(f"{where}: SHA-256 differs from the one in the chain")
        if stored and stored[0].get("sealed"):
            sealed += 1
            problems += _seal_problems(where, content)
    return count, sealed, problems


def _seal_problems(where: str, pdf: bytes) -> list[str]:
    from ..receipt.signing import verify_pdf_seal

    key = _signing_key()
    password = config_value("SIGNING_KEY_PASSWORD")
    check = verify_pdf_seal(pdf, pkcs12_path=key, password=password.encode()
                            if isinstance(password, str) else password)
    return [] if check.present and check.intact and check.valid else [
        f"{where}: seal check failed: {check.message}"]
