"""Which language a page is in: the language switcher (kept in the session), then the host's own
locale selector, then ``Accept-Language``, then ``WITHDRAWAL_DEFAULT_LOCALE``, each step tested;
and the host's own pages keep the host's choice."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import Babel

from withdrawal import Withdrawal
from withdrawal.demo.orders import DemoOrders
from wsgi import DEMO_CONFIG

Selector = Callable[[], str | None]


def make_app(tmp_path: Path, *, host_babel: bool = False, selector: Selector | None = None,
             **config: Any) -> Flask:
    """A shop with a page of its own at ``/shop`` that shows the footer link."""
    app = Flask("shop", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(DEMO_CONFIG)  # the trader's details, required
    app.config.update(TESTING=True, SECRET_KEY="s", WITHDRAWAL_DEFAULT_LOCALE="de",
                      WITHDRAWAL_DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}", **config)
    if host_babel:
        Babel(app, locale_selector=selector)
    Withdrawal(app, order_source=DemoOrders())

    @app.route("/shop")
    def shop() -> str:
        return render_template_string("<footer>{{ withdrawal_link() }}</footer>")

    return app


def page_language(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', html)
    assert match, html[:200]
    return match.group(1)


def language_of(app: Flask, path: str = "/withdrawal/", **headers: str) -> str:
    return page_language(app.test_client().get(path, headers=headers).get_data(as_text=True))


def test_default_locale_is_the_last_resort(tmp_path: Path) -> None:
    assert language_of(make_app(tmp_path)) == "de"


def test_default_locale_when_no_accepted_language_is_an_eu_one(tmp_path: Path) -> None:
    assert language_of(make_app(tmp_path), **{"Accept-Language": "ja, zh;q=0.8"}) == "de"


@pytest.mark.parametrize(("accept", "expected"), [
    ("fr", "fr"),
    ("pl-PL, pl;q=0.9, en;q=0.5", "pl"),
    ("de-AT", "de"),
    ("ja, it;q=0.3", "it"),
], ids=["plain", "regional-with-fallbacks", "regional-only", "first-eu-language"])
def test_accept_language_beats_the_default(tmp_path: Path, accept: str, expected: str) -> None:
    assert language_of(make_app(tmp_path), **{"Accept-Language": accept}) == expected


def test_host_selector_beats_accept_language(tmp_path: Path) -> None:
    app = make_app(tmp_path, host_babel=True, selector=lambda: "pl")
    assert language_of(app, **{"Accept-Language": "fr"}) == "pl"


def test_host_selector_without_an_answer_falls_through(tmp_path: Path) -> None:
    app = make_app(tmp_path, host_babel=True, selector=lambda: None)
    assert language_of(app, **{"Accept-Language": "fr"}) == "fr"
    assert language_of(app) == "de"


def test_host_babel_without_selector_falls_through(tmp_path: Path) -> None:
    app = make_app(tmp_path, host_babel=True)
    assert language_of(app, **{"Accept-Language": "es"}) == "es"


def test_switcher_beats_host_selector_and_sticks_in_the_session(tmp_path: Path) -> None:
    app = make_app(tmp_path, host_babel=True, selector=lambda: "pl")
    client = app.test_client()
    switched = client.get("/withdrawal/?lang=it", headers={"Accept-Language": "fr"})
    assert page_language(switched.get_data(as_text=True)) == "it"
    again = client.get("/withdrawal/", headers={"Accept-Language": "fr"})
    assert page_language(again.get_data(as_text=True)) == "it"
    with client.session_transaction() as session:
        assert session["withdrawal_locale"] == "it"


def test_unknown_switcher_value_is_ignored(tmp_path: Path) -> None:
    client = make_app(tmp_path).test_client()
    page = client.get("/withdrawal/?lang=xx", headers={"Accept-Language": "nl"})
    assert page_language(page.get_data(as_text=True)) == "nl"
    with client.session_transaction() as session:
        assert "withdrawal_locale" not in session


def test_host_pages_keep_the_hosts_choice(tmp_path: Path) -> None:
    """With its own Flask-Babel the host decides its pages' language and the footer link
    follows it, until the consumer chose a language with the withdrawal pages' switcher: then
    the link shows that language's label (tests/test_country_selector.py)."""
    app = make_app(tmp_path, host_babel=True, selector=lambda: None, BABEL_DEFAULT_LOCALE="fr")
    client = app.test_client()
    shop = client.get("/shop", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert 'lang="fr">Renoncer au contrat ici</a>' in shop
    client.get("/withdrawal/?lang=it")
    shop = client.get("/shop", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert 'lang="it">Recedere dal contratto qui</a>' in shop


def test_host_selector_decides_the_footer_link(tmp_path: Path) -> None:
    app = make_app(tmp_path, host_babel=True, selector=lambda: "de")
    shop = app.test_client().get("/shop").get_data(as_text=True)
    assert 'lang="de">Vertrag widerrufen</a>' in shop


def test_without_host_babel_the_footer_link_follows_accept_language(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    shop = app.test_client().get("/shop", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert 'lang="it">Recedere dal contratto qui</a>' in shop
