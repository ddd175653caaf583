"""Issue point 6 (evidence bundle): a ZIP with the statement JSON as hashed, the PDF, the
e-mail as sent, the event log, the chain proof and a README saying how to check it; the
bundled check.py confirms it and catches a changed file."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from audit.support import EML, PDF, fetch, record, store_document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from support import delivery_recorded, engine_of

from withdrawal.audit import bundle_check
from withdrawal.audit.decisions import Decision, record_decision
from withdrawal.audit.integrity import verify_and_store
from withdrawal.audit.retention import erase_statement
from withdrawal.statement import EventType
from withdrawal.storage.documents import keep_document
from withdrawal.storage.statements import load_statement

P = "/withdrawal/audit/statements"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def folder_of(target: Path) -> Path:
    return next((target / "unzipped").iterdir())


def test_bundle_holds_everything_and_checks_out(
    app: Flask, auditor: FlaskClient, tmp_path: Path, capsys: Any,
) -> None:
    reference = record(app)
    record(app)  # a next entry, so the proof has both neighbours
    store_document(app, reference, "receipt-pdf", PDF)
    store_document(app, reference, "acknowledgement-eml", EML)
    delivery_recorded(app, reference)
    record_decision(engine_of(app), reference, Decision("accepted", by="clara"))
    verify_and_store(engine_of(app), by="cron")
    files = fetch(auditor, reference, tmp_path)
    assert set(files) == {"README.txt", "statement.json", "chain-entry.json", "chain-proof.json",
                          "events.json", "receipt.pdf", "acknowledgement.eml", "manifest.json",
                          "SHA256SUMS", "check.py"}
    stored = load_statement(engine_of(app), reference)
    assert stored is not None
    assert sha(files["statement.json"]) == stored.content_hash  # as printed on the PDF
    entry = json.loads(files["chain-entry.json"])
    proof = json.loads(files["chain-proof.json"])
    assert entry["fields"]["content"] == stored.content_hash
    assert sha(files["chain-entry.json"]) == proof["hash"] == stored.entry_hash
    assert proof["hash_matches"] and proof["links_to_previous"] and proof["next_links_here"]
    assert files["receipt.pdf"] == PDF and files["acknowledgement.eml"] == EML
    events = json.loads(files["events.json"])
    assert [e["type"] for e in events] == ["receipt-pdf-stored", "acknowledgement-eml-stored",
                                           "acknowledgement-sent", "decision"]
    readme = files["README.txt"].decode()
    for text in (reference, "sha256sum -c SHA256SUMS", "sha256sum statement.json",
                 "python3 check.py", stored.content_hash, "intact, 2 statements in 6 entries"):
        assert text in readme
    folder = folder_of(tmp_path)
    assert bundle_check.main(folder) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "ALL CHECKS PASSED" in out
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True,
                          text=True, check=False)
    assert sums.returncode == 0, sums.stdout + sums.stderr


def test_check_py_runs_standalone_and_catches_a_change(
    app: Flask, auditor: FlaskClient, tmp_path: Path,
) -> None:
    reference = record(app)
    store_document(app, reference, "receipt-pdf", PDF)
    fetch(auditor, reference, tmp_path)
    folder = folder_of(tmp_path)
    ok = subprocess.run([sys.executable, "-I", "check.py"], cwd=folder, capture_output=True,
                        text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    statement = json.loads((folder / "statement.json").read_bytes())
    statement["name"] = "Mallory"
    (folder / "statement.json").write_bytes(json.dumps(statement).encode())
    (folder / "receipt.pdf").write_bytes(PDF + b"x")
    bad = subprocess.run([sys.executable, "-I", "check.py"], cwd=folder, capture_output=True,
                         text=True, check=False)
    assert bad.returncode == 1
    assert "FAIL  statement.json is the statement the entry commits" in bad.stdout
    assert "FAIL  receipt.pdf is the receipt-pdf kept" in bad.stdout


def test_bundle_without_documents_says_so(
    app: Flask, auditor: FlaskClient, tmp_path: Path,
) -> None:
    reference = record(app)
    files = fetch(auditor, reference, tmp_path)
    assert "receipt.pdf" not in files and "acknowledgement.eml" not in files
    assert "no acknowledgement PDF had been stored" in files["README.txt"].decode()
    proof = json.loads(files["chain-proof.json"])
    assert proof["next_entry"] is None and proof["chain_head"]["hash"] == proof["hash"]
    assert bundle_check.main(folder_of(tmp_path)) == 0


def test_bundle_of_an_erased_statement_still_checks(
    app: Flask, auditor: FlaskClient, tmp_path: Path, capsys: Any,
) -> None:
    reference = record(app)
    original = load_statement(engine_of(app), reference)
    assert original is not None
    store_document(app, reference, "receipt-pdf", PDF)
    with engine_of(app).begin() as conn:
        erase_statement(conn, reference, {"retention": "test"})
    files = fetch(auditor, reference, tmp_path)
    assert b"Ann Example" not in b"".join(files.values())
    assert "receipt.pdf" not in files
    manifest = json.loads(files["manifest.json"])
    assert manifest["erased"] and manifest["statement_sha256"] == original.content_hash
    assert manifest["documents"]["receipt-pdf"] == {"file": None, "sha256": sha(PDF)}
    assert bundle_check.main(folder_of(tmp_path)) == 0
    assert "personal data was erased" in capsys.readouterr().out


def test_a_bundle_is_one_instant_of_the_record(
    app: Flask, auditor: FlaskClient, tmp_path: Path,
) -> None:
    """A document kept, with its event, while the bundle is being built is in none of its
    files: before, the record's documents were read before events.json, so the bundle listed
    a receipt-pdf-stored event whose PDF it neither held nor named."""
    reference = record(app)
    events_query = 'withdrawal_ledger.kind = '
    seen: list[str] = []

    def keep_meanwhile(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if events_query not in statement or "FROM withdrawal_documents" in statement:
            return
        seen.append(statement)
        if len(seen) == 2:  # events.json's query, after the record's documents were read
            keep_document(engine_of(app), reference, "receipt-pdf", PDF)

    event.listen(engine_of(app), "before_cursor_execute", keep_meanwhile)
    try:
        files = fetch(auditor, reference, tmp_path / "during")
    finally:
        event.remove(engine_of(app), "before_cursor_execute", keep_meanwhile)
    assert len(seen) >= 2
    types = [e["type"] for e in json.loads(files["events.json"])]
    assert EventType.RECEIPT_PDF_STORED not in types
    assert "receipt.pdf" not in files
    assert "receipt-pdf" not in json.loads(files["manifest.json"])["documents"]
    after = fetch(auditor, reference, tmp_path / "after")
    assert EventType.RECEIPT_PDF_STORED in [e["type"] for e in json.loads(after["events.json"])]
    assert after["receipt.pdf"] == PDF
