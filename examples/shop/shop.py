"""An example shop that embeds the withdrawal function, as a shop developer would: its own
orders behind the ``OrderSource`` protocol, its own layout (``templates/withdrawal/base.html``
keeps the blocks the withdrawal pages need), the footer link, and a signed withdrawal link in
the order page and the order e-mail. Separate from the demo shop (``wsgi.py``); CI installs
the package from a built wheel and drives this shop (tests/test_example_shop.py).

Run it (docs/embedding.md):

    export FLASK_SECRET_KEY=change-me
    export FLASK_WITHDRAWAL_TRADER_NAME="Example Shop Ltd"
    export FLASK_WITHDRAWAL_TRADER_ADDRESS="1 Example Street, 1000 Brussels, Belgium"
    export FLASK_WITHDRAWAL_TRADER_EMAIL=service@shop.example
    flask --app shop run
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask, abort, render_template

from withdrawal import Order, OrderLine, ProductKind, Withdrawal

#: The shop's customers and their orders: number -> (e-mail, name, lines, days ago).
CATALOGUE = {
    "A-100": ("kim@shop.example", "Kim Example", "goods", 5),
    "A-101": ("lee@shop.example", "Lee Example", "key", 1),
}


def _lines(kind: str, concluded: datetime) -> tuple[OrderLine, ...]:
    if kind == "goods":
        return (
            OrderLine("1", "Espresso cups (set of 4)", 1, Decimal("24.00"), ProductKind.GOODS,
                      delivered_at=concluded + timedelta(days=2)),
            OrderLine("2", "Coffee beans 1 kg", 2, Decimal("18.50"), ProductKind.GOODS,
                      delivered_at=concluded + timedelta(days=2)),
        )
    return (OrderLine("1", "Recipe app, lifetime licence", 1, Decimal("9.99"),
                      ProductKind.DIGITAL_CONTENT),)


class ShopOrders:
    """The shop's ``OrderSource``: the order only when number and e-mail both match."""

    def find_order(self, number: str, email: str) -> Order | None:
        entry = CATALOGUE.get(number)
        if entry is None or entry[0] != email.casefold():
            return None
        address, name, kind, days_ago = entry
        concluded = datetime.now(UTC) - timedelta(days=days_ago)
        return Order(number=number, email=address, customer_name=name, concluded_at=concluded,
                     lines=_lines(kind, concluded), country="BE", currency="EUR",
                     locale="en", withdrawal_info_given_at=concluded)


withdrawal = Withdrawal()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_WITHDRAWAL_..., FLASK_MAIL_...
    app.config.update(config or {})
    withdrawal.init_app(app, order_source=ShopOrders())

    @app.route("/")
    def home() -> str:
        return render_template("home.html", orders=CATALOGUE)

    @app.route("/orders/<number>")
    def order_page(number: str) -> str:
        """The customer's order in "my account": with the link to withdraw from it."""
        order = _order(number)
        return render_template("order.html", order=order)

    @app.route("/orders/<number>/confirmation.txt")
    def order_email(number: str) -> tuple[str, int, dict[str, str]]:
        """The order confirmation e-mail as the shop sends it (here shown as text)."""
        text = render_template("email/order_confirmation.txt", order=_order(number))
        return text, 200, {"Content-Type": "text/plain; charset=utf-8"}

    return app


def _order(number: str) -> Order:
    entry = CATALOGUE.get(number)
    order = ShopOrders().find_order(number, entry[0]) if entry else None
    if order is None:
        abort(404)
    return order
