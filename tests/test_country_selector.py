"""Where the consumer's country comes from (docs/labels.md): ``country_selector`` on
``init_app``, else the trader's country when the page's language is official there; a selector
that raises costs no page; the footer link on the shop's own pages follows the language the
consumer chose in the function's pages (``?lang=``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import Babel, get_locale
from support import TRADER_CONFIG

from withdrawal import Order, Withdrawal


class NoOrders:
    def find_order(self, number: str, email: str) -> Order | None:
        return None


def make_shop(
    tmp_path: Path, *, trader_country: str = "IT", host_babel: bool = False,
    country_selector: Callable[[], str | None] | None = None, **config: Any,
) -> Flask:
    """A shop with a page of its own at ``/shop`` showing its locale and the footer link."""
    app = Flask("shop", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(TRADER_CONFIG)
    app.config.update(TESTING=True, SECRET_KEY="s", WITHDRAWAL_DEFAULT_LOCALE="en",
                      WITHDRAWAL_TRADER_COUNTRY=trader_country,
                      WITHDRAWAL_DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}", **config)
    if host_babel:
        Babel(app)
    Withdrawal(app, order_source=NoOrders(), country_selector=country_selector)

    @app.route("/shop")
    def shop() -> str:
        return render_template_string("<p id=locale>{{ locale }}</p>{{ withdrawal_link() }}",
                                      locale=str(get_locale()))

    return app


def heading(app: Flask, lang: str) -> str:
    return app.test_client().get(f"/withdrawal/?lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize(("trader", "lang", "shown", "absent"), [
    pytest.param("NL", "nl", "Hier de overeenkomst ontbinden", "Hier de overeenkomst herroepen",
                 id="NL-nl-trader-country-national"),
    pytest.param("BE", "nl", "Hier de overeenkomst herroepen", "ontbinden",
                 id="BE-nl-trader-country-directive"),
    pytest.param("NL", "en", "Withdraw from contract here", "ontbinden",
                 id="NL-en-language-not-official-there-directive"),
    pytest.param("IT", "nl", "Hier de overeenkomst herroepen", "ontbinden",
                 id="IT-nl-no-country-directive"),
])
def test_without_selector_the_traders_country_when_the_language_is_official_there(
    tmp_path: Path, trader: str, lang: str, shown: str, absent: str,
) -> None:
    page = heading(make_shop(tmp_path, trader_country=trader), lang)
    assert f"{shown}</h1>" in page  # step 1's heading
    assert f">{shown}</a>" in page  # the footer link follows the same rule
    assert absent not in page


@pytest.mark.parametrize(("answer", "shown"), [
    pytest.param("NL", "Hier de overeenkomst ontbinden", id="selector-NL-national"),
    pytest.param("nl", "Hier de overeenkomst ontbinden", id="selector-lower-case"),
    pytest.param("BE", "Hier de overeenkomst herroepen", id="selector-BE-directive"),
    pytest.param(None, "Hier de overeenkomst herroepen", id="selector-none-directive"),
    pytest.param("", "Hier de overeenkomst herroepen", id="selector-empty-directive"),
    pytest.param("US", "Hier de overeenkomst herroepen", id="selector-outside-eea-directive"),
])
def test_selector_beats_the_traders_country(
    tmp_path: Path, answer: str | None, shown: str,
) -> None:
    app = make_shop(tmp_path, trader_country="NL", country_selector=lambda: answer)
    page = heading(app, "nl")
    assert f"{shown}</h1>" in page and f">{shown}</a>" in page


def test_a_raising_selector_is_logged_and_counts_as_no_country(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> str:
        raise RuntimeError("geo-IP service down")

    app = make_shop(tmp_path, trader_country="NL", country_selector=broken)
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="withdrawal.country"):
        page = client.get("/withdrawal/?lang=nl")
        shop = client.get("/shop")
    assert page.status_code == 200 and shop.status_code == 200
    assert "Hier de overeenkomst herroepen</h1>" in page.get_data(as_text=True)
    assert "country_selector failed" in caplog.text and "geo-IP service down" in caplog.text


def test_the_selector_is_asked_once_per_request(tmp_path: Path) -> None:
    calls: list[int] = []

    def counting() -> str:
        calls.append(1)
        return "NL"

    client = make_shop(tmp_path, trader_country="IT", country_selector=counting).test_client()
    page = client.get("/withdrawal/?lang=nl").get_data(as_text=True)
    assert page.count("Hier de overeenkomst ontbinden") >= 3  # title, heading, footer link
    assert len(calls) == 1
    client.get("/shop")
    assert len(calls) == 2


@pytest.mark.parametrize("factory", [
    pytest.param(False, id="constructor"), pytest.param(True, id="init-app-of-a-factory"),
])
def test_the_selector_is_kept_in_the_apps_state(tmp_path: Path, factory: bool) -> None:
    app = Flask("shop2", root_path=str(tmp_path), instance_path=str(tmp_path / "i"))
    app.config.update(TESTING=True, SECRET_KEY="s", **TRADER_CONFIG,
                      WITHDRAWAL_DATABASE_URL=f"sqlite:///{tmp_path / 'w2.sqlite3'}")
    if factory:
        Withdrawal().init_app(app, order_source=NoOrders(), country_selector=lambda: "NL")
    else:
        Withdrawal(app, order_source=NoOrders(), country_selector=lambda: "NL")
    assert app.extensions["withdrawal"].country_selector() == "NL"
    assert "Hier de overeenkomst ontbinden</h1>" in heading(app, "nl")


@pytest.mark.parametrize("host_babel", [
    pytest.param(False, id="shop-without-flask-babel"),
    pytest.param(True, id="shop-with-its-own-flask-babel"),
])
def test_footer_link_on_the_shops_pages_follows_the_language_switcher(
    tmp_path: Path, host_babel: bool,
) -> None:
    app = make_shop(tmp_path, host_babel=host_babel, BABEL_DEFAULT_LOCALE="fr")
    client = app.test_client()
    before = client.get("/shop", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="fr">Renoncer au contrat ici</a>' in before
    client.get("/withdrawal/?lang=sv")
    after = client.get("/shop", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="sv">Ångra avtalet här</a>' in after
    assert '<p id=locale>fr</p>' in after  # the shop's own page keeps its language


def test_footer_link_after_the_switcher_follows_the_country_rule(tmp_path: Path) -> None:
    client = make_shop(tmp_path, trader_country="NL").test_client()
    client.get("/withdrawal/?lang=nl")
    shop = client.get("/shop", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="nl">Hier de overeenkomst ontbinden</a>' in shop
    client.get("/withdrawal/?lang=en")
    shop = client.get("/shop").get_data(as_text=True)
    assert 'lang="en">Withdraw from contract here</a>' in shop


def test_the_selector_decides_the_footer_link_on_the_shops_pages(tmp_path: Path) -> None:
    app = make_shop(tmp_path, trader_country="IT", country_selector=lambda: "NL")
    shop = app.test_client().get("/shop", headers={"Accept-Language": "nl"})
    assert 'lang="nl">Hier de overeenkomst ontbinden</a>' in shop.get_data(as_text=True)
