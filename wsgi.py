"""The demo storefront: ``make run`` serves it on http://127.0.0.1:5000.

A licence-key shop with a footer link to the withdrawal function on every page and one demo
order per case (README lists them). Embedded defaults: SQLite in ``instance/``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import click
from flask import Flask, render_template
from werkzeug.security import generate_password_hash

from withdrawal import Withdrawal
from withdrawal.demo.mailbox import init_mailbox
from withdrawal.demo.orders import CASES, DemoOrders
from withdrawal.demo.reset import demo_reset
from withdrawal.resources import resource_dir

#: Public on purpose: good for a demo on your own machine, refused in production.
DEMO_SECRET_KEY = "withdrawal-demo-secret-do-not-use-in-production"

PRODUCTS = (
    ("Office 2024 Professional Plus", Decimal("39.90")),
    ("Windows 11 Pro", Decimal("24.90")),
    ("Photo Studio 2026", Decimal("59.00")),
    ("Starfall Chronicles (pre-order)", Decimal("69.99")),
)

#: The demo's audit area login (user "auditor"), only under make run.
DEMO_AUDITOR_PASSWORD = "demo"

DEMO_CONFIG: Mapping[str, Any] = {
    "WITHDRAWAL_TRADER_NAME": "Demo Keys S.r.l.",
    "WITHDRAWAL_TRADER_ADDRESS": "Via Roma 1\n20121 Milano\nItalia",
    "WITHDRAWAL_TRADER_EMAIL": "support@demo.example",
    "WITHDRAWAL_TRADER_COUNTRY": "IT",
    "WITHDRAWAL_TRADER_TIMEZONE": "Europe/Rome",
    "WITHDRAWAL_SUPPORT_EMAIL": "support@demo.example",
    "MAIL_DEFAULT_SENDER": "Demo Keys <support@demo.example>",
    # The shop's own session cookie, as docs/security.md recommends (the draft between the
    # steps has its own cookie, whose attributes the package sets).
    "SESSION_COOKIE_SAMESITE": "Lax",
}


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """The demo shop; ``instance_path`` (default ``instance/``) keeps its database and mail."""
    app = Flask(__name__, template_folder=resource_dir("templates"), instance_path=instance_path)
    app.config.update(DEMO_CONFIG)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")
    app.config.from_prefixed_env()  # FLASK_WITHDRAWAL_... from the environment
    app.config.update(config or {})
    _secret_key(app)
    demo = app.config.get("DEMO_MAILBOX", os.environ.get("DEMO_SHOP") == "1")
    if demo:  # make run: an auditor with a public password, for trying the audit area
        app.config.setdefault("WITHDRAWAL_AUDITORS",
                              {"auditor": generate_password_hash(DEMO_AUDITOR_PASSWORD)})
    Withdrawal(app, order_source=DemoOrders())
    mailbox = demo
    if mailbox:
        init_mailbox(app)
        group = app.cli.commands[app.config["WITHDRAWAL_CLI_GROUP"]]
        assert isinstance(group, click.Group)
        group.add_command(demo_reset)  # make run starts from fresh demo data
    app.jinja_env.globals["has_mailbox"] = bool(mailbox)

    @app.route("/")
    def home() -> str:
        return render_template("demo/home.html", products=PRODUCTS, cases=CASES)

    return app


def _secret_key(app: Flask) -> None:
    """Without SECRET_KEY the demo key is used only in demo, debug or test mode."""
    if app.config["SECRET_KEY"]:
        return
    demo = os.environ.get("DEMO_SHOP") == "1" or app.debug or app.testing
    if not demo:
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment; the demo key is only used "
            "with DEMO_SHOP=1 (make run)."
        )
    app.config["SECRET_KEY"] = DEMO_SECRET_KEY


_app: Flask | None = None


def __getattr__(name: str) -> Flask:
    """``wsgi:app`` for servers and ``flask --app wsgi``, built on first use so that importing
    this module (tests do) does not start an app."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = create_app()
    return _app
