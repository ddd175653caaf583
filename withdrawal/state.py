"""The extension's runtime state for one app, and its accessors.

``Withdrawal.init_app`` puts a :class:`WithdrawalState` into ``app.extensions["withdrawal"]``;
views, delivery, audit and the CLI read it through :func:`state` and :func:`trader` without
importing the extension (as Flask-Security's ``proxies`` module does).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import Engine

from .abuse import LookupLimiter
from .config import config_value
from .domain import OrderSource, Trader
from .storage.engine import DEFAULT_TIMEOUT, make_engine
from .storage.schema import upgrade_schema

#: The key of ``app.extensions`` that holds the state.
EXTENSION_KEY = "withdrawal"


@dataclass
class WithdrawalState:
    """Per-app state kept in ``app.extensions["withdrawal"]``."""

    order_source: OrderSource
    database_url: str
    audit_access: Callable[[], bool] | None = None
    country_selector: Callable[[], str | None] | None = None
    lookup_limiter: LookupLimiter | None = None
    #: ``WITHDRAWAL_DATABASE_TIMEOUT`` and the resolved ``WITHDRAWAL_SPOOL_DIR``.
    database_timeout: float = DEFAULT_TIMEOUT
    spool_dir: str = ""
    _engine: Engine | None = field(default=None, repr=False)
    _engine_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _executor: ThreadPoolExecutor | None = field(default=None, repr=False)
    _futures: list[Future[None]] = field(default_factory=list, repr=False)

    @property
    def engine(self) -> Engine:
        """Created on first use, with the schema upgraded to this version's, so a forgotten
        ``init-db`` loses nothing. One thread sets it up while the others wait; an engine
        whose setup failed is not kept: the next use tries again."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = self._new_engine()
        return self._engine

    def _new_engine(self) -> Engine:
        engine = make_engine(self.database_url, self.database_timeout)
        try:
            upgrade_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        return engine

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


def state(app: Flask | None = None) -> WithdrawalState:
    """This app's withdrawal state."""
    return (app or current_app).extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


def engine(app: Flask | None = None) -> Engine:
    """This app's database engine (the record)."""
    return state(app).engine


def trader(app: Flask | None = None) -> Trader:
    """The trader's details from configuration."""
    return Trader(
        name=config_value("TRADER_NAME", app), address=config_value("TRADER_ADDRESS", app),
        email=config_value("TRADER_EMAIL", app), country=config_value("TRADER_COUNTRY", app),
        timezone=config_value("TRADER_TIMEZONE", app),
    )
