"""Every consumer page under generated hostile requests (issue 12, point 3): no 5xx, a body
that is not a form answers 415, nothing the requests carry comes back unescaped.

Examples per page: the hypothesis profile (tests/conftest.py): 300 by default, 1,000 under
``CI=true``, 10,000 with ``make hostile`` (``HYPOTHESIS_PROFILE=full``). SQLite always;
PostgreSQL, which refuses NUL in text, for the pages whose input reaches the database."""

from __future__ import annotations

import pytest
from flask import Flask
from hostile.runner import Endpoint, Target, attack
from hostile.strategies import Slot

_NAME = ("Ann Example", "Zoë Ñandú-Łukasz", "李雷")
_EMAIL = ("mixed@demo.example", "ann@example.com", "a@b", "not-an-email")
_NUMBER = ("1008", "1001", "1005", "X-1")
_LANG = ("de", "fr", "it", "pl", "en", "xx")
_CSRF = (Slot.CSRF,)

#: (endpoint, on PostgreSQL too): every consumer URL and its form.
ENDPOINTS = (
    (Endpoint("identify-get", "GET", "/withdrawal/", {"lang": _LANG}), False),
    (Endpoint("identify-post", "POST", "/withdrawal/", {
        "csrf_token": _CSRF, "name": _NAME, "email": _EMAIL, "order_number": _NUMBER}), True),
    (Endpoint("select-get", "GET", "/withdrawal/select", {"lang": _LANG}, draft=True), False),
    (Endpoint("select-post", "POST", "/withdrawal/select", {
        "csrf_token": _CSRF, "lines": ("1", "2", "3", "99"), "description": _NAME},
        draft=True), True),
    (Endpoint("confirm-get", "GET", "/withdrawal/confirm", {"lang": _LANG}, draft=True), False),
    (Endpoint("confirm-post", "POST", "/withdrawal/confirm", {
        "csrf_token": _CSRF, "key": (Slot.KEY, "0" * 64)}, draft=True), True),
    (Endpoint("receipt", "GET", "/withdrawal/receipt/{}", {"lang": _LANG},
              path_values=(Slot.TOKEN,)), True),
    (Endpoint("receipt-pdf", "GET", "/withdrawal/receipt/{}/withdrawal.pdf",
              {"view": ("1", "")}, path_values=(Slot.TOKEN,)), True),
    (Endpoint("model-form", "GET", "/withdrawal/model-form.pdf", {"lang": _LANG}), False),
    (Endpoint("order-link", "GET", "/withdrawal/order/{}", {"lang": _LANG},
              path_values=(Slot.ORDER_TOKEN,)), True),
    (Endpoint("check-get", "GET", "/withdrawal/verify", {"lang": _LANG}), False),
    (Endpoint("check-post", "POST", "/withdrawal/verify", {
        "reference": (Slot.REFERENCE, "W-0000-0000"),
        "sha256": ("0" * 64, "g" * 64)}, upload=True), True),
)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("endpoint", [e for e, _pg in ENDPOINTS], ids=lambda e: e.id)
def test_hostile_requests_never_fail_a_page(app: Flask, endpoint: Endpoint) -> None:
    attack(Target.set_up(app), endpoint)


@pytest.mark.postgres_only
@pytest.mark.parametrize("endpoint", [e for e, pg in ENDPOINTS if pg], ids=lambda e: e.id)
def test_hostile_requests_never_fail_a_page_on_postgres(app: Flask, endpoint: Endpoint) -> None:
    attack(Target.set_up(app), endpoint)
