"""Issue 13, point 3: the public receipt check at /withdrawal/verify. A receipt PDF, or a
reference with the SHA-256 printed on it, is confirmed when it is byte for byte what we issued
(and a sealed one's seal is checked), with the submission time and nothing else; as HTML
without JavaScript or as JSON; limited per address apart from the look-ups; bounded uploads
answer 413, bad input 400, never 500. The e-mail and the PDF say where to check."""

from __future__ import annotations

import io
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pypdf
import pytest
from evidence_support import sealing_key
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import Consumer, engine_of

from withdrawal.audit.retention import purge
from withdrawal.statement import DocumentKind
from withdrawal.storage.documents import kept_document
from withdrawal.storage.statements import events_of, load_statement, utcnow
from withdrawal.storage.tables import statements


def body(response: Any) -> dict[str, Any]:
    """The JSON answer of the check."""
    data = response.get_json()
    assert isinstance(data, dict)
    return data


URL = "/withdrawal/verify"
JSON = {"Accept": "application/json"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_CHECK_RATE_LIMIT": "5 per hour",
            "WITHDRAWAL_LOOKUP_RATE_LIMIT": "5 per hour"}


def withdraw(app: Flask) -> tuple[str, bytes]:
    """A statement through the real flow; its reference and the receipt PDF downloaded."""
    client = app.test_client()
    response = Consumer(client).withdraw("Ann Example", "noconsent@demo.example", "1002", ["1"])
    pdf = client.get(response.headers["Location"] + "/withdrawal.pdf").data
    with engine_of(app).connect() as conn:
        reference = conn.execute(select(statements.c.reference)).scalar_one()
    return reference, bytes(pdf)


def upload(client: FlaskClient, pdf: bytes, **headers: str) -> Any:
    return client.post(URL, data={"pdf": (io.BytesIO(pdf), "receipt.pdf")},
                       content_type="multipart/form-data", headers=headers)


def test_the_form_needs_no_script(client: FlaskClient) -> None:
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in html
    assert "script-src" in page.headers["Content-Security-Policy"]
    assert 'enctype="multipart/form-data"' in html and 'name="pdf"' in html
    assert 'name="reference"' in html and 'name="sha256"' in html


def test_a_kept_receipt_is_genuine_with_its_submission_time_and_nothing_else(
    app: Flask, client: FlaskClient,
) -> None:
    reference, pdf = withdraw(app)
    stored = load_statement(engine_of(app), reference)
    assert stored is not None
    answer = upload(client, pdf, **JSON)
    assert answer.status_code == 200
    assert answer.json == {"genuine": True, "reference": reference,
                           "submitted_at": stored.content["submitted_at"],
                           "matched": "receipt-pdf", "sealed": False, "seal_valid": None}
    html = upload(client, pdf).get_data(as_text=True)
    assert "Genuine." in html and reference in html and "Coordinated Universal Time" in html
    for private in ("Ann Example", "noconsent@demo.example", "1002", stored.content_hash):
        assert private not in html


def test_a_changed_receipt_is_not_confirmed(app: Flask, client: FlaskClient) -> None:
    _reference, pdf = withdraw(app)
    changed = pdf.replace(b"%%EOF", b"%%EOF ", 1)
    assert upload(client, changed, **JSON).json == {"genuine": False, "reference": None}
    assert "Not confirmed." in upload(client, changed).get_data(as_text=True)


def test_a_reference_with_the_printed_sha256_is_genuine(app: Flask, client: FlaskClient) -> None:
    reference, _pdf = withdraw(app)
    stored = load_statement(engine_of(app), reference)
    assert stored is not None
    answer = client.post(URL, data={"reference": reference.lower(),
                                    "sha256": stored.content_hash.upper()}, headers=JSON)
    assert body(answer)["genuine"] is True and body(answer)["matched"] == "statement"
    assert body(answer)["submitted_at"] == stored.content["submitted_at"]
    wrong = client.post(URL, data={"reference": reference, "sha256": "0" * 64}, headers=JSON)
    assert wrong.json == {"genuine": False, "reference": reference}
    unknown = client.post(URL, data={"reference": "W-0000-0000",
                                     "sha256": stored.content_hash}, headers=JSON)
    assert unknown.json == {"genuine": False, "reference": "W-0000-0000"}


