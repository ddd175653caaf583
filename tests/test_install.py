"""An install that just works in any shop (issue 15, points 4 and 5): no 500 when the shop
disables CSRF, a loud start-up error naming the key when the trader's details are missing, a
``withdrawal/base.html`` override that cannot silently drop the language switcher,
``FLASK_``-prefixed configuration, and a model form that never prints "— To :"."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from werkzeug.security import generate_password_hash

from withdrawal import Order, Withdrawal
from withdrawal.config import ConfigurationError
from withdrawal.domain import Trader
from withdrawal.receipt.modelform import render_model_form_pdf, trader_line
from wsgi import create_app

TRADER: dict[str, Any] = {"WITHDRAWAL_TRADER_NAME": "Host Shop GmbH",
                         "WITHDRAWAL_TRADER_ADDRESS": "Hauptstr. 1\n10115 Berlin",
                         "WITHDRAWAL_TRADER_EMAIL": "service@host.example"}


class NoOrders:
    def find_order(self, number: str, email: str) -> Order | None:
        return None


def host(tmp_path: Path, *, templates: Mapping[str, str] | None = None, **config: Any) -> Flask:
    """A bare shop: its own Flask app, templates folder and configuration."""
    folder = tmp_path / "templates"
    for name, source in (templates or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(source)
    app = Flask("host", root_path=str(tmp_path), template_folder=str(folder),
                instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="s", TESTING=True, **config)
    return app


def dispose(app: Flask) -> None:
    app.extensions["withdrawal"].engine.dispose()


# --- CSRF disabled (shops' own tests often do it) ---------------------------------------

@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": False,
            "WITHDRAWAL_AUDITORS": {"clara": generate_password_hash("pw")}}


def test_the_steps_work_with_csrf_disabled(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/withdrawal/").status_code == 200
    assert client.post("/withdrawal/", data={"name": "Ann", "email": "noconsent@demo.example",
                                             "order_number": "1002"}).status_code == 302
    assert client.get("/withdrawal/select").status_code == 200
    assert client.post("/withdrawal/select", data={"lines": ["1"]}).status_code == 302
    page = client.get("/withdrawal/confirm")
    assert page.status_code == 200
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert key
    # Another draft's key first: the summary again with a 409, never a 500.
    assert client.post("/withdrawal/confirm", data={"key": "other"}).status_code == 409
    response = client.post("/withdrawal/confirm", data={"key": key.group(1)})
    assert response.status_code == 302 and "/receipt/" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200


def test_the_audit_area_works_with_csrf_disabled(app: Flask) -> None:
    client = app.test_client()
    client.post("/withdrawal/", data={"name": "Ann", "email": "noconsent@demo.example",
                                      "order_number": "1002"})
    client.post("/withdrawal/select", data={"lines": ["1"]})
    key = re.search(r'name="key" type="hidden" value="([^"]+)"',
                    client.get("/withdrawal/confirm").get_data(as_text=True))
    assert key
    client.post("/withdrawal/confirm", data={"key": key.group(1)})
    auth = {"Authorization": "Basic " + base64.b64encode(b"clara:pw").decode()}
    listing = client.get("/withdrawal/audit/statements", headers=auth)
    assert listing.status_code == 200
    reference = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", listing.get_data(as_text=True))
    assert reference
    detail = client.get(f"/withdrawal/audit/statements/{reference.group(0)}", headers=auth)
    assert detail.status_code == 200
    decided = client.post(f"/withdrawal/audit/statements/{reference.group(0)}/decisions",
                          headers=auth, data={"decide-outcome": "accepted", "decide-lines": "1"})
    assert decided.status_code == 302


# --- The trader's details --------------------------------------------------------------

@pytest.mark.parametrize("key", ["WITHDRAWAL_TRADER_NAME", "WITHDRAWAL_TRADER_ADDRESS",
                                 "WITHDRAWAL_TRADER_EMAIL"])
def test_start_up_fails_naming_a_missing_trader_detail(tmp_path: Path, key: str) -> None:
    config = {**TRADER, key: "  "}
    with pytest.raises(ConfigurationError, match=key):
        Withdrawal(host(tmp_path, **config), order_source=NoOrders())


def test_start_up_names_every_missing_trader_detail(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as error:
        Withdrawal(host(tmp_path), order_source=NoOrders())
    for key in TRADER:
        assert key in str(error.value)


def test_the_demo_configures_the_trader(app_config: dict[str, Any]) -> None:
    app = create_app(app_config)  # the demo shop: DEMO_CONFIG names the trader
    assert app.config["WITHDRAWAL_TRADER_NAME"]
    dispose(app)


def test_the_model_form_never_prints_an_empty_to_line() -> None:
    line = trader_line(Trader(name="", address="", email=""), lambda message: message)
    assert "To :" not in line and "____" in line
    pdf = render_model_form_pdf(trader=Trader(" ", "", ""), gettext=lambda m: m, locale="en")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "— To :" not in text and "— To ____" in text


# --- A withdrawal/base.html of the shop's own --------------------------------------------

SHOP_LAYOUT = """<html><body><header>Shop</header>{% block main %}{% endblock %}
<footer>{{ withdrawal_link() }}</footer></body></html>"""
DROPS_THE_SWITCHER = """{% extends "layout.html" %}
{% block main %}{% block content %}{% endblock %}{% endblock %}"""
KEEPS_THE_SWITCHER = """{% extends "layout.html" %}
{% block main %}{% block language_switcher %}{% include "withdrawal/_language_switcher.html" %}
{% endblock %}{% block content %}{% endblock %}{% endblock %}"""
EMPTIES_THE_SWITCHER = """{% extends "layout.html" %}
{% block main %}{% block language_switcher %}{% endblock %}{% block content %}{% endblock %}
{% endblock %}"""


def test_an_override_that_drops_the_switcher_stops_start_up(tmp_path: Path) -> None:
    app = host(tmp_path, templates={"layout.html": SHOP_LAYOUT,
                          "withdrawal/base.html": DROPS_THE_SWITCHER}, **TRADER)
    with pytest.raises(ConfigurationError, match=r"block language_switcher"):
        Withdrawal(app, order_source=NoOrders())


def test_an_override_without_content_stops_start_up(tmp_path: Path) -> None:
    app = host(tmp_path, templates={"withdrawal/base.html": "<p>{% block language_switcher %}"
                                                   "{% endblock %}</p>"}, **TRADER)
    with pytest.raises(ConfigurationError, match=r"block content"):
        Withdrawal(app, order_source=NoOrders())


def test_an_override_that_keeps_the_blocks_shows_the_switcher(tmp_path: Path) -> None:
    app = host(tmp_path, templates={"layout.html": SHOP_LAYOUT,
                          "withdrawal/base.html": KEEPS_THE_SWITCHER}, **TRADER)
    Withdrawal(app, order_source=NoOrders())
    html = app.test_client().get("/withdrawal/").get_data(as_text=True)
    assert "<header>Shop</header>" in html and 'class="languages"' in html
    assert "Step 1 of 3" in html and 'class="withdrawal-link"' in html
    dispose(app)


def test_an_emptied_switcher_is_a_deliberate_choice(tmp_path: Path) -> None:
    app = host(tmp_path, templates={"layout.html": SHOP_LAYOUT,
                          "withdrawal/base.html": EMPTIES_THE_SWITCHER}, **TRADER)
    Withdrawal(app, order_source=NoOrders())
    html = app.test_client().get("/withdrawal/").get_data(as_text=True)
    assert 'class="languages"' not in html and "Step 1 of 3" in html
    dispose(app)


# --- FLASK_-prefixed environment configuration -------------------------------------------

def test_configuration_from_flask_prefixed_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in TRADER.items():
        monkeypatch.setenv(f"FLASK_{key}", value)
    monkeypatch.setenv("FLASK_WITHDRAWAL_API_TOKENS", json.dumps({"erp": "t" * 24}))
    monkeypatch.setenv("FLASK_WITHDRAWAL_DELIVERY_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("FLASK_WITHDRAWAL_LINK_MAX_AGE", "400d")
    app = host(tmp_path)
    app.config.from_prefixed_env()
    Withdrawal(app, order_source=NoOrders())
    assert app.config["WITHDRAWAL_API_TOKENS"] == {"erp": "t" * 24}  # JSON values are parsed
    assert app.config["WITHDRAWAL_DELIVERY_MAX_ATTEMPTS"] == 3
    assert app.config["WITHDRAWAL_TRADER_ADDRESS"] == "Hauptstr. 1\n10115 Berlin"
    dispose(app)


def test_a_misspelt_flask_prefixed_key_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASK_WITHDRAWAL_WEBHOKS", "[]")
    app = host(tmp_path, **TRADER)
    app.config.from_prefixed_env()
    with pytest.raises(ConfigurationError, match="WITHDRAWAL_WEBHOKS"):
        Withdrawal(app, order_source=NoOrders())
