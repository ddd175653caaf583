"""Each statement records the labels shown, the country used and the provision cited (R18), on
SQLite and PostgreSQL; once the order is found its country decides the confirm button, and the
acknowledgement renders from the recorded labels (docs/labels.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import Consumer

from withdrawal import Order, OrderLine, ProductKind
from withdrawal.delivery.messages import compose
from withdrawal.labels import DIRECTIVE
from withdrawal.storage.statements import StoredStatement, load_statement

NAME, EMAIL, NUMBER = "Anna de Vries", "anna@example.nl", "NL-1"


class OneOrder:
    """One order of a physical product, delivered two days ago, from ``country``."""

    def __init__(self, country: str) -> None:
        now = datetime.now(UTC)
        self.order = Order(
            number=NUMBER, email=EMAIL, customer_name=NAME, concluded_at=now - timedelta(days=4),
            country=country,
            lines=(OrderLine(line_id="1", title="Fiets", unit_price=Decimal("300"),
                             kind=ProductKind.GOODS, delivered_at=now - timedelta(days=2)),),
        )

    def find_order(self, number: str, email: str) -> Order | None:
        return self.order if (number, email) == (NUMBER, EMAIL) else None


def recorded(app: Flask, client: FlaskClient, response: Any) -> StoredStatement:
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    reference = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", page).group(0)  # type: ignore[union-attr]
    statement = load_statement(app.extensions["withdrawal"].engine, reference)
    assert statement is not None
    return statement


@pytest.mark.parametrize(("country", "lang", "entry", "confirm", "provision", "verified"), [
    pytest.param("NL", "nl", "Hier de overeenkomst ontbinden", "Ontbinding bevestigen",
                 "art. 6:230oa BW", False, id="NL-nl-national"),
    pytest.param("BE", "nl", "Hier de overeenkomst herroepen", "Herroeping bevestigen",
                 DIRECTIVE, True, id="BE-nl-directive"),
    pytest.param("AT", "de", "Vertrag widerrufen", "Widerruf bestätigen",
                 "§ 13a FAGG (BGBl. I Nr. 59/2026)", False, id="AT-de-national"),
    pytest.param("SE", "sv", "Ångra avtalet här", "Bekräfta frånträde",
                 "2 kap. 10 a § distansavtalslagen (2005:59)", False, id="SE-sv-national"),
    pytest.param("NL", "en", "Withdraw from contract here", "Confirm withdrawal", DIRECTIVE,
                 True, id="NL-en-directive"),
])
def test_the_orders_country_decides_and_is_recorded(
    app: Flask, client: FlaskClient, consumer: Consumer, country: str, lang: str, entry: str,
    confirm: str, provision: str, verified: bool,
) -> None:
    app.extensions["withdrawal"].order_source = OneOrder(country)
    first = client.get(f"/withdrawal/?lang={lang}").get_data(as_text=True)
    assert "Hier de overeenkomst ontbinden" not in first  # the trader is Italian: no country yet
    assert consumer.identify(NAME, EMAIL, NUMBER).status_code == 302
    assert consumer.select(["1"]).status_code == 302
    page = consumer.confirm_page()
    assert f'class="confirm">{confirm}</button>' in page
    assert f">{entry}</a>" in page  # the footer link on the same page agrees
    statement = recorded(app, client, consumer.confirm(page))
    labels = statement.content["labels"]
    assert (labels["entry"], labels["confirm"], labels["verified"]) == (entry, confirm, verified)
    assert (labels["country"], labels["provision"], labels["fallback"]) == (
        country, provision, None)


def test_an_unknown_order_records_the_pages_country(
    app: Flask, client: FlaskClient, consumer: Consumer,
) -> None:
    client.get("/withdrawal/?lang=it")  # the demo trader is Italian
    statement = recorded(app, client, consumer.withdraw(
        "Mario Rossi", "mario@example.it", "no-such-order", description="Una licenza"))
    labels = statement.content["labels"]
    assert (labels["entry"], labels["country"]) == ("Recedere dal contratto qui", "IT")
    assert labels["provision"] == "Art. 54-bis Codice del Consumo (D.Lgs. 209/2025)"


def test_the_selector_decides_when_no_order_was_found(
    app: Flask, client: FlaskClient, consumer: Consumer,
) -> None:
    app.extensions["withdrawal"].country_selector = lambda: "SE"
    client.get("/withdrawal/?lang=sv")
    statement = recorded(app, client, consumer.withdraw(
        "Sven", "sven@example.se", "x-1", description="En licens"))
    labels = statement.content["labels"]
    assert (labels["country"], labels["confirm"]) == ("SE", "Bekräfta frånträde")


def test_a_raising_selector_costs_no_statement(
    app: Flask, client: FlaskClient, consumer: Consumer, caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> str:
        raise LookupError("no geo data")

    app.extensions["withdrawal"].country_selector = broken
    client.get("/withdrawal/?lang=en")
    statement = recorded(app, client, consumer.withdraw(
        "Jo Bloggs", "jo@example.ie", "x-2", description="A licence"))
    labels = statement.content["labels"]
    assert (labels["country"], labels["provision"], labels["entry"]) == (
        None, DIRECTIVE, "Withdraw from contract here")
    assert "country_selector failed" in caplog.text


def test_an_unknown_order_country_is_recorded_as_a_fallback(
    app: Flask, client: FlaskClient, consumer: Consumer,
) -> None:
    app.extensions["withdrawal"].order_source = OneOrder("US")
    client.get("/withdrawal/?lang=en")
    statement = recorded(app, client, consumer.withdraw(NAME, EMAIL, NUMBER, ["1"]))
    labels = statement.content["labels"]
    assert (labels["country"], labels["fallback"]) == (None, {"country": "US"})
    assert labels["entry"] == "Withdraw from contract here"


def test_the_acknowledgement_renders_the_recorded_labels(
    app: Flask, client: FlaskClient, consumer: Consumer,
) -> None:
    app.extensions["withdrawal"].order_source = OneOrder("NL")
    client.get("/withdrawal/?lang=nl")
    statement = recorded(app, client, consumer.withdraw(NAME, EMAIL, NUMBER, ["1"]))
    app.extensions["withdrawal"].country_selector = lambda: "BE"  # later changes do not count
    with app.app_context():
        message = compose(statement, "acknowledgement", EMAIL, pdf=None, link_base=None)
    body = message.body or ""
    assert "Hier de overeenkomst ontbinden" in body and "Ontbinding bevestigen" in body
    assert "herroepen”" not in body
