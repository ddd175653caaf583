"""Shared fixtures: a fresh app per test over a real database (SQLite in tmp_path, and the
same tests on PostgreSQL), a client that walks the three steps like a browser, a signal
recorder, a real SMTP server.

One ``app`` fixture, varied through configuration: a directory's conftest.py or a module
overrides ``app_config``; a test that needs another configuration for itself, or two apps,
calls ``make_app(**overrides)``. ``@pytest.mark.sqlite_only`` (on a test, or ``pytestmark``
on a module) keeps a test that does not depend on the database off PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from support import Consumer, MakeApp, SMTPServer, free_port, serving

from withdrawal import signals
from withdrawal.state import state
from wsgi import create_app

PG_URL = os.environ.get("WITHDRAWAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

# Property-based tests take their number of examples from the profile: "dev" by default,
# "ci" when CI=true (1,000 requests per form on every push); "full" (`make hostile`: the
# hostile-input tests with 10,000 requests per form, about 70 minutes of one CPU, nightly or
# before a release) or "quick" (20, to try a change) with HYPOTHESIS_PROFILE. A test that
# sets max_examples itself keeps its own.
settings.register_profile("quick", max_examples=20, deadline=None)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.register_profile("ci", max_examples=1_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("full", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no server here
        return f"no PostgreSQL at {PG_URL}: {exc.__class__.__name__}"


_PG_PROBLEM: str | None = None
_PG_CHECKED = False


def require_postgres() -> None:
    """Skip with a reason where no server answers; fail in CI, where one must."""
    global _PG_PROBLEM, _PG_CHECKED
    if not _PG_CHECKED:
        _PG_PROBLEM, _PG_CHECKED = _postgres_available(), True
    if _PG_PROBLEM:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {_PG_PROBLEM}")
        pytest.skip(_PG_PROBLEM)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema of its own, dropped afterwards."""
    require_postgres()
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


#: The databases a test that uses ``database_url`` (``app`` does) runs on.
DATABASES = {
    "sqlite": pytest.param("sqlite", id="sqlite"),
    "postgres": pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses ``database_url`` on SQLite and on PostgreSQL; a test (or a
    module, with ``pytestmark``) marked ``sqlite_only`` or ``postgres_only`` on that one."""
    if "database_url" not in metafunc.fixturenames:
        return
    marked = [name for name in DATABASES if metafunc.definition.get_closest_marker(f"{name}_only")]
    metafunc.parametrize("database_url", [DATABASES[name] for name in marked or DATABASES],
                         indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'withdrawal.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def app_config(database_url: str) -> dict[str, Any]:
    """What ``app`` is made from. A directory's conftest.py, or a module, varies the app by
    overriding this fixture (taking the one it overrides and adding keys)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WITHDRAWAL_DATABASE_URL": database_url,
        "WITHDRAWAL_DELIVER_AFTER_COMMIT": False,
        "MAIL_SUPPRESS_SEND": True,
    }


@pytest.fixture
def make_app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[MakeApp]:
    """``make_app(**overrides)``: the demo shop from ``app_config`` with ``overrides``, its
    instance folder in ``tmp_path``, for a test that needs another configuration or two apps.
    At teardown every app made waits for its background deliveries and disposes its engine."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        application = create_app({**app_config, **overrides},
                                 instance_path=str(tmp_path / "instance"))
        made.append(application)
        return application

    yield make
    for application in made:
        kept = state(application)
        kept.wait_for_background()
        if kept._engine is not None:  # an app whose database never opened has none
            kept._engine.dispose()


@pytest.fixture
def app(make_app: MakeApp) -> Flask:
    """The demo shop made from ``app_config``, on a fresh database."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@dataclass
class SignalRecorder:
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.received]


@pytest.fixture
def recorded_signals() -> Iterator[SignalRecorder]:
    recorder = SignalRecorder()
    connected = []
    for name in ("statement_submitted", "receipt_delivered", "receipt_failed",
                 "decision_recorded"):
        signal = getattr(signals, name)

        def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
            recorder.received.append((_name, kwargs))

        signal.connect(receiver)
        connected.append((signal, receiver))
    yield recorder
    for signal, receiver in connected:
        signal.disconnect(receiver)


@pytest.fixture
def consumer(client: FlaskClient) -> Consumer:
    return Consumer(client)


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    with serving(SMTPServer("127.0.0.1", free_port())) as server:
        yield server


@pytest.fixture
def mail_config(smtp_server: SMTPServer) -> dict[str, Any]:
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port,
            "MAIL_SUPPRESS_SEND": False}


@pytest.fixture
def witness_dir(tmp_path: Path) -> Path:
    """A directory for a ``file:`` witness (anchors), beside the test's database."""
    directory = tmp_path / "witness"
    directory.mkdir()
    return directory
