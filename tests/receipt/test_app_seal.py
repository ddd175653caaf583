"""The optional seal in the app: with WITHDRAWAL_SIGNING_KEY the stored receipt PDF carries a
PAdES seal, and ``flask withdrawal verify`` checks stored PDF hashes and seals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from support import Consumer, engine_of, reference_in

from withdrawal.receipt.issue import receipt_copy
from withdrawal.receipt.signing import verify_pdf_seal
from withdrawal.storage.statements import load_statement
from withdrawal.storage.tables import documents


@pytest.fixture
def app_config(app_config: dict[str, Any], pkcs12_file: tuple[Path, bytes]) -> dict[str, Any]:
    path, password = pkcs12_file
    return {**app_config, "WITHDRAWAL_SIGNING_KEY": str(path),
            "WITHDRAWAL_SIGNING_KEY_PASSWORD": password.decode()}


def _download(app: Flask) -> bytes:
    client = app.test_client()
    location = Consumer(client).withdraw("Ann", "noconsent@demo.example", "1002", ["1"])
    response = client.get(location.headers["Location"] + "/withdrawal.pdf")
    assert response.status_code == 200
    return bytes(response.data)


def test_receipt_pdf_is_sealed_and_verify_checks_it(
    app: Flask, pkcs12_file: tuple[Path, bytes],
) -> None:
    pdf = _download(app)
    path, password = pkcs12_file
    check = verify_pdf_seal(pdf, pkcs12_path=str(path), password=password)
    assert check.present and check.intact and check.valid and check.trusted
    result = app.test_cli_runner().invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK 1 statements" in result.output and "OK 1 documents (1 sealed)" in result.output


def test_verify_detects_a_replaced_pdf(app: Flask) -> None:
    pdf = _download(app)
    forged = pdf.replace(b"Ann", b"Bob", 1)
    engine = engine_of(app)
    with engine.begin() as conn:
        conn.execute(update(documents).values(content=forged))
    result = app.test_cli_runner().invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 1 and "does not match its SHA-256" in result.output


def test_verify_detects_a_replaced_pdf_with_matching_hash_column(app: Flask) -> None:
    """Rewriting the hash column too still contradicts the hash recorded in the chain."""
    import hashlib

    pdf = _download(app)
    forged = pdf + b"\n%forged"
    engine = engine_of(app)
    with engine.begin() as conn:
        conn.execute(update(documents).values(content=forged,
                                              sha256=hashlib.sha256(forged).hexdigest()))
    result = app.test_cli_runner().invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 1 and "differs from the one in the chain" in result.output



def test_a_sealed_receipt_is_kept_before_its_e_mail_carries_it(
    make_app: Any, mail_config: dict[str, Any], smtp_server: Any,
) -> None:
    """A seal's signing time makes every sealing other bytes: the worker keeps the sealed PDF
    before it sends it (not with the outcome, as an unsealed one), so the e-mail and a
    download made at any moment carry the same one."""
    app = make_app(**mail_config)
    client = app.test_client()
    location = Consumer(client).withdraw("Ann", "noconsent@demo.example", "1002", ["1"])
    page = location.headers["Location"]
    statement = load_statement(engine_of(app), reference_in(client.get(page).get_data(
        as_text=True)))
    assert statement is not None
    with app.app_context():
        copy = receipt_copy(engine_of(app), statement, "http://localhost/")
    assert copy.stored is None  # kept already, before any e-mail carries it
    app.test_cli_runner().invoke(args=["withdrawal", "deliver"])
    downloaded = client.get(page + "/withdrawal.pdf").data
    attached = [part.get_content() for message in smtp_server.messages
                for part in message.message().iter_attachments()]
    assert attached and all(pdf == downloaded == copy.pdf for pdf in attached)
