"""The back-office API (issue 15, point 2): bearer tokens from ``WITHDRAWAL_API_TOKENS`` (none:
404; missing or wrong: 401), statements in keyset pages with the audit list's filters, and one
statement's content, lines and events."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import Consumer

from withdrawal.api.tokens import token_client
from withdrawal.config import ConfigurationError
from withdrawal.delivery.worker import deliver_due
from wsgi import create_app

API = "/withdrawal/api/v1"
TOKEN = "helpdesk-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_API_TOKENS": {"erp": "erp-token-0123456789abcdef",
                                                    "helpdesk": TOKEN}}


def submit(client: FlaskClient, key: str, **body: Any) -> str:
    body = {"name": "Ann", "email": "ann@example.com", "order_number": "X-1", **body}
    response = client.post(f"{API}/statements", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["reference"])


@pytest.mark.parametrize("path", ["/statements", "/statements/W-AAAA-BBBB"])
def test_without_configured_tokens_the_back_office_does_not_exist(
    app_config: dict[str, Any], path: str,
) -> None:
    app = create_app({**app_config, "WITHDRAWAL_API_TOKENS": {}})
    response = app.test_client().get(API + path, headers=AUTH)
    assert response.status_code == 404 and "error" in response.get_json()
    app.extensions["withdrawal"].engine.dispose()


@pytest.mark.parametrize("headers", [
    pytest.param({}, id="missing"),
    pytest.param({"Authorization": "Bearer wrong-token-0123456789"}, id="wrong"),
    pytest.param({"Authorization": f"Basic {TOKEN}"}, id="other-scheme"),
    pytest.param({"Authorization": "Bearer "}, id="empty"),
])
@pytest.mark.parametrize("path", ["/statements", "/statements/W-AAAA-BBBB"])
def test_missing_or_wrong_token_is_a_401(
    client: FlaskClient, headers: dict[str, str], path: str,
) -> None:
    response = client.get(API + path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(response.get_json()) == {"error"}


def test_token_client_names_the_client_and_compares_every_token() -> None:
    tokens = {"erp": "a" * 16, "helpdesk": "b" * 16}
    assert token_client(tokens, "b" * 16) == "helpdesk"
    assert token_client(tokens, "a" * 15) is None
    assert token_client(tokens, "") is None


@pytest.mark.parametrize("tokens", [{"erp": "short"}, ["token"], {"erp": 12345678901234567}])
def test_unusable_tokens_stop_start_up_naming_the_key(
    app_config: dict[str, Any], tokens: Any,
) -> None:
    with pytest.raises(ConfigurationError, match="WITHDRAWAL_API_TOKENS"):
        create_app({**app_config, "WITHDRAWAL_API_TOKENS": tokens})


def test_statements_come_in_keyset_pages_newest_first(client: FlaskClient) -> None:
    references = [submit(client, f"k{n}") for n in range(5)]
    seen: list[str] = []
    query: dict[str, Any] = {"limit": 2}
    while True:
        page = client.get(f"{API}/statements", query_string=query, headers=AUTH).get_json()
        seen += [row["reference"] for row in page["statements"]]
        if page["older"] is None:
            break
        query = {"limit": 2, "before": page["older"]}
    assert seen == list(reversed(references))
    newer = client.get(f"{API}/statements", headers=AUTH,
                       query_string={"limit": 2, "after": query["before"]}).get_json()
    assert [row["reference"] for row in newer["statements"]] == list(
        reversed(references))[1:3]


def test_the_audit_lists_filters_apply(client: FlaskClient) -> None:
    found = Consumer(client).withdraw("Bea", "noconsent@demo.example", "1002", lines=["1"])
    assert found.status_code == 302
    unknown = submit(client, "k", email="Zed@Example.com", name="Zed")
    by_email = client.get(f"{API}/statements?email=zed@example.com", headers=AUTH).get_json()
    assert [row["reference"] for row in by_email["statements"]] == [unknown]
    matched = client.get(f"{API}/statements?matched=yes", headers=AUTH).get_json()
    assert [row["name"] for row in matched["statements"]] == ["Bea"]
    flagged = client.get(f"{API}/statements?flag=order-not-found", headers=AUTH).get_json()
    assert [row["reference"] for row in flagged["statements"]] == [unknown]
    row = matched["statements"][0]
    assert row["lines"][0]["status"] == "withdrawable"
    assert row["acknowledgement"]["status"] == "pending"


@pytest.mark.parametrize("query", [
    pytest.param("since=yesterday", id="bad-date"),
    pytest.param("matched=perhaps", id="bad-choice"),
    pytest.param("before=abc", id="bad-cursor"),
    pytest.param("limit=100000", id="page-too-long"),
    pytest.param("since=2026-05-02&until=2026-05-01", id="until-before-since"),
])
def test_bad_filters_are_a_400_naming_them(client: FlaskClient, query: str) -> None:
    response = client.get(f"{API}/statements?{query}", headers=AUTH)
    assert response.status_code == 400 and response.get_json()["fields"]


def test_one_statement_with_its_content_lines_and_events(
    app: Flask, client: FlaskClient,
) -> None:
    Consumer(client).withdraw("Bea", "mixed@demo.example", "1008", lines=["2", "3"])
    reference = client.get(f"{API}/statements", headers=AUTH).get_json()[
        "statements"][0]["reference"]
    with app.app_context():
        deliver_due()
    record = client.get(f"{API}/statements/{reference}", headers=AUTH).get_json()
    assert record["reference"] == reference
    assert record["content"]["name"] == "Bea" and record["content"]["order_matched"] is True
    assert [line["line_id"] for line in record["lines"]] == ["2", "3"]
    assert record["lines"][0]["assessment"]["status"] == "withdrawable"
    assert "acknowledgement-sent" in [event["type"] for event in record["events"]]
    assert len(record["content_hash"]) == len(record["entry_hash"]) == 64


def test_unknown_reference_is_a_404_in_json(client: FlaskClient) -> None:
    response = client.get(f"{API}/statements/W-0000-0000", headers=AUTH)
    assert response.status_code == 404 and "error" in response.get_json()


def test_back_office_answers_are_not_cached(client: FlaskClient) -> None:
    response = client.get(f"{API}/statements", headers=AUTH)
    assert response.headers["Cache-Control"] == "no-store"
