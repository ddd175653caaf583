"""Anti-abuse flags, never refuses (R4, R11): over the look-up limit the consumer still sends a
statement, recorded unmatched with a flag."""

from __future__ import annotations

import os
import secrets
from typing import Any

import pytest
from flask import Flask
from support import Consumer, MakeApp, engine_of, reference_in

from withdrawal.statement import StatementContent
from withdrawal.storage.statements import load_statement


def over_the_limit(app: Flask) -> StatementContent:
    client = app.test_client()
    consumer = Consumer(client)
    for _ in range(2):
        consumer.identify("Ann", "noconsent@demo.example", "1002")
        assert "Windows 11 Pro" in client.get("/withdrawal/select").get_data(as_text=True)
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    page = client.get("/withdrawal/select").get_data(as_text=True)
    assert "We could not check your order just now." in page
    assert "Windows 11 Pro" not in page
    response = consumer.withdraw("Ann", "noconsent@demo.example", "1002", description="key")
    assert response.status_code == 302
    reference = response.headers["Location"]
    page = client.get(reference).get_data(as_text=True)
    stored = load_statement(engine_of(app), reference_in(page))
    assert stored is not None
    return stored.content


@pytest.mark.sqlite_only
def test_over_the_lookup_limit_the_statement_is_flagged_not_refused(make_app: MakeApp) -> None:
    content = over_the_limit(make_app(WITHDRAWAL_LOOKUP_RATE_LIMIT="2 per hour"))
    assert content["order_matched"] is False and content["lines"] == []
    assert "lookup-rate-limited" in content["flags"]
    assert content["contract_description"] == "key"


def _redis_problem() -> str | None:
    try:
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:  # no server, or no client library
        return f"no Redis at 127.0.0.1:6379: {exc.__class__.__name__}"


@pytest.mark.sqlite_only
def test_limit_is_shared_through_redis(make_app: MakeApp) -> None:
    problem = _redis_problem()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true requires Redis: {problem}")
        pytest.skip(problem)
    config = {"WITHDRAWAL_LOOKUP_RATE_LIMIT": "2 per hour",
              "WITHDRAWAL_RATE_LIMIT_STORAGE_URL": "redis://127.0.0.1:6379"}
    # A fresh client address per run, so counts left in Redis by earlier runs do not matter.
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    first, second = make_app(**config), make_app(**config)
    for app in (first, second):
        app.wsgi_app = _with_address(app.wsgi_app, address)  # type: ignore[method-assign]
    Consumer(first.test_client()).identify("Ann", "noconsent@demo.example", "1002")
    Consumer(first.test_client()).identify("Ann", "noconsent@demo.example", "1002")
    client = second.test_client()  # another app instance shares the count
    Consumer(client).identify("Ann", "noconsent@demo.example", "1002")
    assert "We could not check your order just now." in client.get(
        "/withdrawal/select").get_data(as_text=True)


def _with_address(wsgi_app: Any, address: str) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ["REMOTE_ADDR"] = address
        return wsgi_app(environ, start_response)

    return app
