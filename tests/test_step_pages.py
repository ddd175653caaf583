"""The step pages finished like a product (issue 17): the trader's postal and e-mail address
where the other ways to withdraw are named, a way back to the shop, reasons that say a shared
sentence once, separate changes of the products and the details, and after the receipt a step
that says the statement was sent."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from support import Consumer, csrf_token

SHARED = ("The exception for digital content therefore cannot remove your right of "
          "withdrawal, and if you withdraw in time you do not have to pay anything for it, even "
          "if you have used it.")


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WITHDRAWAL_DATABASE_URL": f"sqlite:///{tmp_path / 'withdrawal.sqlite3'}",
        "WITHDRAWAL_DELIVER_AFTER_COMMIT": False,
        "MAIL_SUPPRESS_SEND": True,
    }


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_step_1_names_the_traders_postal_and_e_mail_address(client: FlaskClient) -> None:
    page = client.get("/withdrawal/").get_data(as_text=True)
    address = re.search(r"<address>(.*?)</address>", page, re.S)
    assert address
    assert text_of(address.group(1)) == ("Demo Keys S.r.l. Via Roma 1 20121 Milano Italia "
                                         "support@demo.example")
    assert 'href="mailto:support@demo.example"' in address.group(1)
    text = text_of(page)
    assert "You can also withdraw by e-mail or by letter to:" in text
    assert ".." not in text  # "to Demo Keys S.r.l.." no more
    assert 'href="/withdrawal/model-form.pdf"' in page


def test_every_step_leads_back_to_the_shop(client: FlaskClient, consumer: Consumer) -> None:
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    for url in ("/withdrawal/", "/withdrawal/select"):
        page = client.get(url).get_data(as_text=True)
        assert '<p class="trader"><a href="/">Demo Keys S.r.l.</a></p>' in page
        assert '<a href="/">Back to the shop</a>' in page


@pytest.mark.parametrize("shop", ["https://shop.example/", "/store"])
def test_the_shop_url_is_configurable(app_config: dict[str, Any], shop: str) -> None:
    from wsgi import create_app

    app = create_app({**app_config, "WITHDRAWAL_SHOP_URL": shop})
    page = app.test_client().get("/withdrawal/").get_data(as_text=True)
    assert f'<a href="{shop}">Back to the shop</a>' in page
    app.extensions["withdrawal"].engine.dispose()


def test_reasons_that_end_alike_say_the_sentence_once(
    client: FlaskClient, consumer: Consumer,
) -> None:
    # Order 1002: consent, acknowledgement and confirmation missing (Art. 16(m)).
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    text = text_of(client.get("/withdrawal/select").get_data(as_text=True))
    assert text.count(SHARED) == 1
    assert text.index("confirmed your agreement and acknowledgement") < text.index(SHARED)
    assert "expressly agreed" in text and "acknowledged that you would lose" in text


def test_step_3_changes_the_products_and_the_details_separately(
    client: FlaskClient, consumer: Consumer,
) -> None:
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    consumer.select(["1"])
    page = consumer.confirm_page()
    assert '<a href="/withdrawal/">Change your details</a>' in page
    assert '<a href="/withdrawal/select">Change the products</a>' in page
    # Changing the products keeps the details, and the choice is kept too.
    select = client.get("/withdrawal/select").get_data(as_text=True)
    assert re.search(r'value="1"[^>]*checked', select)
    details = client.get("/withdrawal/").get_data(as_text=True)
    assert 'value="Ann"' in details


def test_step_3_of_an_unknown_order_changes_the_description(
    consumer: Consumer,
) -> None:
    consumer.identify("Ann", "ann@example.com", "77-404")
    consumer.select(None, "Two keys")
    page = consumer.confirm_page()
    assert '<a href="/withdrawal/select">Change the description</a>' in page


def test_after_the_receipt_back_or_reload_says_the_statement_was_sent(
    client: FlaskClient, consumer: Consumer,
) -> None:
    response = consumer.withdraw("Ann", "noconsent@demo.example", "1002", ["1"])
    receipt = response.headers["Location"]
    reference = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}",
                          client.get(receipt).get_data(as_text=True))
    assert reference
    # Back from the receipt lands on step 3, a reload of step 2 on step 2: both go to step 1.
    for step in ("/withdrawal/confirm", "/withdrawal/select"):
        answer = client.get(step)
        assert answer.status_code == 302 and answer.headers["Location"] == "/withdrawal/"
    page = client.get("/withdrawal/").get_data(as_text=True)
    assert f"Your withdrawal statement {reference.group(0)} has been sent." in page
    assert f'<a href="{receipt}">See its acknowledgement of receipt</a>' in page
    assert client.get(receipt).status_code == 200
    # Starting another statement: the notice has done its job.
    consumer.identify("Ann", "pending@demo.example", "1003")
    assert "has been sent" not in client.get("/withdrawal/").get_data(as_text=True)


def test_step_1_says_nothing_was_sent_before_anything_was(client: FlaskClient) -> None:
    assert "has been sent" not in client.get("/withdrawal/").get_data(as_text=True)


def test_step_pages_are_not_stored_by_the_browser(
    client: FlaskClient, consumer: Consumer,
) -> None:
    # Back after the receipt must ask the server again (and no copy of a consumer's data
    # stays in the browser's cache).
    assert client.get("/withdrawal/").headers["Cache-Control"] == "no-store"
    page = client.get("/withdrawal/").get_data(as_text=True)
    response = client.post("/withdrawal/", data={"csrf_token": csrf_token(page), "name": ""})
    assert response.status_code == 400 and response.headers["Cache-Control"] == "no-store"
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    assert client.get("/withdrawal/select").headers["Cache-Control"] == "no-store"
    consumer.select(["1"])
    assert client.get("/withdrawal/confirm").headers["Cache-Control"] == "no-store"
