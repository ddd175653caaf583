"""Helpers for the evidence tests: a real RFC 3161 timestamping authority on loopback (pyHanko's
DummyTimeStamper behind http.server, with a throw-away RSA key and certificate), statements
recorded as the app records them, and the tampering an insider with database access can do."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from flask import Flask
from sqlalchemy import select, update
from support import engine_of

from withdrawal.statement import Purpose, StatementContent, canonical_json
from withdrawal.storage.statements import Recipient, record_statement
from withdrawal.storage.tables import chain_head, ledger


def record(app: Flask, name: str = "Ann", lines: int = 2, acknowledge: bool = True) -> str:
    """A statement of a found order with ``lines`` lines (so the lines index has rows), with
    its acknowledgement owed in the outbox unless ``acknowledge`` is False."""

    def build(at: datetime, _withdrawn: Any, reference: str) -> StatementContent:
        sparse: dict[str, Any] = {  # trader and labels left empty
            "reference": reference, "submitted_at": at.isoformat(), "timezone": "Europe/Rome",
            "locale": "en", "name": name, "email": f"{name}@Example.com",
            "order_number": "1001", "order_matched": True, "order_email": None,
            "contract_description": "", "currency": "EUR", "trader": {},
            "lines": [{"line_id": str(n), "title": f"Key {n}", "quantity": 1,
                       "unit_price": "9.90", "kind": "digital-content",
                       "assessment": {"status": "withdrawable", "reasons": []}}
                      for n in range(1, lines + 1)],
            "labels": {}, "flags": ["chosen-excluded"],
        }
        return cast(StatementContent, sparse)

    reference, _ = record_statement(
        engine_of(app), submission_key=f"key-{name}-{datetime.now(UTC).timestamp()}",
        order_number="1001", build=build,
        recipients=lambda c: ([Recipient(Purpose.ACKNOWLEDGEMENT, c["email"])]
                              if acknowledge else []),
    )
    return reference


def rewrite_chain(app: Flask, edit: Any) -> None:
    """What an insider who knows the hashing does: edit entries with ``edit(seq, body)``
    (returns the new body or None), then recompute every hash after it and move the head."""
    from withdrawal.statement import erased_fields
    from withdrawal.storage.chain import entry_hash, field_digests

    with engine_of(app).begin() as conn:
        prev = "0" * 64
        for row in conn.execute(select(ledger).order_by(ledger.c.seq)).all():
            body = edit(row.seq, json.loads(row.body)) or json.loads(row.body)
            digest = entry_hash(seq=row.seq, kind=row.kind, reference=row.reference,
                                recorded_at=row.recorded_at, prev_hash=prev,
                                digests=field_digests(body, erased_fields(row.erased)))
            conn.execute(update(ledger).where(ledger.c.seq == row.seq).values(
                body=canonical_json(body).decode(), prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(chain_head).values(hash=prev))


@dataclass
class TSA:
    """A timestamping authority on loopback; ``requests`` counts the queries it answered."""

    url: str
    certificate_der: bytes
    requests: list[bytes] = field(default_factory=list)


@contextmanager
def serve_tsa(delay: float = 0.0) -> Iterator[TSA]:
    """A TSA on loopback; ``delay``: seconds it takes to answer (a distant one)."""
    from asn1crypto import keys, tsp, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = datetime.now(UTC)
    certificate = (
        cx509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(cx509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                       critical=True)
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    stamper = DummyTimeStamper(
        tsa_cert=x509.Certificate.load(der),
        tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
    )
    asked: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            asked.append(body)
            time.sleep(delay)
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TSA(f"http://127.0.0.1:{server.server_address[1]}/tsa", der, asked)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def sealing_key(directory: Path) -> tuple[str, str]:
    """A self-signed sealing certificate and key in a PKCS#12 file: (path, password)."""
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Demo Keys receipt seal")])
    now = datetime.now(UTC)
    certificate = (
        cx509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(cx509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / "seal.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"seal", key, certificate, None, BestAvailableEncryption(b"seal-password")))
    return str(path), "seal-password"