@pytest.mark.parametrize(("data", "message"), [
    pytest.param({}, "Choose the receipt", id="nothing"),
    pytest.param({"reference": "12345", "sha256": "a" * 64}, "Enter the reference",
                 id="reference"),
    pytest.param({"reference": "W-7K3M-9QX2", "sha256": "xyz"}, "Enter the SHA-256",
                 id="sha256"),
    pytest.param({"pdf": (b"GIF89a", "cat.gif")}, "The file is not a PDF", id="not-a-pdf"),
])
def test_bad_input_gets_a_clear_400(client: FlaskClient, data: dict[str, Any],
                                    message: str) -> None:
    files = {k: (io.BytesIO(v[0]), v[1]) for k, v in data.items() if k == "pdf"}
    page = client.post(URL, data={**data, **files}, content_type="multipart/form-data")
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    answer = client.post(URL, data={k: v for k, v in data.items() if k != "pdf"},
                         headers=JSON)
    assert answer.status_code == 400 and body(answer)["genuine"] is None


def test_a_too_large_upload_gets_413(client: FlaskClient) -> None:
    body = (b'--b\r\nContent-Disposition: form-data; name="pdf"; filename="r.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n" + b"0" * (6 * 1024 * 1024)
            + b"\r\n--b--\r\n")
    for headers in ({}, JSON):
        page = client.post(URL, data=body, content_type="multipart/form-data; boundary=b",
                           headers=headers)
        assert page.status_code == 413
        assert "The file is too large: a receipt has at most 5 MB." in page.get_data(as_text=True)


def test_a_head_request_is_the_page_not_a_check(client: FlaskClient) -> None:
    """A link checker's HEAD asks for the form: it neither fails nor spends the limit."""
    for _ in range(6):
        assert client.head(URL).status_code == 200
    assert client.post(URL, data={"reference": "W-0000-0000", "sha256": "0" * 64},
                       headers=JSON).status_code == 200


def test_checks_are_limited_per_address_apart_from_the_look_ups(
    app: Flask, client: FlaskClient,
) -> None:
    for _ in range(5):
        assert client.post(URL, data={"reference": "W-0000-0000", "sha256": "0" * 64},
                           headers=JSON).status_code == 200
    limited = client.post(URL, data={"reference": "W-0000-0000", "sha256": "0" * 64})
    assert limited.status_code == 429
    assert "Too many checks from your address" in limited.get_data(as_text=True)
    reference, _pdf = withdraw(app)  # the look-up still goes through: not flagged
    stored = load_statement(engine_of(app), reference)
    assert stored is not None and stored.content["order_matched"]
    assert "lookup-rate-limited" not in stored.content["flags"]


def test_a_purged_statements_receipt_is_still_confirmed(app: Flask, client: FlaskClient) -> None:
    reference, pdf = withdraw(app)
    content_hash = load_statement(engine_of(app), reference).content_hash  # type: ignore[union-attr]
    purge(engine_of(app), utcnow() + timedelta(minutes=1), period="0d")
    assert kept_document(engine_of(app), reference, DocumentKind.RECEIPT_PDF) is None
    answer = upload(client, pdf, **JSON)
    assert body(answer)["genuine"] is True and body(answer)["reference"] == reference
    by_hash = client.post(URL, data={"reference": reference, "sha256": content_hash},
                          headers=JSON)
    assert body(by_hash)["genuine"] is True


def test_a_sealed_receipts_seal_is_checked(app: Flask, client: FlaskClient,
                                           tmp_path: Path) -> None:
    app.config["WITHDRAWAL_SIGNING_KEY"], app.config["WITHDRAWAL_SIGNING_KEY_PASSWORD"] = \
        sealing_key(tmp_path)
    reference, pdf = withdraw(app)
    answer = upload(client, pdf, **JSON)
    assert body(answer)["genuine"] is True and body(answer)["sealed"] is True
    assert body(answer)["seal_valid"] is True
    assert "Its electronic seal is valid." in upload(client, pdf).get_data(as_text=True)
    stored = [e for e in events_of(engine_of(app), reference) if e["type"] == "receipt-pdf-stored"]
    assert stored[0]["data"]["sealed"] is True


def test_the_pdf_and_the_e_mail_say_where_to_check(
    app: Flask, client: FlaskClient, runner: Any,
) -> None:
    reference, pdf = withdraw(app)
    text = " ".join(" ".join((page.extract_text() or "").split())
                    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "genuine at http://localhost/withdrawal/verify" in text
    assert "sent" in runner.invoke(args=["withdrawal", "deliver"]).output
    eml = kept_document(engine_of(app), reference, DocumentKind.ACKNOWLEDGEMENT_EML)
    assert eml is not None
    message = message_from_bytes(eml, policy=policy.default)
    for part in ("plain", "html"):
        body = " ".join(message.get_body((part,)).get_content().split())  # type: ignore[union-attr]
        assert "genuine at http://localhost/withdrawal/verify" in body
