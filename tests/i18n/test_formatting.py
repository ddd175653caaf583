"""Dates, times, time-zone names and prices are Babel's, for the consumer's locale, on the
pages, in the e-mail and in the PDF; nothing is formatted by hand."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from babel import Locale
from flask import Flask
from flask_babel import force_locale
from support import Consumer, pdf_text, settle

from withdrawal import templating as presentation

#: Translations do not depend on the database.
pytestmark = pytest.mark.sqlite_only

FRIDAY = datetime(2026, 12, 4, 22, 59, 59, tzinfo=UTC)


def test_an_italian_date_time_and_zone(app: Flask) -> None:
    with app.test_request_context("/withdrawal/"), force_locale("it"):
        assert presentation.instant(FRIDAY, "Europe/Rome") == (
            "venerdì 4 dicembre 2026 23:59:59 Ora standard dell’Europa centrale"
        )
        assert presentation.instant(FRIDAY.isoformat(), "UTC") == (
            "venerdì 4 dicembre 2026 22:59:59 Tempo coordinato universale"
        )
        assert presentation.zone_name("Europe/Rome", FRIDAY) == "Ora standard dell’Europa centrale"


@pytest.mark.parametrize(("lang", "amount", "expected"), [
    ("pl", "19.99", "19,99\u00a0€"),
    ("de", "1234.5", "1.234,50\u00a0€"),
    ("nl", "19.99", "€\u00a019,99"),
    ("en", "19.99", "€19.99"),
], ids=["pl", "de-thousands", "nl-sign-first", "en"])
def test_prices_follow_the_locale(app: Flask, lang: str, amount: str, expected: str) -> None:
    with app.test_request_context("/withdrawal/"), force_locale(lang):
        assert presentation.money(Decimal(amount), "EUR") == expected


def test_a_polish_price_on_the_select_step(consumer: Consumer) -> None:
    consumer.client.get("/withdrawal/?lang=pl")
    consumer.identify("Anna Nowak", "mixed@demo.example", "1008")
    page = consumer.client.get("/withdrawal/select").get_data(as_text=True)
    prices = re.findall(r'<span class="price">([^<]+)</span>', page)
    assert prices and all(re.fullmatch(r"\d+,\d\d\u00a0€", price) for price in prices), prices


def month_names(lang: str) -> set[str]:
    return set(Locale.parse(lang).months["format"]["wide"].values())


def test_deadlines_on_the_select_step_are_in_the_language(consumer: Consumer) -> None:
    consumer.client.get("/withdrawal/?lang=it")
    consumer.identify("Maria Rossi", "mixed@demo.example", "1008")
    page = consumer.client.get("/withdrawal/select").get_data(as_text=True)
    deadlines = re.findall(r"Recesso possibile fino a: ([^.<]+)\.", page)
    assert deadlines
    for deadline in deadlines:
        assert any(month in deadline for month in month_names("it")), deadline
        assert "Ora" in deadline  # the zone's name in Italian, e.g. "Ora standard dell'Europa..."


def test_the_italian_pdf_formats_dates_and_prices_in_italian(
    app: Flask, consumer: Consumer
) -> None:
    consumer.client.get("/withdrawal/?lang=it")
    location = consumer.withdraw("Maria Rossi", "mixed@demo.example", "1008", ["1", "2", "3"])
    settle(app)
    pdf = consumer.client.get(location.headers["Location"] + "/withdrawal.pdf").data
    text = pdf_text(pdf)
    assert "Tempo coordinato universale" in text
    assert any(month in text for month in month_names("it"))
    assert re.search(r"\d+,\d\d €", text), "an Italian price: decimal comma, euro sign after"
    assert not re.search(r"€ ?\d+\.\d\d", text), "no English price"
