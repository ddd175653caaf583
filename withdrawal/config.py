"""Configuration: every key starts with ``WITHDRAWAL_``, has a documented default here, and a
misspelt key is an error at start-up rather than a silent default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

PREFIX = "WITHDRAWAL_"

#: Defaults, documented in docs/configuration.md. ``None`` means "derived at start-up".
DEFAULTS: Mapping[str, Any] = {
    # Where the blueprint lives and what the CLI group is called.
    "URL_PREFIX": "/withdrawal",
    "CLI_GROUP": "withdrawal",
    # Storage: SQLite in the instance folder unless a SQLAlchemy URL is given.
    "DATABASE_URL": None,
    # Seconds the database may take to connect or to record a statement before the statement
    # goes to the spool instead (docs/operations.md).
    "DATABASE_TIMEOUT": 5.0,
    # Where statements wait when the database cannot take them: <instance_path>/withdrawal-spool.
    "SPOOL_DIR": None,
    # The trader, as the acknowledgement and the model form show it.
    "TRADER_NAME": "",
    "TRADER_ADDRESS": "",
    "TRADER_EMAIL": "",
    "TRADER_COUNTRY": "DE",
    "TRADER_TIMEZONE": "Europe/Berlin",
    # Where the select step sends a consumer whose key does not work (guarantee of conformity).
    "SUPPORT_URL": "",
    "SUPPORT_EMAIL": "",
    # Where "Back to the shop" and the trader's name at the top of every page lead.
    "SHOP_URL": "/",
    # Languages and statutory labels.
    "DEFAULT_LOCALE": "en",
    "LABELS": {},
    # Shop policy beyond the statutory right: pre-orders cancellable until N days before release.
    "PREORDER_CANCEL_DAYS_BEFORE_RELEASE": None,
    # Acknowledgement delivery.
    "MAIL_SENDER": None,
    "NOTIFY": [],
    # Who sends: `flask withdrawal deliver --loop` workers, woken at once (PostgreSQL NOTIFY,
    # or a poll every DELIVERY_POLL seconds on SQLite); True adds an attempt on a background
    # thread of the web process right after commit (one process, no worker to run).
    "DELIVER_AFTER_COMMIT": False,
    "DELIVERY_POLL": 0.5,
    "DELIVERY_MAX_ATTEMPTS": 8,
    "DELIVERY_BACKOFF_SECONDS": 60,
    # Seconds a worker holds the message it claimed; a claim never finished (the worker died)
    # is taken over after it, and the unfinished attempt recorded (docs/operations.md).
    "DELIVERY_LEASE": 300,
    "SIGNING_KEY": None,
    "SIGNING_KEY_PASSWORD": None,
    # After the statement: where goods go back (None: the trader's address) and who pays for
    # sending them ("consumer" or "trader", Art. 14(1)); the decisions the consumer is told of
    # by e-mail (any of accepted, rejected, refunded, revoked, returned, corrected).
    "RETURN_ADDRESS": None,
    "RETURN_COSTS": "consumer",
    "DECISION_NOTICES": ("accepted", "rejected", "refunded", "revoked", "returned", "corrected"),
    # Anti-abuse: failed order look-ups (order not found) per client address and per order
    # number; over either limit the look-up is skipped and the statement flagged, never
    # refused. Counted in memory, or shared (redis://host:6379/0) under a key prefix.
    "LOOKUP_RATE_LIMIT": "20 per hour",
    "LOOKUP_RATE_LIMIT_PER_ORDER": "10 per hour",
    "RATE_LIMIT_STORAGE_URL": "memory://",
    "RATE_LIMIT_KEY_PREFIX": "withdrawal",
    # Seconds the draft between the steps is kept (its sealed cookie carries the time).
    "DRAFT_MAX_AGE": 24 * 3600,
    # Audit area: HTTP Basic users (name -> werkzeug password hash) when no audit_access hook
    # is given, and the retention period after which `flask withdrawal purge` erases personal
    # data.
    "AUDITORS": {},
    "RETENTION": "10y",
    # Evidence: witnesses of the chain's head outside the database (file:/dir, mailto:address,
    # rfc3161:https://tsa.example/), anchored every ANCHOR_INTERVAL seconds by
    # `flask withdrawal deliver --loop`; the public receipt check's limit per client address.
    "WITNESSES": [],
    "ANCHOR_INTERVAL": 3600,
    "CHECK_RATE_LIMIT": "30 per hour",
    # Page templates, overridable one by one.
    "TEMPLATE_IDENTIFY": "withdrawal/step_identify.html",
    "TEMPLATE_SELECT": "withdrawal/step_select.html",
    "TEMPLATE_CONFIRM": "withdrawal/step_confirm.html",
    "TEMPLATE_RECEIPT": "withdrawal/receipt.html",
    # Links for order e-mails and account pages (``withdrawal_url``): how long one opens the
    # order, in seconds or as a period (``400d``, ``13m``; a month counts 31 days). Default:
    # 13 months of 31 days, longer than any withdrawal period extended under Art. 10.
    "LINK_MAX_AGE": 13 * 31 * 86400,
    # The JSON API under <prefix>/api/v1: back-office bearer tokens (name -> token; none: the
    # back-office endpoints answer 404) and the browser origins a storefront calls it from.
    "API_TOKENS": {},
    "API_CORS_ORIGINS": [],
    # Standard Webhooks: a list of {"url": ..., "secret": "whsec_...", "events": [...]}.
    "WEBHOOKS": [],
    "TEMPLATE_SPOOLED_RECEIPT": "withdrawal/receipt_spooled.html",
    "TEMPLATE_UNAVAILABLE": "withdrawal/unavailable.html",
}


class ConfigurationError(RuntimeError):
    """A ``WITHDRAWAL_*`` key is unknown or has a value the extension cannot use."""


def init_config(app: Flask) -> None:
    """Apply defaults and refuse unknown keys, naming them."""
    unknown = sorted(
        key for key in app.config
        if key.startswith(PREFIX) and key[len(PREFIX):] not in DEFAULTS
    )
    if unknown:
        raise ConfigurationError(
            "Unknown configuration key(s): " + ", ".join(unknown)
            + ". See docs/configuration.md for the keys withdrawal reads."
        )
    for key, value in DEFAULTS.items():
        app.config.setdefault(PREFIX + key, value)
    _check_after_statement(app)


#: The outcomes of a decision (``withdrawal.decisions.Outcome``), for DECISION_NOTICES.
OUTCOMES = ("accepted", "rejected", "refunded", "revoked", "returned", "corrected")


def _check_after_statement(app: Flask) -> None:
    """RETURN_COSTS and DECISION_NOTICES take known values only."""
    costs = app.config[PREFIX + "RETURN_COSTS"]
    if costs not in ("consumer", "trader"):
        raise ConfigurationError(
            f"{PREFIX}RETURN_COSTS is {costs!r}: use 'consumer' or 'trader'")
    unknown = sorted(set(app.config[PREFIX + "DECISION_NOTICES"] or ()) - set(OUTCOMES))
    if unknown:
        raise ConfigurationError(
            f"{PREFIX}DECISION_NOTICES names unknown outcomes {', '.join(map(str, unknown))}: "
            f"use any of {', '.join(OUTCOMES)}")


def config_value(key: str, app: Flask | None = None) -> Any:
    """Read ``WITHDRAWAL_<key>``; an unknown key is a programming error and fails loudly."""
    if key not in DEFAULTS:
        raise KeyError(f"{PREFIX}{key} is not a withdrawal configuration key")
    return (app or current_app).config[PREFIX + key]
