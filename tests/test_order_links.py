"""Links for order e-mails and account pages (issue 15, point 1; R2): ``withdrawal_url()`` opens
step 2 with the order's lines and the name prefilled; a changed or expired link opens an empty
step 1 that says why and shows nothing of the order."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from support import Consumer, csrf_token

from withdrawal import withdrawal_url
from withdrawal.config import ConfigurationError
from withdrawal.links import receipt_token
from withdrawal.order_links import parse_max_age
from withdrawal.storage.statements import load_statement
from wsgi import create_app

MIXED = ("1008", "mixed@demo.example")
MIXED_TITLES = ("Office 2024 Home", "Cloud Backup 1 TB", "USB installation stick")


def link(app: Flask, number: str, email: str, **kwargs: Any) -> str:
    with app.test_request_context("/"):
        return withdrawal_url(number, email, external=False, **kwargs)


def test_link_opens_step_2_with_the_orders_lines(app: Flask, client: FlaskClient) -> None:
    response = client.get(link(app, *MIXED))
    assert response.status_code == 302 and response.headers["Location"].endswith("/select")
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "Step 2 of 3" in html and "Order 1008" in html
    for title in MIXED_TITLES:
        assert title in html
    # Preselected as on the pages: the withdrawable lines, not the excluded key.
    assert re.search(r'value="2" id="line-2"[^>]*checked', html)
    assert not re.search(r'value="1" id="line-1"[^>]*checked', html)


def test_name_comes_from_the_order_and_stays_editable(app: Flask, client: FlaskClient) -> None:
    client.get(link(app, *MIXED))
    step1 = client.get("/withdrawal/").get_data(as_text=True)  # "Back" from step 2
    assert 'value="Demo Customer"' in step1 and 'value="1008"' in step1
    response = client.post("/withdrawal/", data={
        "csrf_token": csrf_token(step1), "name": "Dana Customer", "email": MIXED[1],
        "order_number": MIXED[0]})
    assert response.status_code == 302
    consumer = Consumer(client)
    assert consumer.select(["2"]).status_code == 302
    receipt = consumer.confirm()
    reference = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}",
                          client.get(receipt.headers["Location"]).get_data(as_text=True))
    assert reference
    stored = load_statement(app.extensions["withdrawal"].engine, reference.group(0))
    assert stored is not None and stored.content["name"] == "Dana Customer"
    assert [line["line_id"] for line in stored.content["lines"]] == ["2"]


def test_name_given_to_the_link_wins(app: Flask, client: FlaskClient) -> None:
    client.get(link(app, *MIXED, name="Erika Mustermann"))
    assert 'value="Erika Mustermann"' in client.get("/withdrawal/").get_data(as_text=True)


def test_jinja_global_makes_an_absolute_link_for_the_order_email(app: Flask) -> None:
    with app.test_request_context("/"):
        html = render_template_string(
            "{{ withdrawal_url(number, email) }}", number="1002", email="noconsent@demo.example")
    assert re.fullmatch(r"http://localhost/withdrawal/order/[\w.-]+", html)


def test_link_outside_a_request_with_server_name(app: Flask) -> None:
    app.config["SERVER_NAME"] = "shop.example"
    app.config["PREFERRED_URL_SCHEME"] = "https"
    with app.app_context():  # an order e-mail sent by a worker
        url = withdrawal_url("1002", "noconsent@demo.example")
    assert url.startswith("https://shop.example/withdrawal/order/")


def _assert_empty_step_1(html: str, sentence: str) -> None:
    assert "Step 1 of 3" in html and sentence in html
    for name in ("name", "email", "order_number"):
        assert re.search(rf'<input[^>]*id="{name}"[^>]*value=""', html)
    assert "1008" not in html and "Demo Customer" not in html
    for title in MIXED_TITLES:
        assert title not in html


def test_tampered_link_opens_empty_step_1_saying_why(app: Flask, client: FlaskClient) -> None:
    url = link(app, *MIXED)
    token = url.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    tampered = url.replace(token, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
                           + "." + rest)
    response = client.get(tampered)
    assert response.status_code == 200
    _assert_empty_step_1(response.get_data(as_text=True), "This withdrawal link is not valid")
    assert client.get("/withdrawal/select").status_code == 302  # no draft was made


@pytest.mark.parametrize("token", [
    pytest.param("nonsense", id="not-a-token"),
    pytest.param("", id="empty-payload"),
])
def test_garbage_links_are_not_valid(app: Flask, client: FlaskClient, token: str) -> None:
    response = client.get(f"/withdrawal/order/{token or '.'}")
    assert response.status_code == 200
    assert "This withdrawal link is not valid" in response.get_data(as_text=True)


def test_another_signed_value_is_not_a_link(app: Flask, client: FlaskClient) -> None:
    with app.test_request_context("/"):
        token = receipt_token("W-AAAA-BBBB")  # signed by the same key, another salt
    html = client.get(f"/withdrawal/order/{token}").get_data(as_text=True)
    assert "This withdrawal link is not valid" in html


def test_expired_link_opens_empty_step_1_and_forgets_the_draft(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["WITHDRAWAL_LINK_MAX_AGE"] = "1d"
    real = time.time()
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: real - 2 * 86400)
        url = link(app, *MIXED)
    Consumer(client).identify("Dana", *reversed(MIXED))  # an earlier visit's draft
    response = client.get(url)
    assert response.status_code == 200
    _assert_empty_step_1(response.get_data(as_text=True), "This withdrawal link has expired")
    assert client.get("/withdrawal/select").status_code == 302


def test_the_link_is_looked_up_under_the_rate_limit(
    app_config: dict[str, Any], tmp_path: Any,
) -> None:
    app = create_app({**app_config, "WITHDRAWAL_LOOKUP_RATE_LIMIT": "1 per hour"})
    client = app.test_client()
    url = link(app, *MIXED)
    for _ in range(2):  # a found order counts nothing
        client.get(url)
        assert "Order 1008" in client.get("/withdrawal/select").get_data(as_text=True)
    client.get(link(app, "9999", "gone@demo.example", name="Ann"))  # not found: counts
    client.get(url)  # this client is now over the limit: nothing shown
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "We could not check your order just now." in html
    assert "Office 2024 Home" not in html
    app.extensions["withdrawal"].engine.dispose()


def test_an_order_the_shop_no_longer_finds_goes_on_unmatched(
    app: Flask, client: FlaskClient,
) -> None:
    client.get(link(app, "9999", "gone@demo.example", name="Ann"))
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "We could not find an order with this number and e-mail address." in html


def test_without_a_name_and_an_order_step_1_asks_for_the_name(
    app: Flask, client: FlaskClient,
) -> None:
    response = client.get(link(app, "9999", "gone@demo.example"))
    assert response.headers["Location"].endswith("/withdrawal/")
    html = client.get("/withdrawal/").get_data(as_text=True)
    assert 'value="9999"' in html and 'value="gone@demo.example"' in html


def test_the_link_sends_no_referrer(app: Flask, client: FlaskClient) -> None:
    response = client.get(link(app, "9999", "gone@demo.example"))
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(("value", "seconds"), [
    pytest.param(3600, 3600, id="seconds"),
    pytest.param("400d", 400 * 86400, id="days"),
    pytest.param("13m", 13 * 31 * 86400, id="months-of-31-days"),
    pytest.param("1y", 366 * 86400, id="years-of-366-days"),
])
def test_link_max_age_is_seconds_or_a_period(value: Any, seconds: int) -> None:
    assert parse_max_age(value) == seconds


def test_default_link_lifetime_is_thirteen_months(app: Flask) -> None:
    assert parse_max_age(app.config["WITHDRAWAL_LINK_MAX_AGE"]) == 13 * 31 * 86400


@pytest.mark.parametrize("value", ["13 weeks", "0d", -5, True, "soon"])
def test_unreadable_link_max_age_stops_start_up(
    app_config: dict[str, Any], value: Any,
) -> None:
    with pytest.raises(ConfigurationError, match="WITHDRAWAL_LINK_MAX_AGE"):
        create_app({**app_config, "WITHDRAWAL_LINK_MAX_AGE": value})
