"""Issuing the acknowledgement's PDF for the app: rendered once in the consumer's language,
sealed when the shop configured a key (``WITHDRAWAL_SIGNING_KEY`` and ``_PASSWORD``), and kept
byte for byte, so the download, every e-mail and the evidence bundle carry the same bytes.

This is the one place that reads the signing key and its password; ``pdf.py`` renders and
``signing.py`` seals without knowing about Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import Connection, Engine

from ..config import config_value
from ..i18n import gettext, pgettext
from ..statement import DocumentKind, EventType, sha256_hex
from ..storage.documents import keep_document, keep_with, kept_document
from ..storage.statements import StoredStatement
from .pdf import render_receipt_pdf


@dataclass(frozen=True)
class Seal:
    """The PKCS#12 file and its password that seal receipts."""

    key_path: str
    password: bytes | None

    @classmethod
    def configured(cls, app: Flask | None = None) -> Seal | None:
        """The app's seal, or None when no key is configured."""
        key = config_value("SIGNING_KEY", app)
        if not key:
            return None
        password = config_value("SIGNING_KEY_PASSWORD", app)
        return cls(str(key), password.encode() if isinstance(password, str) else password)

    def apply(self, pdf: bytes) -> bytes:
        from .signing import seal_pdf

        return seal_pdf(pdf, pkcs12_path=self.key_path, password=self.password)



def check_url(link_base: str | None) -> str | None:
    """The public receipt check's address on the shop's site (``<prefix>/verify``), from the
    URL root the statement was submitted on; None when that is unknown."""
    if not link_base:
        return None
    path = "/".join(p for p in (str(config_value("URL_PREFIX")).strip("/"), "verify") if p)
    return f"{link_base.rstrip('/')}/{path}"


def render_receipt(
    statement: StoredStatement, seal: Seal | None, check: str | None = None,
) -> bytes:
    """The receipt PDF of ``statement`` in its language, sealed if ``seal`` is given, naming
    the public check at ``check``."""
    locale = statement.content.get("locale") or "en"
    with force_locale(locale):
        pdf = render_receipt_pdf(statement.content, statement_hash=statement.content_hash,
                                 gettext=gettext, pgettext=pgettext, locale=locale,
                                 check_url=check)
    return seal.apply(pdf) if seal is not None else pdf


def receipt_pdf(
    engine: Engine, statement: StoredStatement, link_base: str | None = None,
) -> bytes:
    """The kept receipt PDF, rendering and keeping it on first use (call in an app context);
    ``link_base`` is the URL root the statement was submitted on (for the check's address).
    Its SHA-256 goes into the chain with it, as a ``receipt-pdf-stored`` event."""
    return _kept(engine, statement.reference, _kept_or_rendered(engine, statement, link_base))


@dataclass(frozen=True)
class ReceiptCopy:
    """The receipt PDF for a message: the kept bytes (``stored`` None), or bytes rendered now
    with the event that records them, for the caller to keep (``keep_copy``) in the
    transaction that records the message as sent: one head lock per delivery."""

    pdf: bytes
    stored: tuple[EventType, dict[str, Any]] | None = None

    @property
    def sealed(self) -> bool:
        """Rendered now and sealed (a kept copy says nothing here)."""
        return self.stored is not None and bool(self.stored[1]["sealed"])


def receipt_copy(
    engine: Engine, statement: StoredStatement, link_base: str | None = None,
) -> ReceiptCopy:
    """The receipt PDF a message carries (call in an app context): the kept one; else, unsealed,
    one rendered now for the caller to keep with the message's outcome: any rendering of a
    statement gives these same bytes, so a download that keeps one meanwhile keeps the same.
    A sealed PDF's bytes are its own (the seal's signing time): it is kept before it is sent."""
    copy = _kept_or_rendered(engine, statement, link_base)
    return ReceiptCopy(_kept(engine, statement.reference, copy)) if copy.sealed else copy


def _kept_or_rendered(
    engine: Engine, statement: StoredStatement, link_base: str | None,
) -> ReceiptCopy:
    """The kept PDF, or one rendered (and sealed, when a key is configured) but not kept."""
    kept = kept_document(engine, statement.reference, DocumentKind.RECEIPT_PDF)
    if kept is not None:
        return ReceiptCopy(kept)
    if statement.erased:  # a new PDF of erased placeholders would be no copy of the statement
        raise LookupError(f"statement {statement.reference}: personal data erased")
    seal = Seal.configured()
    pdf = render_receipt(statement, seal, check_url(link_base))
    return ReceiptCopy(pdf, (EventType.RECEIPT_PDF_STORED,
                             {"sha256": sha256_hex(pdf), "sealed": seal is not None}))


def _kept(engine: Engine, reference: str, copy: ReceiptCopy) -> bytes:
    """Keep a copy rendered now in a transaction of its own (the first kept wins); the bytes
    kept."""
    if copy.stored is None:
        return copy.pdf
    return keep_document(engine, reference, DocumentKind.RECEIPT_PDF, copy.pdf,
                         event=copy.stored)


def keep_copy(
    conn: Connection, reference: str, copy: ReceiptCopy,
) -> list[tuple[EventType, dict[str, Any]]]:
    """Inside a transaction that holds the head lock: keep a copy rendered for a message
    unless one was kept meanwhile (the first kept stays; unsealed, both are the same bytes);
    the stored event for the caller to append, or none."""
    if copy.stored is None or keep_with(conn, reference, DocumentKind.RECEIPT_PDF,
                                        copy.pdf) is None:
        return []
    return [copy.stored]


def seal_problems(pdf: bytes, seal: Seal | None) -> list[str]:
    """Why the seal on a kept PDF does not hold; empty when it is present, intact and valid.
    The configured key's certificates are trusted; without a key the seal is still checked."""
    from .signing import verify_pdf_seal

    key, password = (seal.key_path, seal.password) if seal is not None else (None, None)
    check = verify_pdf_seal(pdf, pkcs12_path=key, password=password)
    ok = check.present and check.intact and check.valid
    return [] if ok else [f"seal check failed: {check.message}"]
