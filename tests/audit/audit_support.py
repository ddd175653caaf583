"""Helpers for the audit tests: statements recorded as the app records them (optionally
back-dated), HTTP Basic credentials, CSRF tokens of prefixed forms."""

from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, select, update

from withdrawal.statement import DocumentKind, canonical_json, erased_fields, sha256_hex
from withdrawal.storage.chain import entry_hash, field_digests
from withdrawal.storage.documents import keep_document
from withdrawal.storage.statements import Recipient, record_statement
from withdrawal.storage.tables import GENESIS_HASH, chain_head, ledger, statements

AUDITOR, PASSWORD = "clara", "correct horse battery staple"
_TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"')


def basic(user: str = AUDITOR, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def csrf(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def engine_of(app: Flask) -> Engine:
    return app.extensions["withdrawal"].engine  # type: ignore[no-any-return]


def assessment(line_id: str, status: str) -> dict[str, Any]:
    return {
        "line_id": line_id, "status": status, "assessed_at": "2026-11-22T10:11:12.123456+00:00",
        "period_start": "2026-11-20", "deadline": "2026-12-04T23:59:59.999999+01:00",
        "deadline_timezone": "Europe/Rome", "policy_deadline": None,
        "no_cost": status == "withdrawable",
        "reasons": [{"code": "period-14-days", "article": "CRD Art. 9(1)",
                     "message": "The withdrawal period is 14 days.", "params": {}}],
    }


def content(reference: str, at: datetime, **overrides: Any) -> dict[str, Any]:
    """A statement's content with the keys ``submission.build_content`` records."""
    statuses = overrides.pop("statuses", ["withdrawable"])
    matched = overrides.pop("order_matched", True)
    lines = [{"line_id": str(n + 1), "title": f"Licence key {n + 1}", "quantity": 1,
              "unit_price": "19.90", "kind": "digital-content",
              "assessment": assessment(str(n + 1), status)}
             for n, status in enumerate(statuses)] if matched else []
    base = {
        "reference": reference, "submitted_at": at.isoformat(), "timezone": "Europe/Rome",
        "locale": "en", "name": "Ann Example", "email": "ann@example.com",
        "order_number": "1001", "order_matched": matched,
        "order_email": "ann@example.com" if matched else None,
        "contract_description": "" if matched else "A key bought last week",
        "currency": "EUR", "trader": {"name": "Demo", "address": "", "email": ""},
        "lines": lines,
        "labels": {"locale": "en", "entry": "Withdraw from contract here",
                   "confirm": "Confirm withdrawal", "verified": True, "source": "CRD",
                   "overridden": False},
        "flags": [] if matched else ["order-not-found"],
    }
    base.update(overrides)
    return base


def record(app: Flask, key: str | None = None, *, days_ago: float = 0, **overrides: Any) -> str:
    """Record one statement (with its acknowledgement in the outbox); back-date its index
    timestamp by ``days_ago``."""
    key = key or secrets.token_hex(16)

    def build(at: datetime, _withdrawn: Any, reference: str) -> dict[str, Any]:
        return content(reference, at, **overrides)

    reference, _ = record_statement(
        engine_of(app), submission_key=key, order_number=overrides.get("order_number", "1001"),
        build=build, recipients=lambda c: [Recipient("acknowledgement", c["email"])],
    )
    if days_ago:
        backdate(app, reference, days_ago)
    return reference


def backdate(app: Flask, reference: str, days: float) -> None:
    """Move a statement's submission into the past, as if it had been recorded then: its
    content and index timestamp change, and the chain is rehashed from its entry on (so
    ``verify`` still passes, as it does for a statement really recorded that long ago)."""
    at = datetime.now(UTC) - timedelta(days=days)
    with engine_of(app).begin() as conn:
        conn.execute(update(statements).where(statements.c.reference == reference)
                     .values(submitted_at=at))
        entry = conn.execute(select(ledger).where(ledger.c.reference == reference,
                                                  ledger.c.kind == "statement")).one()
        body = json.loads(entry.body)
        body["content"]["submitted_at"] = at.isoformat()
        conn.execute(update(ledger).where(ledger.c.seq == entry.seq)
                     .values(body=canonical_json(body).decode()))
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
    """Keep a document as the app keeps one: with its SHA-256 in a chain event."""
    keep_document(engine_of(app), reference, DocumentKind(kind), data)
    return sha256_hex(data)


PDF = b"%PDF-1.7\n% a stand-in for the acknowledgement\n%%EOF\n"
EML = (b"Message-ID: <ack-1@demo.example>\r\nFrom: shop@demo.example\r\n"
       b"To: ann@example.com\r\nSubject: Withdrawal received\r\n\r\nThank you.\r\n")
