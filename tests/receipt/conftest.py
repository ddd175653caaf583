"""Fixtures for the receipt PDFs: realistic statements as the app records them, the trader, a
renderer, and a throw-away signing identity (self-signed certificate in a PKCS#12)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import english

from withdrawal.domain import Trader
from withdrawal.receipt.pdf import render_receipt_pdf
from withdrawal.statement import canonical_json

TRADER = {
    "name": "Demo Keys S.r.l.",
    "address": "Via Roma 1\n20121 Milano\nItaly",
    "email": "support@demo.example",
}

_NOT_PERFORMED = (
    "This digital content has not been delivered to you yet, so the exception for digital "
    "content does not apply and you can withdraw without paying anything for it."
)
_ALL_CONDITIONS = (
    "This digital content (for example a licence key) was delivered after you agreed that "
    "delivery could start at once and acknowledged that you would lose your right of "
    "withdrawal, and we confirmed this to you by e-mail or another durable medium (Art. 16(m) "
    "of the Consumer Rights Directive). The right of withdrawal therefore seems not to apply. "
    "If the content or key does not work, you keep your rights under the legal guarantee of "
    "conformity. You can still send this statement; we will review it."
)
_ALREADY = (
    "You already withdrew from this item with statement %(reference)s, so you do not need "
    "to withdraw from it again."
)


def _assessment(line_id: str, status: str, reasons: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "status": status,
        "assessed_at": "2026-11-22T10:11:12.123456+00:00",
        "period_start": "2026-11-20",
        "deadline": "2026-12-04T23:59:59.999999+01:00",
        "deadline_timezone": "Europe/Rome",
        "policy_deadline": None,
        "no_cost": status == "withdrawable",
        "reasons": reasons,
    }


def _reason(code: str, message: str, **params: str) -> dict[str, Any]:
    return {"code": code, "article": "CRD Art. 16(m)", "message": message, "params": params}


def _line(line_id: str, title: str, quantity: int, price: str, status: str, reason: Any) -> Any:
    return {
        "line_id": line_id,
        "title": title,
        "quantity": quantity,
        "unit_price": price,
        "kind": "digital-content",
        "assessment": _assessment(line_id, status, [reason]),
    }


STATEMENT: dict[str, Any] = {
    "reference": "W-7K3M-9QX2",
    "submitted_at": "2026-11-22T10:11:12.123456+00:00",
    "timezone": "Europe/Rome",
    "locale": "it",
    "name": "Maria Rossi",
    "email": "maria@example.com",
    "order_number": "1001",
    "order_matched": True,
    "order_email": "maria@example.com",
    "contract_description": "",
    "currency": "EUR",
    "trader": TRADER,
    "lines": [
        _line(
            "1",
            "Office 2024 Professional licence key",
            1,
            "19.99",
            "withdrawable",
            _reason("art16m-not-performed", _NOT_PERFORMED),
        ),
        _line(
            "2",
            "Windows 11 Pro licence key",
            2,
            "9.50",
            "excluded",
            _reason("art16m-all-conditions", _ALL_CONDITIONS),
        ),
        _line(
            "3",
            "Antivirus Plus 1 year",
            1,
            "1234.50",
            "already-withdrawn",
            _reason("art11-already-withdrawn", _ALREADY, reference="W-2B4D-6F8H"),
        ),
    ],
    "labels": {
        "locale": "it",
        "entry": "Recedere dal contratto qui",
        "confirm": "Conferma recesso",
        "verified": True,
        "source": "Art. 54-bis Cod. Consumo",
        "overridden": False,
    },
    "flags": ["chosen-already-withdrawn", "chosen-excluded"],
}

UNMATCHED: dict[str, Any] = {
    **STATEMENT,
    "reference": "W-4N8P-2RT6",
    "order_number": "77-404",
    "order_matched": False,
    "order_email": None,
    "contract_description": "Two Windows keys bought on 20 November, paid by PayPal",
    "currency": None,
    "lines": [],
    "flags": [],
}


@pytest.fixture
def statement() -> dict[str, Any]:
    """A matched statement with three lines (withdrawable, excluded, already withdrawn)."""
    return copy.deepcopy(STATEMENT)


@pytest.fixture
def unmatched_statement() -> dict[str, Any]:
    """A statement whose order could not be matched: described, no lines."""
    return copy.deepcopy(UNMATCHED)


@pytest.fixture
def trader() -> Trader:
    return Trader(name=TRADER["name"], address=TRADER["address"], email=TRADER["email"])


def statement_hash(statement: dict[str, Any]) -> str:
    """The app hashes the canonical JSON too (the chain adds its own fields around it)."""
    return hashlib.sha256(canonical_json(statement)).hexdigest()


Render = Callable[..., bytes]


@pytest.fixture
def render() -> Render:
    """``render(statement, gettext=..., locale=...)``: the receipt PDF, in English by default."""

    def render(
        statement: dict[str, Any], *, gettext: Callable[[str], str] = english, locale: str = "en"
    ) -> bytes:
        return render_receipt_pdf(
            statement, statement_hash=statement_hash(statement), gettext=gettext, locale=locale
        )

    return render


@pytest.fixture(scope="session")
def pkcs12_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A self-signed sealing certificate and its key in a PKCS#12 file, with its password."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Demo Keys receipt seal"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Demo Keys S.r.l."),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    password = b"seal-password"
    data = pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, None, BestAvailableEncryption(password)
    )
    path = tmp_path_factory.mktemp("seal") / "seal.p12"
    path.write_bytes(data)
    return path, password
