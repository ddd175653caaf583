"""The trader's decisions through the JSON API (issue 14's contract, issue 15, point 2):
``POST statements/<reference>/decisions`` answers 201 with the decision, 400 for a body of the
wrong shape, 401 without a valid token, 404 for an unknown reference, 409 with the order of
states' reason, 422 for an incomplete decision, and records nothing but on a 201; an
``Idempotency-Key`` makes a repetition one decision. ``GET statements/<reference>`` carries the
decisions and each line's state, and a ``decision.recorded`` webhook reaches a real receiver,
signed."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from sqlalchemy import select
from support import Consumer, settle
from webhook_support import SECRET, Receiver

from withdrawal.storage.statements import events_of
from withdrawal.storage.tables import outbox, statements
from wsgi import create_app

API = "/withdrawal/api/v1"
TOKEN = "erp-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MIXED = ("mixed@demo.example", "1008")  # 1: excluded key 29.90, 2: key 35.00, 3: goods 9.90


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_API_TOKENS": {"erp": TOKEN}}


def withdraw(app: Flask, client: FlaskClient, email: str = MIXED[0], number: str = MIXED[1],
             lines: list[str] | None = None, description: str = "") -> str:
    lines = lines if email != MIXED[0] else lines or ["1", "2", "3"]
    response = Consumer(client).withdraw("Maria Rossi", email, number, lines, description)
    assert response.status_code == 302
    with app.extensions["withdrawal"].engine.connect() as conn:
        return str(conn.execute(select(statements.c.reference)
                                .order_by(statements.c.seq.desc())).scalars().first())


def decide(client: FlaskClient, reference: str, body: Any = None, *, key: str | None = None,
           **fields: Any) -> Any:
    headers = {**AUTH, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post(f"{API}/statements/{reference}/decisions",
                       json=fields if body is None else body, headers=headers)


def decisions_of(app: Flask, reference: str) -> list[dict[str, Any]]:
    return [e for e in events_of(app.extensions["withdrawal"].engine, reference)
            if e["type"] == "decision"]


def record_of(client: FlaskClient, reference: str) -> dict[str, Any]:
    response = client.get(f"{API}/statements/{reference}", headers=AUTH)
    assert response.status_code == 200
    return dict(response.get_json())


def test_a_decision_is_recorded_and_answered_201(app: Flask, client: FlaskClient) -> None:
    reference = withdraw(app, client)
    response = decide(client, reference, outcome="accepted", lines=["3", "2"])
    assert response.status_code == 201
    decision = response.get_json()
    assert decision["outcome"] == "accepted" and decision["lines"] == ["2", "3"]
    assert decision["by"] == "api:erp" and decision["refund_due"]
    [event] = decisions_of(app, reference)
    assert decision["seq"] == event["seq"] and event["data"]["by"] == "api:erp"
    refunded = decide(client, reference, outcome="refunded", lines=["2"], amount="35.00",
                      means="PayPal", date=date.today().isoformat(), note="ticket 4711")
    assert refunded.status_code == 201
    assert refunded.get_json() | {"seq": 0, "recorded_at": ""} == {
        "seq": 0, "recorded_at": "", "outcome": "refunded", "lines": ["2"], "by": "api:erp",
        "reason": "", "note": "ticket 4711", "amount": "35.00", "means": "PayPal",
        "date": date.today().isoformat(), "refund_due": None, "reverses": []}


def test_the_statement_carries_its_decisions_and_each_lines_state(
    app: Flask, client: FlaskClient,
) -> None:
    reference = withdraw(app, client)
    assert decide(client, reference, outcome="rejected", lines=["1"],
                  reason="Art. 16(m) exclusion").status_code == 201
    assert decide(client, reference, outcome="accepted", lines=["2", "3"]).status_code == 201
    record = record_of(client, reference)
    lines = {line["line_id"]: line for line in record["lines"]}
    assert [lines[n]["state"] for n in "123"] == ["rejected", "accepted", "accepted"]
    assert lines["1"]["assessment"]["status"] == "excluded"  # as recorded, beside the state
    assert lines["3"]["withheld_until_returned"] is True  # goods: Art. 13(3)
    assert lines["2"]["refund_due"] == record["refund"]["due_on"]
    assert record["refund"]["total"] == "44.90" and record["refund"]["outstanding"] == "44.90"
    assert [(d["outcome"], d["lines"], d["reason"]) for d in record["decisions"]] == [
        ("rejected", ["1"], "Art. 16(m) exclusion"), ("accepted", ["2", "3"], "")]
    assert [d["seq"] for d in record["decisions"]] == [
        e["seq"] for e in decisions_of(app, reference)]


def test_the_answers_follow_the_openapi_document(app: Flask, client: FlaskClient) -> None:
    """What schemathesis cannot reach with made-up references: a statement with decisions of
    every kind, checked against the document's schemas."""
    document = client.get(f"{API}/openapi.json").get_json()

    def check(schema: str, value: Any) -> None:
        root = {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
        Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER
                             ).validate(value)

    reference = withdraw(app, client)
    for body in ({"outcome": "rejected", "lines": ["1"], "reason": "Art. 16(m)"},
                 {"outcome": "accepted", "lines": ["2", "3"]},
                 {"outcome": "revoked", "lines": ["2"]},
                 {"outcome": "returned", "lines": ["3"]},
                 {"outcome": "refunded", "lines": ["2", "3"], "amount": "44.90"},
                 {"outcome": "corrected", "lines": ["1"], "reason": "not excluded"}):
        response = decide(client, reference, body)
        assert response.status_code == 201, response.get_json()
        check("Decision", response.get_json())
    check("StatementRecord", record_of(client, reference))
    check("Error", decide(client, reference, {"outcome": "accepted", "lines": ["2"]}
                          ).get_json())


