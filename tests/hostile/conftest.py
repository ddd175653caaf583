"""The app the hostile-input tests attack: the demo shop with an auditor (HTTP Basic), CSRF on
as in production, and a receipt-check limit high enough that the checks themselves, not the
limit, answer."""

from __future__ import annotations

from typing import Any

import pytest
from audit.support import AUDITOR, PASSWORD
from werkzeug.security import generate_password_hash

#: Cheap hashes keep each example cheap; production uses werkzeug's default (scrypt).
FAST_HASH = "pbkdf2:sha256:1000"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_CHECK_RATE_LIMIT": "1000000 per hour",
            "WITHDRAWAL_AUDITORS": {AUDITOR: generate_password_hash(PASSWORD, method=FAST_HASH)}}
