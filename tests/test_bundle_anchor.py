"""Issue 13, point 5: the evidence bundle carries the first anchor covering the statement (the
headers from the entry up to the anchored head, the witness's file, the RFC 3161 token) and
its check.py checks them with nothing but Python: a changed header or token fails."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from evidence_support import TSA, record, serve_tsa
from flask import Flask
from werkzeug.security import generate_password_hash

AUTH = {"Authorization": "Basic " + base64.b64encode(b"clara:pw").decode()}


@pytest.fixture
def tsa() -> Iterator[TSA]:
    with serve_tsa() as served:
        yield served


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_AUDITORS": {
        "clara": generate_password_hash("pw", method="pbkdf2:sha256:1000")}}


def bundle(app: Flask, reference: str, target: Path) -> Path:
    response = app.test_client().get(
        f"/withdrawal/audit/statements/{reference}/evidence.zip", headers=AUTH)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    archive.extractall(target)
    return target / archive.namelist()[0].split("/")[0]


def check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", "check.py"], cwd=folder, capture_output=True,
                          text=True, check=False)


def test_the_bundle_carries_the_anchor_and_check_py_checks_it(
    app: Flask, tsa: TSA, tmp_path: Path,
) -> None:
    witness = tmp_path / "witness"
    witness.mkdir()
    app.config["WITHDRAWAL_WITNESSES"] = [f"rfc3161:{tsa.url}", f"file:{witness}"]
    first = record(app, acknowledge=False)
    record(app, "Bea", acknowledge=False)
    assert app.test_cli_runner().invoke(args=["withdrawal", "anchor"]).exit_code == 0
    later = record(app, "Cid", acknowledge=False)

    folder = bundle(app, first, tmp_path / "first")
    manifest = json.loads((folder / "manifest.json").read_bytes())
    anchor = manifest["anchor"]
    assert (anchor["seq"], anchor["event_seq"]) == (2, 3)
    assert anchor["tokens"] == {"anchor-token-1.tsr": f"rfc3161:{tsa.url}"}
    assert anchor["witness_file"] == "anchor-witness.json"
    assert (folder / "anchor-witness.json").read_bytes() == next(witness.iterdir()).read_bytes()
    assert [h["seq"] for h in json.loads((folder / "anchor-path.json").read_bytes())] == [2]
    readme = (folder / "README.txt").read_text()
    assert "openssl ts -verify -in anchor-token-1.tsr" in readme and anchor["hash"] in readme
    ok = check(folder)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK    the entry is in the anchor of entry 2" in ok.stdout
    assert f"OK    anchor-token-1.tsr (rfc3161:{tsa.url}, " in ok.stdout
    assert "OK    the witness's copy names that head" in ok.stdout

    path = json.loads((folder / "anchor-path.json").read_bytes())
    path[0]["recorded_at"] = "2020-01-01T00:00:00+00:00"
    (folder / "anchor-path.json").write_text(json.dumps(path))
    token = (folder / "anchor-token-1.tsr").read_bytes()
    digest = bytes.fromhex(anchor["hash"])
    (folder / "anchor-token-1.tsr").write_bytes(token.replace(digest, bytes(32)))
    bad = check(folder)
    assert bad.returncode == 1
    assert f"FAIL  the anchor of entry 2 is the hash {anchor['hash']}" in bad.stdout
    assert "FAIL  anchor-token-1.tsr" in bad.stdout

    unanchored = check(bundle(app, later, tmp_path / "later"))
    assert unanchored.returncode == 0
    assert "NOTE  no anchor covers this entry yet" in unanchored.stdout
