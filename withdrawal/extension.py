"""The Flask extension: configuration, storage, blueprint, CLI, i18n and mail for one app."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from flask import Flask, current_app
from flask_mail import Mail
from sqlalchemy import Engine

from .abuse import LookupLimiter, make_lookup_limiter
from .config import ConfigurationError, config_value, init_config
from .domain import OrderSource, Trader
from .storage.engine import create_schema, default_url, make_engine


@dataclass
class WithdrawalState:
    """Per-app state kept in ``app.extensions["withdrawal"]``."""

    extension: Withdrawal
    order_source: OrderSource
    database_url: str
    audit_access: Callable[[], bool] | None = None
    lookup_limiter: LookupLimiter | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _executor: ThreadPoolExecutor | None = field(default=None, repr=False)
    _futures: list[Future[None]] = field(default_factory=list, repr=False)

    @property
    def engine(self) -> Engine:
        """Created on first use, with the schema, so a forgotten ``init-db`` loses nothing."""
        if self._engine is None:
            self._engine = make_engine(self.database_url)
            create_schema(self._engine)
        return self._engine

    def submit(self, task: Callable[[], None]) -> None:
        """Run ``task`` on a small background pool (after-commit deliveries)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=2,
                                                thread_name_prefix="withdrawal-delivery")
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(self._executor.submit(task))

    def wait_for_background(self, timeout: float = 30) -> None:
        """Wait for background deliveries (tests, a clean shutdown)."""
        wait(list(self._futures), timeout=timeout)


class Withdrawal:
    """The withdrawal function for a Flask app.

    ``Withdrawal(app, order_source=...)`` or, with an app factory,
    ``ext = Withdrawal()`` then ``ext.init_app(app, order_source=...)``.
    """

    def __init__(
        self, app: Flask | None = None, *, order_source: OrderSource | None = None,
        audit_access: Callable[[], bool] | None = None,
    ):
        self._order_source = order_source
        self._audit_access = audit_access
        if app is not None:
            self.init_app(app)

    def init_app(
        self, app: Flask, *, order_source: OrderSource | None = None,
        audit_access: Callable[[], bool] | None = None,
    ) -> None:
        """Register the withdrawal function on ``app``.

        Reads every ``WITHDRAWAL_*`` key listed in ``withdrawal.config.DEFAULTS`` (see
        docs/configuration.md): URL_PREFIX, CLI_GROUP, DATABASE_URL, TRADER_NAME,
        TRADER_ADDRESS, TRADER_EMAIL, TRADER_COUNTRY, TRADER_TIMEZONE, SUPPORT_URL,
        SUPPORT_EMAIL, DEFAULT_LOCALE, LABELS, PREORDER_CANCEL_DAYS_BEFORE_RELEASE,
        MAIL_SENDER, NOTIFY, DELIVER_AFTER_COMMIT, DELIVERY_MAX_ATTEMPTS,
        DELIVERY_BACKOFF_SECONDS, SIGNING_KEY, SIGNING_KEY_PASSWORD, LOOKUP_RATE_LIMIT,
        RATE_LIMIT_STORAGE_URL, AUDITORS, RETENTION and the TEMPLATE_* keys;
        and the standard ``MAIL_*`` keys when the host has not set up Flask-Mail itself.

        ``audit_access`` is a callable returning True when the current user may use the audit
        area (plug in your own login and roles); without it, HTTP Basic against
        ``WITHDRAWAL_AUDITORS``; with neither, the audit area answers 404.
        """
        if "withdrawal" in app.extensions:
            raise RuntimeError("withdrawal is already registered on this app")
        source = order_source or self._order_source
        if source is None or not isinstance(source, OrderSource):
            raise ConfigurationError("init_app needs order_source= with a find_order method")
        init_config(app)
        self._check_secret_key(app)
        app.extensions["withdrawal"] = WithdrawalState(
            extension=self, order_source=source, database_url=self._database_url(app),
            audit_access=audit_access or self._audit_access,
        )
        self._init_mail(app)
        app.extensions["withdrawal"].lookup_limiter = make_lookup_limiter(app)
        self._init_i18n(app)
        self._init_blueprint(app)
        self._init_audit(app)
        self._init_cli(app)

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
    def _init_mail(app: Flask) -> None:
        # Messages are sent through app.extensions["mail"], the host's own Flask-Mail if it
        # has one, else one configured here from the standard MAIL_* keys.
        if "mail" not in app.extensions:
            Mail(app)

    @staticmethod
    def _init_i18n(app: Flask) -> None:
        from .i18n import init_i18n

        init_i18n(app)

    @staticmethod
    def _init_blueprint(app: Flask) -> None:
        from . import receipts, views  # noqa: F401  (they add their routes to the blueprint)
        from .blueprint import blueprint
        from .jinja import init_jinja

        app.register_blueprint(blueprint, url_prefix=config_value("URL_PREFIX", app))
        init_jinja(app)

    @staticmethod
    def _init_audit(app: Flask) -> None:
        from .audit import init_audit  # late: the audit package imports this module

        init_audit(app)

    @staticmethod
    def _init_cli(app: Flask) -> None:
        from .cli import make_cli

        app.cli.add_command(make_cli(), name=config_value("CLI_GROUP", app))


def state(app: Flask | None = None) -> WithdrawalState:
    """This app's withdrawal state."""
    return (app or current_app).extensions["withdrawal"]  # type: ignore[no-any-return]


def trader(app: Flask | None = None) -> Trader:
    """The trader's details from configuration."""
    return Trader(
        name=config_value("TRADER_NAME", app), address=config_value("TRADER_ADDRESS", app),
        email=config_value("TRADER_EMAIL", app), country=config_value("TRADER_COUNTRY", app),
        timezone=config_value("TRADER_TIMEZONE", app),
    )
