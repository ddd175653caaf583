"""Helpers for the audit tests: statements recorded as the app records them (optionally
back-dated), HTTP Basic credentials, a ledger entry changed behind the app's back."""

from __future__ import annotations

import base64
import io
import json
import secrets
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select, update
from support import engine_of, statement_content

from withdrawal.statement import (
    EventType,
    Purpose,
    StatementContent,
    canonical_json,
    erased_fields,
    notice_seq,
    sha256_hex,
)
from withdrawal.storage.chain import entry_hash, field_digests
from withdrawal.storage.documents import keep_document
from withdrawal.storage.hours import add_count, hour_of, outcome_of
from withdrawal.storage.statements import Recipient, record_statement
from withdrawal.storage.tables import GENESIS_HASH, chain_head, ledger, statements

AUDITOR, PASSWORD = "clara", "correct horse battery staple"


def basic(user: str = AUDITOR, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def record(app: Flask, key: str | None = None, *, days_ago: float = 0,
           recorded_then: bool = False, **overrides: Any) -> str:
    """Record one statement (``support.statement_content`` with ``overrides``, its
    acknowledgement in the outbox); back-date its index timestamp by ``days_ago`` (and its
    chain entry's append with ``recorded_then``; else it was appended now, as a statement
    recovered late from the spool is)."""
    key = key or secrets.token_hex(16)

    def build(at: datetime, _withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        return statement_content(reference, at, **overrides)

    reference, _ = record_statement(
        engine_of(app), submission_key=key, order_number=overrides.get("order_number", "1001"),
        build=build, recipients=lambda c: [Recipient(Purpose.ACKNOWLEDGEMENT, c["email"])],
    )
    if days_ago:
        backdate(app, reference, days_ago, recorded_then=recorded_then)
    return reference


def backdate(app: Flask, reference: str, days: float, *, recorded_then: bool = False) -> None:
    """Move a statement's submission into the past, as if it had been recorded then: its
    content, index timestamp and hour count change (with ``recorded_then`` its entry's
    append time too), and the chain is rehashed from its entry on (so ``verify`` still
    passes, as it does for a statement really recorded that long ago)."""
    at = datetime.now(UTC) - timedelta(days=days)
    with engine_of(app).begin() as conn:
        conn.execute(update(statements).where(statements.c.reference == reference)
                     .values(submitted_at=at))
        entry = conn.execute(select(ledger).where(ledger.c.reference == reference,
                                                  ledger.c.kind == "statement")).one()
        body = json.loads(entry.body)
        was = datetime.fromisoformat(body["content"]["submitted_at"])
        outcome = outcome_of(body["content"])
        add_count(conn, hour_of(was), outcome, -1)
        add_count(conn, hour_of(at), outcome, 1)
        body["content"]["submitted_at"] = at.isoformat()
        appended = {"recorded_at": at} if recorded_then else {}
        conn.execute(update(ledger).where(ledger.c.seq == entry.seq)
                     .values(body=canonical_json(body).decode(), **appended))
        rehash(conn, entry.seq)


def rehash(conn: Connection, first: int) -> None:
    """Recompute every hash from entry ``first`` on, and the head (a chain rewritten)."""
    prev = conn.execute(select(ledger.c.hash).where(ledger.c.seq == first - 1)).scalar()
    prev = prev or GENESIS_HASH
    for row in conn.execute(select(ledger).where(ledger.c.seq >= first)
                            .order_by(ledger.c.seq)).all():
        digest = entry_hash(seq=row.seq, kind=row.kind, reference=row.reference,
                            recorded_at=row.recorded_at, prev_hash=prev,
                            digests=field_digests(json.loads(row.body),
                                                  erased_fields(row.erased)))
        conn.execute(update(ledger).where(ledger.c.seq == row.seq)
                     .values(prev_hash=prev, hash=digest))
        prev = digest
    conn.execute(update(chain_head).values(hash=prev))


def store_document(app: Flask, reference: str, kind: str, data: bytes) -> str:
    """Keep a document as the app keeps one: with its SHA-256 in a chain event (a decision's
    notice, ``decision-notice-eml-<seq>``, with the decision's entry)."""
    seq = notice_seq(kind)
    event = (None if seq is None
             else (EventType.DECISION_NOTICE_EML_STORED, {"event_seq": seq}))
    keep_document(engine_of(app), reference, kind, data, event=event)
    return sha256_hex(data)


PDF = b"%PDF-1.7\n% a stand-in for the acknowledgement\n%%EOF\n"
EML = (b"Message-ID: <ack-1@demo.example>\r\nFrom: shop@demo.example\r\n"
       b"To: ann@example.com\r\nSubject: Withdrawal received\r\n\r\nThank you.\r\n")


def fetch(auditor: FlaskClient, reference: str, target: Path) -> dict[str, bytes]:
    response = auditor.get(f"/withdrawal/audit/statements/{reference}/evidence.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename="{reference}-evidence-')
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    folder = archive.namelist()[0].split("/")[0]
    assert archive.namelist()[0] == f"{folder}/README.txt"
    archive.extractall(target / "unzipped")
    return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
