"""The app delivers to the real SMTP server fixture right after commit, and notifies the shop."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config(app_config: dict[str, Any], mail_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **mail_config, "WITHDRAWAL_DELIVER_AFTER_COMMIT": True,
            "WITHDRAWAL_NOTIFY": ["orders@demo.example"]}