def test_a_statement_without_lines_is_decided_whole(app: Flask, client: FlaskClient) -> None:
    reference = withdraw(app, client, "nobody@example.com", "4242",
                         description="A key bought last week")
    before = record_of(client, reference)
    assert [(line["line_id"], line["state"]) for line in before["lines"]] == [
        ("*", "undecided")]
    response = decide(client, reference, outcome="accepted")
    assert response.status_code == 201 and response.get_json()["lines"] == []
    after = record_of(client, reference)
    assert after["lines"][0]["state"] == "accepted" and after["refund"]["due_on"]


@pytest.mark.parametrize(("body", "field"), [
    pytest.param([], None, id="not-an-object"),
    pytest.param({"outcome": 1, "lines": ["2"]}, "outcome", id="outcome-not-text"),
    pytest.param({"outcome": "accepted", "lines": "2"}, "lines", id="lines-not-a-list"),
    pytest.param({"outcome": "accepted", "lines": [2]}, "lines", id="line-not-text"),
    pytest.param({"outcome": "refunded", "lines": ["2"], "amount": 35.0}, "amount",
                 id="amount-a-number"),
    pytest.param({"outcome": "rejected", "lines": ["2"], "reason": ["late"]}, "reason",
                 id="reason-not-text"),
    pytest.param({"outcome": "returned", "lines": ["3"], "date": 20261210}, "date",
                 id="date-a-number"),
])
def test_a_body_of_the_wrong_shape_is_a_400(
    app: Flask, client: FlaskClient, body: Any, field: str | None,
) -> None:
    reference = withdraw(app, client)
    response = decide(client, reference, body)
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["error"] and (field is None or field in answer["fields"])
    assert not decisions_of(app, reference)


