"""Fixtures for the audit area: the app with the audit blueprint and commands wired as
``init_app`` will wire them, one auditor (HTTP Basic), clients for each role."""

from __future__ import annotations

from typing import Any

import pytest
from audit.support import AUDITOR, PASSWORD, basic
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

#: Cheap hashes keep the tests fast; production uses werkzeug's default (scrypt).
FAST_HASH = "pbkdf2:sha256:1000"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_AUDITORS": {
        AUDITOR: generate_password_hash(PASSWORD, method=FAST_HASH)}}


@pytest.fixture
def auditor(app: Flask) -> FlaskClient:
    """A client that sends the auditor's credentials with every request."""
    client = app.test_client()
    client.environ_base.update(HTTP_AUTHORIZATION=basic()["Authorization"])
    return client
