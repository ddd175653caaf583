"""Helpers for the audit tests: statements recorded as the app records them (optionally
back-dated), HTTP Basic credentials, a ledger entry changed behind the app's back."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert, update
from support import engine_of, statement_content

from withdrawal.statement import Purpose, StatementContent, sha256_hex
from withdrawal.storage.statements import Recipient, record_statement
from withdrawal.storage.tables import documents, statements

AUDITOR, PASSWORD = "clara", "correct horse battery staple"


def basic(user: str = AUDITOR, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def record(app: Flask, key: str | None = None, *, days_ago: float = 0, **overrides: Any) -> str:
    """Record one statement (``support.statement_content`` with ``overrides``, its
    acknowledgement in the outbox); back-date its index timestamp by ``days_ago``."""
    key = key or secrets.token_hex(16)

    def build(at: datetime, _withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        return statement_content(reference, at, **overrides)

    reference, _ = record_statement(
        engine_of(app), submission_key=key, order_number=overrides.get("order_number", "1001"),
        build=build, recipients=lambda c: [Recipient(Purpose.ACKNOWLEDGEMENT, c["email"])],
    )
    if days_ago:
        backdate(app, reference, days_ago)
    return reference


def backdate(app: Flask, reference: str, days: float) -> None:
    """Move a statement's index timestamp into the past (the ledger keeps its own)."""
    at = datetime.now(UTC) - timedelta(days=days)
    with engine_of(app).begin() as conn:
        conn.execute(update(statements).where(statements.c.reference == reference)
                     .values(submitted_at=at))


def store_document(app: Flask, reference: str, kind: str, data: bytes) -> str:
    with engine_of(app).begin() as conn:
        conn.execute(insert(documents).values(
            reference=reference, kind=kind, sha256=sha256_hex(data), content=data,
            created_at=datetime.now(UTC)))
    return sha256_hex(data)


PDF = b"%PDF-1.7\n% a stand-in for the acknowledgement\n%%EOF\n"
EML = (b"Message-ID: <ack-1@demo.example>\r\nFrom: shop@demo.example\r\n"
       b"To: ann@example.com\r\nSubject: Withdrawal received\r\n\r\nThank you.\r\n")
