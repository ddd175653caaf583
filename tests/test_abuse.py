"""Issue 12 point 6, a rate limit that protects without hurting: only FAILED look-ups count
(the order was not found), per client address and per order number; found orders never count,
so consumers behind one proxy address do not use each other's look-ups up. Over a limit the
look-up is skipped and the statement is flagged, never refused (R4, R11). With Redis the count
is shared between app instances, under a key prefix."""

from __future__ import annotations

import os
import secrets
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import Consumer, MakeApp, engine_of, reference_in

from withdrawal.statement import StatementContent
from withdrawal.storage.statements import load_statement

#: The limits do not depend on the database.
pytestmark = pytest.mark.sqlite_only

REAL = ("Ann", "noconsent@demo.example", "1002")
LIMITED = "We could not check your order just now."
PROXY = "203.0.113.7"


def client_at(app: Flask, address: str) -> FlaskClient:
    """A browser whose requests come from ``address`` (as ProxyFix would set it)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def look_up(client: FlaskClient, name: str, email: str, number: str) -> str:
    """Step 1 then the select page: its HTML."""
    assert Consumer(client).identify(name, email, number).status_code == 302
    return str(client.get("/withdrawal/select").get_data(as_text=True))


def fail(client: FlaskClient, number: str = "1002", times: int = 1) -> None:
    """Look-ups that find nothing: the right number with a guessed e-mail."""
    for n in range(times):
        page = look_up(client, "Eve", f"guess{n}@example.org", number)
        assert "We could not find an order" in page or LIMITED in page


def found(page: str) -> bool:
    return "Windows 11 Pro" in page and LIMITED not in page


def statement_sent(app: Flask, client: FlaskClient) -> StatementContent:
    response = Consumer(client).withdraw(*REAL, description="key")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    stored = load_statement(engine_of(app), reference_in(page))
    assert stored is not None
    return stored.content


def test_found_orders_never_count(make_app: MakeApp) -> None:
    app = make_app(WITHDRAWAL_LOOKUP_RATE_LIMIT="2 per hour",
                   WITHDRAWAL_LOOKUP_RATE_LIMIT_PER_ORDER="2 per hour")
    for _ in range(25):  # 25 consumers behind one proxy address, each finding their order
        assert found(look_up(client_at(app, PROXY), *REAL))


def test_over_the_limit_the_statement_is_flagged_not_refused(make_app: MakeApp) -> None:
    """Twenty failed look-ups from one address: the next look-up from it is skipped, even of
    a real order (it could be the twenty-first guess); the statement still goes, flagged."""
    app = make_app()  # the defaults: 20 per hour per address
    guesser = client_at(app, PROXY)
    for number in range(20):  # twenty different numbers: the per-order limit stays untouched
        fail(guesser, number=str(5000 + number))
    consumer = client_at(app, PROXY)
    page = look_up(consumer, *REAL)
    assert LIMITED in page and "Windows 11 Pro" not in page
    content = statement_sent(app, consumer)
    assert content["order_matched"] is False and content["lines"] == []
    assert "lookup-rate-limited" in content["flags"]
    assert content["contract_description"] == "key"
    assert found(look_up(client_at(app, "198.51.100.1"), *REAL))  # another address: unhurt


def test_nineteen_failures_leave_the_twentieth_look_up_alone(make_app: MakeApp) -> None:
    app = make_app()
    for number in range(19):
        fail(client_at(app, PROXY), number=str(6000 + number))
    assert found(look_up(client_at(app, PROXY), *REAL))
    assert found(look_up(client_at(app, PROXY), *REAL))  # and found ones do not add up


def test_failures_are_counted_per_order_number_across_addresses(make_app: MakeApp) -> None:
    """Guessing the e-mail of one order from many addresses: the order number's own limit."""
    app = make_app(WITHDRAWAL_LOOKUP_RATE_LIMIT_PER_ORDER="3 per hour")
    for n in range(3):
        fail(client_at(app, f"192.0.2.{n + 1}"))  # order 1002, a wrong e-mail, three addresses
    page = look_up(client_at(app, "192.0.2.99"), *REAL)
    assert LIMITED in page and "Windows 11 Pro" not in page
    other = look_up(client_at(app, "192.0.2.99"), "Maria", "mixed@demo.example", "1008")
    assert "Office 2024 Home" in other and LIMITED not in other  # other orders: unhurt