def test_malformed_json_and_a_malformed_key_are_a_400(app: Flask, client: FlaskClient) -> None:
    reference = withdraw(app, client)
    url = f"{API}/statements/{reference}/decisions"
    broken = client.post(url, data='{"outcome": "accepted",', headers=AUTH,
                         content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["error"]
    empty_key = decide(client, reference, key="", outcome="accepted", lines=["2"])
    assert empty_key.status_code == 400 and "Idempotency-Key" in empty_key.get_json()["error"]
    assert not decisions_of(app, reference)


@pytest.mark.parametrize("headers", [
    pytest.param({}, id="missing"),
    pytest.param({"Authorization": "Bearer wrong-token-0123456789"}, id="wrong"),
])
def test_without_a_valid_token_it_is_a_401(
    app: Flask, client: FlaskClient, headers: dict[str, str],
) -> None:
    reference = withdraw(app, client)
    response = client.post(f"{API}/statements/{reference}/decisions", headers=headers,
                           json={"outcome": "accepted", "lines": ["2"]})
    assert response.status_code == 401 and set(response.get_json()) == {"error"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not decisions_of(app, reference)


def test_an_unknown_reference_is_a_404(client: FlaskClient) -> None:
    response = decide(client, "W-0000-0000", outcome="accepted", lines=["1"])
    assert response.status_code == 404 and response.get_json()["error"]


def test_without_configured_tokens_there_is_nothing_to_post_to(
    app_config: dict[str, Any],
) -> None:
    app = create_app({**app_config, "WITHDRAWAL_API_TOKENS": {}})
    response = app.test_client().post(f"{API}/statements/W-0000-0000/decisions",
                                      json={"outcome": "accepted"}, headers=AUTH)
    assert response.status_code == 404
    app.extensions["withdrawal"].engine.dispose()


@pytest.mark.parametrize(("first", "then", "why"), [
    pytest.param({"outcome": "accepted", "lines": ["2"]},
                 {"outcome": "accepted", "lines": ["2", "3"]}, "Line 2 (", id="accepted-twice"),
    pytest.param({"outcome": "accepted", "lines": ["2"]},
                 {"outcome": "rejected", "lines": ["2"], "reason": "late"},
                 "record a correction before rejecting", id="rejected-after-accepted"),
    pytest.param({"outcome": "rejected", "lines": ["2"], "reason": "late"},
                 {"outcome": "refunded", "lines": ["2"], "amount": "35.00"},
                 "a refund needs an acceptance", id="refund-without-acceptance"),
    pytest.param({"outcome": "accepted", "lines": ["2"]},
                 {"outcome": "returned", "lines": ["2"]}, "nothing comes back",
                 id="return-of-a-key"),
])
def test_a_refused_transition_is_a_409_saying_why(
    app: Flask, client: FlaskClient, first: dict[str, Any], then: dict[str, Any], why: str,
) -> None:
    reference = withdraw(app, client)
    assert decide(client, reference, first).status_code == 201
    before = events_of(app.extensions["withdrawal"].engine, reference)
    response = decide(client, reference, then)
    assert response.status_code == 409
    assert why in response.get_json()["error"]
    assert events_of(app.extensions["withdrawal"].engine, reference) == before


def test_a_409_is_in_the_requests_language(app: Flask, client: FlaskClient) -> None:
    reference = withdraw(app, client)
    assert decide(client, reference, outcome="accepted", lines=["2"]).status_code == 201
    response = client.post(f"{API}/statements/{reference}/decisions",
                           json={"outcome": "accepted", "lines": ["2"]},
                           headers={**AUTH, "Accept-Language": "de"})
    assert response.status_code == 409 and "Position 2" in response.get_json()["error"]


@pytest.mark.parametrize(("body", "field", "text"), [
    pytest.param({"lines": ["2"]}, "outcome", "outcome", id="no-outcome"),
    pytest.param({"outcome": "maybe", "lines": ["2"]}, "outcome", "Unknown outcome",
                 id="unknown-outcome"),
    pytest.param({"outcome": "rejected", "lines": ["2"]}, "reason", "reason",
                 id="rejected-without-reason"),
    pytest.param({"outcome": "corrected", "lines": ["2"], "reason": "  "}, "reason",
                 "reason", id="corrected-without-reason"),
    pytest.param({"outcome": "accepted", "lines": ["2", "9"]}, "lines", "no line 9",
                 id="unknown-line"),
    pytest.param({"outcome": "accepted", "lines": []}, "lines", "at least one line",
                 id="no-lines"),
    pytest.param({"outcome": "refunded", "lines": ["1"]}, "amount", "amount",
                 id="refund-without-amount"),
    pytest.param({"outcome": "refunded", "lines": ["1"], "amount": "a lot"}, "amount",
                 "amount", id="amount-not-a-number"),
    pytest.param({"outcome": "refunded", "lines": ["1"], "amount": "-5"}, "amount",
                 "amount", id="amount-negative"),
    pytest.param({"outcome": "refunded", "lines": ["1"], "amount": "29.90",
                  "date": "2026-13-45"}, "date", "", id="date-not-a-date"),
    pytest.param({"outcome": "refunded", "lines": ["1"], "amount": "29.90",
                  "date": (date.today() + timedelta(days=3)).isoformat()}, "date",
                 "future", id="date-in-the-future"),
    pytest.param({"outcome": "rejected", "lines": ["1"], "reason": "x" * 201}, "reason", "",
                 id="reason-too-long"),
])
def test_an_incomplete_or_invalid_decision_is_a_422(
    app: Flask, client: FlaskClient, body: dict[str, Any], field: str, text: str,
) -> None:
    reference = withdraw(app, client)
    assert decide(client, reference, outcome="accepted", lines=["1"]).status_code == 201
    before = events_of(app.extensions["withdrawal"].engine, reference)
    response = decide(client, reference, body)
    assert response.status_code == 422, response.get_json()
    answer = response.get_json()
    assert text in answer["error"] or text in answer["fields"][field]
    assert set(answer["fields"]) == {field}
    assert events_of(app.extensions["withdrawal"].engine, reference) == before


def test_the_same_idempotency_key_records_one_decision(app: Flask, client: FlaskClient) -> None:
    reference = withdraw(app, client)
    assert decide(client, reference, outcome="accepted", lines=["2"]).status_code == 201
    body = {"outcome": "corrected", "lines": ["2"], "reason": "accepted by mistake"}
    first = decide(client, reference, body, key="fix-2")
    again = decide(client, reference, body, key="fix-2")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    assert [e["data"]["outcome"] for e in decisions_of(app, reference)] == [
        "accepted", "corrected"]  # a second correction would have reversed nothing, or more
    other = decide(client, reference, outcome="accepted", lines=["2"], key="fix-2")
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["fields"]
    assert decide(client, reference, outcome="accepted", lines=["2"],
                  key="accept-2").status_code == 201


def test_a_key_is_the_clients_own(app_config: dict[str, Any]) -> None:
    """Two back offices that happen to send the same key make two decisions."""
    app = create_app({**app_config, "WITHDRAWAL_API_TOKENS": {
        "erp": TOKEN, "helpdesk": "helpdesk-0123456789abcdef"}})
    client = app.test_client()
    reference = withdraw(app, client)
    assert decide(client, reference, outcome="accepted", lines=["2"],
                  key="k").status_code == 201
    response = client.post(
        f"{API}/statements/{reference}/decisions", json={"outcome": "accepted", "lines": ["3"]},
        headers={"Authorization": "Bearer helpdesk-0123456789abcdef", "Idempotency-Key": "k"})
    assert response.status_code == 201 and response.get_json()["by"] == "api:helpdesk"
    app.extensions["withdrawal"].engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def test_a_decision_reaches_the_webhook_receiver_signed(
    make_app: Any, receiver: Receiver,
) -> None:
    app = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=True, WITHDRAWAL_WEBHOOKS=[
        {"url": receiver.url, "secret": SECRET, "events": ["decision.recorded"]}])
    client = app.test_client()
    reference = withdraw(app, client)
    settle(app)
    assert not receiver.received
    decision = decide(client, reference, outcome="accepted", lines=["2", "3"],
                      key="a").get_json()
    settle(app)
    assert decide(client, reference, outcome="accepted", lines=["2", "3"],
                  key="a").status_code == 200
    assert decide(client, reference, outcome="accepted", lines=["2"]).status_code == 409
    settle(app)
    [delivery] = receiver.received  # neither the repetition nor the refusal owes one
    assert isinstance(delivery.verified, dict), delivery.verified  # the signature holds
    assert delivery.payload["type"] == "decision.recorded"
    assert delivery.payload["data"] == {"reference": reference, "seq": decision["seq"],
                                        "outcome": "accepted", "lines": ["2", "3"]}
    sent = [e for e in events_of(app.extensions["withdrawal"].engine, reference)
            if e["type"] == "webhook-sent"]
    assert [(e["data"]["event"], e["data"]["status"]) for e in sent] == [
        ("decision.recorded", 204)]


def test_the_webhook_is_owed_with_the_decision(make_app: Any, receiver: Receiver) -> None:
    """Owed in the decision's transaction: without delivery after commit it waits in the
    outbox for the worker."""
    app = make_app(WITHDRAWAL_WEBHOOKS=[
        {"url": receiver.url, "secret": SECRET, "events": ["decision.recorded"]}])
    client = app.test_client()
    reference = withdraw(app, client)
    assert decide(client, reference, outcome="accepted", lines=["2"]).status_code == 201
    with app.extensions["withdrawal"].engine.connect() as conn:
        owed = conn.execute(select(outbox.c.status, outbox.c.payload)
                            .where(outbox.c.purpose == "webhook")).all()
    assert [(status, '"decision.recorded"' in payload) for status, payload in owed] == [
        ("pending", True)]
    assert not receiver.received


def test_the_documented_curl_example_records_its_refund(app: Flask, client: FlaskClient) -> None:
    """docs/api.md's curl example, sent as written (its reference and date made today's)."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    command = next(block for block in re.findall(r"```sh\n(.*?)```", docs, re.S)
                   if "/decisions" in block)
    words = shlex.split(command.replace("\\\n", " "))
    url = next(word for word in words if word.startswith("https://"))
    headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
    headers["Authorization"] = f"Bearer {TOKEN}"
    body = json.loads(words[words.index("-d") + 1])
    reference = withdraw(app, client)
    assert decide(client, reference, outcome="accepted", lines=body["lines"]).status_code == 201
    path = urlsplit(url).path.replace("W-7K3M-9QX2", reference)
    response = client.post(path, headers=headers,
                           data=json.dumps({**body, "date": date.today().isoformat()}))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["amount"] == body["amount"] == "44.90"  # lines 2 and 3 of 1008
    assert record_of(client, reference)["refund"]["outstanding"] == "0.00"
