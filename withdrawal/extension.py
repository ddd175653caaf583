"""The Flask extension: configuration, storage, blueprints, CLI, i18n and mail for one app.
Its runtime state lives in ``app.extensions["withdrawal"]`` (``withdrawal.state``)."""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask
from flask_mail import Mail

from . import api, audit, consumer
from .abuse import make_lookup_limiter
from .checks import check_base_template, check_settings
from .cli import make_cli
from .config import ConfigurationError, config_value, init_config
from .domain import OrderSource
from .i18n import init_i18n
from .state import EXTENSION_KEY, WithdrawalState
from .storage.engine import default_url
from .templating import init_jinja


class Withdrawal:
    """The withdrawal function for a Flask app.

    ``Withdrawal(app, order_source=...)`` or, with an app factory,
    ``ext = Withdrawal()`` then ``ext.init_app(app, order_source=...)``.
    """

    def __init__(
        self, app: Flask | None = None, *, order_source: OrderSource | None = None,
        audit_access: Callable[[], bool] | None = None,
        country_selector: Callable[[], str | None] | None = None,
    ):
        self._order_source = order_source
        self._audit_access = audit_access
        self._country_selector = country_selector
        if app is not None:
            self.init_app(app)

    def init_app(
        self, app: Flask, *, order_source: OrderSource | None = None,
        audit_access: Callable[[], bool] | None = None,
        country_selector: Callable[[], str | None] | None = None,
    ) -> None:
        """Register the withdrawal function on ``app``.

        Reads every ``WITHDRAWAL_*`` key listed in ``withdrawal.config.DEFAULTS`` (see
        docs/configuration.md): URL_PREFIX, CLI_GROUP, DATABASE_URL, DATABASE_TIMEOUT,
        SPOOL_DIR, TRADER_NAME,
        TRADER_ADDRESS, TRADER_EMAIL, TRADER_COUNTRY, TRADER_TIMEZONE, SUPPORT_URL,
        SUPPORT_EMAIL, SHOP_URL, DEFAULT_LOCALE, LABELS, PREORDER_CANCEL_DAYS_BEFORE_RELEASE,
        MAIL_SENDER, NOTIFY, DELIVER_AFTER_COMMIT, DELIVERY_POLL, DELIVERY_MAX_ATTEMPTS,
        DELIVERY_BACKOFF_SECONDS, DELIVERY_LEASE, SIGNING_KEY, SIGNING_KEY_PASSWORD,
        LOOKUP_RATE_LIMIT, LOOKUP_RATE_LIMIT_PER_ORDER, RATE_LIMIT_STORAGE_URL,
        RATE_LIMIT_KEY_PREFIX, DRAFT_MAX_AGE, AUDITORS, RETENTION, the TEMPLATE_* keys,
        LINK_MAX_AGE, API_TOKENS, API_CORS_ORIGINS, WEBHOOKS, WITNESSES, ANCHOR_INTERVAL,
        CHECK_RATE_LIMIT, RETURN_ADDRESS, RETURN_COSTS and DECISION_NOTICES; and the standard
        ``MAIL_*`` keys when the host has not set up Flask-Mail itself.

        Start-up fails with a ``ConfigurationError`` naming the key when TRADER_NAME,
        TRADER_ADDRESS or TRADER_EMAIL is empty, or when the host's ``withdrawal/base.html``
        drops a block the pages need (docs/embedding.md).

        ``audit_access`` is a callable returning True when the current user may use the audit
        area (plug in your own login and roles); without it, HTTP Basic against
        ``WITHDRAWAL_AUDITORS``; with neither, the audit area answers 404.

        ``country_selector`` is a callable returning the consumer's country for the current
        request (ISO 3166-1 alpha-2, or None), as Flask-Babel's ``locale_selector`` returns the
        locale: it decides between the Directive's wording of the statutory labels and a member
        state's own. Without it, the trader's country when the page's language is an official
        language there, else none; once the order is found, the order's country
        (docs/labels.md). A selector that raises is logged and counts as "no country".
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError("withdrawal is already registered on this app")
        source = order_source or self._order_source
        if source is None or not isinstance(source, OrderSource):
            raise ConfigurationError("init_app needs order_source= with a find_order method")
        init_config(app)
        self._check_secret_key(app)
        check_settings(app)
        app.extensions[EXTENSION_KEY] = WithdrawalState(
            order_source=source, database_url=self._database_url(app),
            audit_access=audit_access or self._audit_access,
            country_selector=country_selector or self._country_selector,
            lookup_limiter=make_lookup_limiter(app),
            database_timeout=self._database_timeout(app), spool_dir=self._spool_dir(app),
        )
        self._init_mail(app)
        init_i18n(app)
        self._init_blueprint(app)
        self._init_audit(app)
        self._init_api(app)
        self._init_cli(app)
        check_base_template(app)

    @staticmethod
    def _check_secret_key(app: Flask) -> None:
        if not app.secret_key:
            raise ConfigurationError(
                "SECRET_KEY is not set: withdrawal signs its sessions and receipt links with it"
            )

    @staticmethod
    def _database_url(app: Flask) -> str:
        return config_value("DATABASE_URL", app) or default_url(app.instance_path)

    @staticmethod
    def _database_timeout(app: Flask) -> float:
        timeout = config_value("DATABASE_TIMEOUT", app)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ConfigurationError("WITHDRAWAL_DATABASE_TIMEOUT must be a number of seconds > 0")
        return float(timeout)

    @staticmethod
    def _spool_dir(app: Flask) -> str:
        return str(config_value("SPOOL_DIR", app)
                   or os.path.join(app.instance_path, "withdrawal-spool"))

    @staticmethod
    def _init_mail(app: Flask) -> None:
        # Messages are sent through app.extensions["mail"], the host's own Flask-Mail if it
        # has one, else one configured here from the standard MAIL_* keys.
        if "mail" not in app.extensions:
            Mail(app)

    @staticmethod
    def _init_blueprint(app: Flask) -> None:
        app.register_blueprint(consumer.create_blueprint(),
                               url_prefix=config_value("URL_PREFIX", app))
        init_jinja(app)

    @staticmethod
    def _init_audit(app: Flask) -> None:
        app.register_blueprint(audit.create_blueprint(),
                               url_prefix=config_value("URL_PREFIX", app) + "/audit")

    @staticmethod
    def _init_api(app: Flask) -> None:
        blueprint = api.create_blueprint()
        app.register_blueprint(blueprint,
                               url_prefix=config_value("URL_PREFIX", app) + "/api/v1")
        csrf = app.extensions.get("csrf")  # the host's Flask-WTF CSRFProtect, if any
        if csrf is not None:
            csrf.exempt(blueprint)

    @staticmethod
    def _init_cli(app: Flask) -> None:
        app.cli.add_command(make_cli(), name=config_value("CLI_GROUP", app))

