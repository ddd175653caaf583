"""The API's OpenAPI 3.1 document (issue 15, point 2): it is a valid document, and the API answers
as it says: schemathesis generates requests from it and checks every answer against it
(in-process through WSGI, on SQLite, a bounded number of examples per operation)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis import checks

from wsgi import create_app

TOKEN = "erp-token-0123456789abcdef"


def make_app(tmp_path: Path, **config: Any) -> Flask:
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret",
        "WITHDRAWAL_DATABASE_URL": f"sqlite:///{tmp_path / 'api.sqlite3'}",
        "WITHDRAWAL_DELIVER_AFTER_COMMIT": False, "MAIL_SUPPRESS_SEND": True,
        "WITHDRAWAL_API_TOKENS": {"erp": TOKEN}, **config,
    })


@pytest.fixture
def api_app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    app.extensions["withdrawal"].engine.dispose()


def test_the_document_is_valid_openapi_3_1(api_app: Flask) -> None:
    document = api_app.test_client().get("/withdrawal/api/v1/openapi.json").get_json()
    validate(document)  # raises on any error
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/withdrawal/api/v1"}]
    assert set(document["paths"]) == {"/labels", "/lookup", "/statements",
                                      "/statements/{reference}",
                                      "/statements/{reference}/decisions"}
    assert set(document["paths"]["/statements"]) == {"post", "get"}


def test_the_document_follows_the_url_prefix(tmp_path: Path) -> None:
    app = make_app(tmp_path, WITHDRAWAL_URL_PREFIX="/recesso")
    document = app.test_client().get("/recesso/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": "/recesso/api/v1"}]
    app.extensions["withdrawal"].engine.dispose()


# Schemathesis reads the document when this module is collected (its lazy fixture loader does
# not work with this pytest), so the app it tests is made then, in a folder of its own.
_FOLDER = tempfile.mkdtemp(prefix="withdrawal-openapi-")
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
SCHEMA_APP = make_app(Path(_FOLDER))
schema = schemathesis.openapi.from_wsgi("/withdrawal/api/v1/openapi.json", SCHEMA_APP)

CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance]


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_document_says(case: Any) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
