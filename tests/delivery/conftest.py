"""An app wired to the real SMTP server fixture, delivering right after commit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import Consumer

from wsgi import create_app


@pytest.fixture
def app(app_config: dict[str, Any], mail_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app({**app_config, **mail_config,
                              "WITHDRAWAL_DELIVER_AFTER_COMMIT": True,
                              "WITHDRAWAL_NOTIFY": ["orders@demo.example"]})
    yield application
    application.extensions["withdrawal"].wait_for_background()
    application.extensions["withdrawal"].engine.dispose()


@pytest.fixture
def consumer(client: FlaskClient) -> Consumer:
    return Consumer(client)

