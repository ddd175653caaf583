"""The demo shop (wsgi.py) and its orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from withdrawal.demo.orders import CASES, DemoOrders
from withdrawal.eligibility import assess
from wsgi import DEMO_SECRET_KEY, create_app


def test_home_page_lists_products_and_has_the_footer_link(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "<footer" in html
    assert ('<a class="withdrawal-link" href="/withdrawal/" lang="en">'
            "Withdraw from contract here</a>") in html
    for case in CASES:
        assert case.email in html


def test_every_withdrawal_page_has_the_footer_link(client: FlaskClient) -> None:
    html = client.get("/withdrawal/").get_data(as_text=True)
    assert 'class="withdrawal-link"' in html.split("<footer", 1)[1]


EXPECTED = {
    "1001": ["excluded"],
    "1002": ["withdrawable"],
    "1003": ["withdrawable"],
    "1004": ["withdrawable"],
    "1005": ["excluded"],
    "1006": ["withdrawable"],
    "1007": ["withdrawable"],
    "1008": ["excluded", "withdrawable", "withdrawable"],
}


@pytest.mark.parametrize("case", CASES, ids=[c.number for c in CASES])
def test_demo_cases_show_what_readme_says(case: Any) -> None:
    now = datetime.now(UTC)
    order = DemoOrders(lambda: now).find_order(case.number, case.email)
    assert order is not None
    statuses = [assess(order, line, now, trader_country="IT", trader_timezone="Europe/Rome")
                .status.value for line in order.lines]
    assert statuses == EXPECTED[case.number]


def test_demo_no_info_case_gets_the_twelve_month_extension() -> None:
    now = datetime.now(UTC)
    order = DemoOrders(lambda: now).find_order("1006", "noinfo@demo.example")
    assert order is not None
    result = assess(order, order.lines[0], now, trader_country="IT", trader_timezone="Europe/Rome")
    assert "art10-information-missing" in [r.code for r in result.reasons]


def test_demo_orders_need_both_number_and_email() -> None:
    assert DemoOrders().find_order("1001", "noconsent@demo.example") is None
    assert DemoOrders().find_order("1001", " Consented@Demo.Example ") is not None


def test_missing_secret_key_refuses_to_start_in_production(monkeypatch: Any) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DEMO_SHOP", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({})


def test_demo_key_only_in_demo_mode(monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DEMO_SHOP", "1")
    app = create_app({"WITHDRAWAL_DATABASE_URL": f"sqlite:///{tmp_path}/d.sqlite3"})
    assert app.config["SECRET_KEY"] == DEMO_SECRET_KEY
    monkeypatch.setenv("SECRET_KEY", "real")
    assert create_app({})
