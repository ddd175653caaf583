"""Every audit page under generated hostile requests, as a signed-in auditor (issue 12, point
3): no 5xx, a body that is not a form answers 415, nothing the requests carry (nor the
statement's marker name) comes back unescaped.

Examples per page: the hypothesis profile (tests/conftest.py): 300 by default, 1,000 under
``CI=true``, 10,000 with ``make hostile`` (``HYPOTHESIS_PROFILE=full``). SQLite always;
PostgreSQL, which refuses NUL in text, for the pages whose input reaches the database."""

from __future__ import annotations

import pytest
from flask import Flask
from hostile.runner import Endpoint, Target, attack
from hostile.strategies import Slot

_AUDIT = "/withdrawal/audit"
_REF = (Slot.REFERENCE, "W-0000-0000", "chain")
_DATE = ("2026-11-30", "1970-01-01", "9999-12-31", "0001-01-01", "2026-02-30", "99999-01-01")
_SEQ = ("1", "2", "-1", "0", "9" * 30, "1e3", "0x10")
_FILTERS = {
    "reference": _REF, "email": ("mixed@demo.example", "%", "_"),
    "order_number": ("1008", "%"), "name": ("Ann", "%", "/"), "since": _DATE, "until": _DATE,
    "matched": ("yes", "no", ""), "flag": ("order-not-found", "spooled", '"'),
    "decision": ("undecided", "accepted", "rejected", "refunded", "key-revoked", "returned"),
    "refund": ("due", "overdue", "withheld"), "before": _SEQ, "after": _SEQ,
}
_DECIDE = {
    "decide-csrf_token": (Slot.CSRF,), "decide-lines": ("1", "2", "3", "whole", "9"),
    "decide-outcome": ("accepted", "rejected", "refunded", "revoked", "returned",
                       "corrected"),
    "decide-reason": ("Art. 16(m) exclusion", "Duplicate statement"),
    "decide-amount": ("10.00", "49.98", "-1", "1e999", "NaN", "0,5", "9" * 19),
    "decide-means": ("the means of payment used",), "decide-date": _DATE,
    "decide-note": ("checked",),
}
_ACTION = {"csrf_token": (Slot.CSRF,)}
_ONE = _AUDIT + "/statements/{}"

#: (endpoint, on PostgreSQL too): every audit URL and its form.
ENDPOINTS = (
    (Endpoint("overview", "GET", _AUDIT + "/", {"lang": ("de", "xx")}), False),
    (Endpoint("statements", "GET", _AUDIT + "/statements", _FILTERS), True),
    (Endpoint("export-csv", "GET", _AUDIT + "/export.csv", _FILTERS), True),
    (Endpoint("export-jsonl", "GET", _AUDIT + "/export.jsonl", _FILTERS), True),
    (Endpoint("integrity", "GET", _AUDIT + "/integrity", {"lang": ("de", "xx")}), False),
    (Endpoint("verify-now", "POST", _AUDIT + "/integrity/verify", _ACTION), False),
    (Endpoint("statement", "GET", _ONE, {"lang": ("de", "xx")}, path_values=_REF), True),
    (Endpoint("decide", "POST", _ONE + "/decisions", _DECIDE, path_values=_REF), True),
    (Endpoint("resend", "POST", _ONE + "/resend", _ACTION, path_values=_REF), True),
    (Endpoint("receipt", "GET", _ONE + "/receipt.pdf", {}, path_values=_REF), True),
    (Endpoint("receipt-download", "GET", _ONE + "/receipt-download.pdf", {},
              path_values=_REF), True),
    (Endpoint("acknowledgement", "GET", _ONE + "/acknowledgement.eml", {}, path_values=_REF),
     True),
    (Endpoint("evidence", "GET", _ONE + "/evidence.zip", {}, path_values=_REF), True),
)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("endpoint", [e for e, _pg in ENDPOINTS], ids=lambda e: e.id)
def test_hostile_requests_never_fail_an_audit_page(app: Flask, endpoint: Endpoint) -> None:
    attack(Target.set_up(app), endpoint)


@pytest.mark.postgres_only
@pytest.mark.parametrize("endpoint", [e for e, pg in ENDPOINTS if pg], ids=lambda e: e.id)
def test_hostile_requests_never_fail_an_audit_page_on_postgres(
    app: Flask, endpoint: Endpoint,
) -> None:
    attack(Target.set_up(app), endpoint)