def test_ipv6_clients_count_by_their_64_network(make_app: MakeApp) -> None:
    app = make_app(WITHDRAWAL_LOOKUP_RATE_LIMIT="2 per hour")
    fail(client_at(app, "2001:db8:1:2::a"), number="7001")
    fail(client_at(app, "2001:db8:1:2::b"), number="7002")
    assert LIMITED in look_up(client_at(app, "2001:db8:1:2:ffff::1"), *REAL)
    assert found(look_up(client_at(app, "2001:db8:1:3::a"), *REAL))


def test_a_failing_store_limits_nothing(make_app: MakeApp) -> None:
    """Redis down: look-ups go on (and the receipt check too), nothing is refused or a 500."""
    app = make_app(WITHDRAWAL_RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:9/0",
                   WITHDRAWAL_LOOKUP_RATE_LIMIT="1 per hour")
    client = client_at(app, PROXY)
    fail(client, times=2)
    assert found(look_up(client, *REAL))
    assert client.post("/withdrawal/verify",
                       data={"reference": "W-0000-0000", "sha256": "0" * 64}).status_code == 200


# --- Redis ------------------------------------------------------------------------------------


def _redis() -> Any:
    try:
        import redis

        server = redis.Redis(host="127.0.0.1", port=6379, db=14, socket_connect_timeout=2)
        server.ping()
        return server
    except Exception as exc:  # no server, or no client library
        problem = f"no Redis at 127.0.0.1:6379: {exc.__class__.__name__}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true requires Redis: {problem}")
    pytest.skip(problem)


@pytest.fixture
def redis_config() -> Any:
    """Apps counting in Redis database 14 under a prefix of their own; its keys are removed
    afterwards."""
    server = _redis()
    prefix = "withdrawal-test-" + secrets.token_hex(6)
    yield {"WITHDRAWAL_RATE_LIMIT_STORAGE_URL": "redis://127.0.0.1:6379/14",
           "WITHDRAWAL_RATE_LIMIT_KEY_PREFIX": prefix,
           "WITHDRAWAL_LOOKUP_RATE_LIMIT": "2 per hour"}
    keys = list(server.scan_iter(match=f"*{prefix}*"))
    assert keys, "nothing was counted in Redis"
    server.delete(*keys)


def test_the_count_is_shared_through_redis(make_app: MakeApp, redis_config: Any) -> None:
    first, second = make_app(**redis_config), make_app(**redis_config)
    fail(client_at(first, PROXY), number="8001")
    fail(client_at(second, PROXY), number="8002")  # another app instance adds to the count
    for app in (first, second):
        page = look_up(client_at(app, PROXY), *REAL)
        assert LIMITED in page and "Windows 11 Pro" not in page
    assert found(look_up(client_at(first, "198.51.100.2"), *REAL))


def test_the_key_prefix_isolates(make_app: MakeApp, redis_config: Any) -> None:
    app = make_app(**redis_config)
    fail(client_at(app, PROXY), times=2, number="8101")
    other = make_app(**{**redis_config,
                        "WITHDRAWAL_RATE_LIMIT_KEY_PREFIX": redis_config[
                            "WITHDRAWAL_RATE_LIMIT_KEY_PREFIX"] + "-other"})
    assert found(look_up(client_at(other, PROXY), *REAL))
    assert LIMITED in look_up(client_at(app, PROXY), *REAL)


def test_redis_keys_hold_neither_address_nor_order_number(
    make_app: MakeApp, redis_config: Any,
) -> None:
    app = make_app(**redis_config)
    fail(client_at(app, PROXY), number="8201")
    server = _redis()
    keys = [key.decode() for key in
            server.scan_iter(match=f"*{redis_config['WITHDRAWAL_RATE_LIMIT_KEY_PREFIX']}*")]
    assert keys and not any(PROXY in key or "8201" in key for key in keys)
