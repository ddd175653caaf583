"""The public contract shops code against (README.md, "Use it in your shop")."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, render_template_string

from withdrawal import Order, OrderLine, OrderSource, ProductKind, Withdrawal
from withdrawal.config import ConfigurationError
from withdrawal.demo.orders import DemoOrders
from withdrawal.state import state as withdrawal_state


class NoOrders:
    def find_order(self, number: str, email: str) -> Order | None:
        return None


#: The trader's details every app must configure (start-up fails without them).
TRADER = {"WITHDRAWAL_TRADER_NAME": "Host Shop GmbH",
          "WITHDRAWAL_TRADER_ADDRESS": "Hauptstr. 1, 10115 Berlin",
          "WITHDRAWAL_TRADER_EMAIL": "service@host.example"}


def make_host(tmp_path: Any, **config: Any) -> Flask:
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="s", TESTING=True, **TRADER, **config)
    return app


def test_factory_init_app_keeps_state_in_extensions(tmp_path: Any) -> None:
    ext = Withdrawal()
    app = make_host(tmp_path)
    ext.init_app(app, order_source=NoOrders())
    state = app.extensions["withdrawal"]
    assert state is withdrawal_state(app)  # what views, delivery, audit and CLI read
    assert isinstance(state.order_source, NoOrders)
    assert not hasattr(ext, "app")


def test_constructor_with_app(tmp_path: Any) -> None:
    app = make_host(tmp_path)
    Withdrawal(app, order_source=NoOrders())
    assert "withdrawal" in app.extensions


def test_one_extension_serves_several_apps(tmp_path: Any) -> None:
    ext = Withdrawal(order_source=NoOrders())
    first, second = make_host(tmp_path / "a"), make_host(tmp_path / "b")
    ext.init_app(first)
    ext.init_app(second)
    assert first.extensions["withdrawal"] is not second.extensions["withdrawal"]


def test_double_registration_raises(tmp_path: Any) -> None:
    app = make_host(tmp_path)
    ext = Withdrawal(app, order_source=NoOrders())
    with pytest.raises(RuntimeError, match="already registered"):
        ext.init_app(app, order_source=NoOrders())


def test_unknown_key_fails_at_start_up_naming_it(tmp_path: Any) -> None:
    app = make_host(tmp_path, WITHDRAWAL_TRADER_NAMR="typo")
    with pytest.raises(ConfigurationError, match="WITHDRAWAL_TRADER_NAMR"):
        Withdrawal(app, order_source=NoOrders())


def test_order_source_is_required(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match="order_source"):
        Withdrawal(make_host(tmp_path))


def test_secret_key_is_required(tmp_path: Any) -> None:
    app = make_host(tmp_path)
    app.config["SECRET_KEY"] = None
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Withdrawal(app, order_source=NoOrders())


def test_defaults_are_applied(tmp_path: Any) -> None:
    app = make_host(tmp_path)
    Withdrawal(app, order_source=NoOrders())
    assert app.config["WITHDRAWAL_URL_PREFIX"] == "/withdrawal"
    assert app.extensions["withdrawal"].database_url.endswith("instance/withdrawal.sqlite3")


def test_blueprint_under_configured_prefix(tmp_path: Any) -> None:
    app = make_host(tmp_path, WITHDRAWAL_URL_PREFIX="/recesso")
    Withdrawal(app, order_source=NoOrders())
    assert app.test_client().get("/recesso/").status_code == 200
    assert app.test_client().get("/withdrawal/").status_code == 404


@pytest.mark.parametrize(("language", "label"), [
    pytest.param("en", "Withdraw from contract here", id="R1-en"),
    pytest.param("it", "Recedere dal contratto qui", id="R1-it"),
    pytest.param("de", "Vertrag widerrufen", id="R1-de"),
    pytest.param("fr", "Renoncer au contrat ici", id="R1-fr"),
])
def test_withdrawal_link_global_renders_the_statutory_entry_label(
    tmp_path: Any, language: str, label: str,
) -> None:
    app = make_host(tmp_path)
    Withdrawal(app, order_source=NoOrders())
    with app.test_request_context("/", headers={"Accept-Language": language}):
        html = render_template_string("<footer>{{ withdrawal_link() }}</footer>")
    assert 'href="/withdrawal/"' in html
    assert f">{label}</a>" in html


def test_flask_mail_is_set_up_from_mail_keys_when_host_has_none(tmp_path: Any) -> None:
    app = make_host(tmp_path, MAIL_SERVER="smtp.example", MAIL_PORT=2525)
    Withdrawal(app, order_source=NoOrders())
    mail = app.extensions["mail"]
    assert (mail.server, mail.port) == ("smtp.example", 2525)


def test_host_flask_mail_is_kept(tmp_path: Any) -> None:
    from flask_mail import Mail

    app = make_host(tmp_path, MAIL_SERVER="host.example")
    Mail(app)
    before = app.extensions["mail"]
    Withdrawal(app, order_source=NoOrders())
    assert app.extensions["mail"] is before


def test_public_names() -> None:
    line = OrderLine(line_id="1", title="Key", kind=ProductKind.DIGITAL_CONTENT)
    assert isinstance(DemoOrders(), OrderSource)
    assert line.quantity == 1
    assert {k.value for k in ProductKind} == {
        "digital-content", "digital-service", "service", "goods"}


def test_cli_group_is_registered(tmp_path: Any) -> None:
    app = make_host(tmp_path)
    Withdrawal(app, order_source=NoOrders())
    result = app.test_cli_runner().invoke(args=["withdrawal", "--help"])
    assert result.exit_code == 0
    for command in ("init-db", "verify"):
        assert command in result.output
