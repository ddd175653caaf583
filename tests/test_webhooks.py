"""Standard Webhooks (issue 15, point 3): each subscribed event is POSTed to a real receiver on
loopback that verifies the signature with the reference library; delivered through the outbox
with the e-mails' retries, the same bytes and webhook-id every attempt, each attempt an event
in the chain, a 2xx ends it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook
from support import Consumer, SMTPServer, settle
from webhook_support import SECRET, Receiver

from withdrawal.audit.retention import erase_statement
from withdrawal.backoffice import record_decision
from withdrawal.config import ConfigurationError
from withdrawal.decisions import DecisionRefused
from withdrawal.delivery.webhooks import owe_webhooks, sign
from withdrawal.delivery.worker import deliver_due
from withdrawal.statement import WebhookEvent
from withdrawal.storage.statements import events_of, utcnow
from withdrawal.storage.tables import outbox
from withdrawal.storage.verify import verify_chain
from wsgi import create_app

ALL = ["statement.submitted", "acknowledgement.sent", "acknowledgement.failed"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config: dict[str, Any], receiver: Receiver,
               mail_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **mail_config, "WITHDRAWAL_DELIVER_AFTER_COMMIT": True,
            "WITHDRAWAL_DELIVERY_MAX_ATTEMPTS": 3,
            "WITHDRAWAL_WEBHOOKS": [{"url": receiver.url, "secret": SECRET, "events": ALL}]}


def withdraw(app: Flask, client: FlaskClient) -> str:
    response = Consumer(client).withdraw("Ann", "noconsent@demo.example", "1002", ["1"])
    assert response.status_code == 302
    settle(app)
    with app.extensions["withdrawal"].engine.connect() as conn:
        return str(conn.execute(select(outbox.c.reference)).scalars().first())


def make_due(app: Flask) -> None:
    """Bring every pending entry's next attempt forward (instead of waiting for the backoff)."""
    with app.extensions["withdrawal"].engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.status == "pending")
                     .values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def webhook_events(app: Flask, reference: str) -> list[dict[str, Any]]:
    return [e for e in events_of(app.extensions["withdrawal"].engine, reference)
            if e["type"].startswith("webhook-")]


def test_submission_and_acknowledgement_reach_the_receiver_signed(
    app: Flask, client: FlaskClient, receiver: Receiver, smtp_server: SMTPServer,
) -> None:
    reference = withdraw(app, client)
    assert len(smtp_server.messages) == 1
    submitted, sent = receiver.of_type("statement.submitted"), receiver.of_type(
        "acknowledgement.sent")
    assert len(submitted) == len(sent) == 1
    for delivery in receiver.received:
        assert isinstance(delivery.verified, dict), delivery.verified  # the signature holds
        assert delivery.headers["content-type"] == "application/json"
        assert delivery.headers["webhook-signature"].startswith("v1,")
    data = submitted[0].payload["data"]
    assert data["reference"] == reference and data["order_number"] == "1002"
    assert data["lines"] == [{"line_id": "1", "status": "withdrawable"}]
    assert "email" not in data and "name" not in data  # thin: the API has the rest
    assert sent[0].payload["data"]["purpose"] == "acknowledgement"
    assert submitted[0].headers["webhook-id"] != sent[0].headers["webhook-id"]
    events = webhook_events(app, reference)
    assert [(e["type"], e["data"]["status"]) for e in events] == [("webhook-sent", 204)] * 2
    assert verify_chain(app.extensions["withdrawal"].engine).ok


def test_a_failed_attempt_is_retried_with_the_same_bytes_and_id(
    app: Flask, client: FlaskClient, receiver: Receiver,
) -> None:
    receiver.answers.extend([500])
    reference = withdraw(app, client)
    first, *_rest = receiver.received
    events = webhook_events(app, reference)
    assert events[0]["type"] == "webhook-failed"
    assert events[0]["data"]["error"] == "HTTP 500" and events[0]["data"]["final"] is False
    assert events[0]["data"]["retry_at"]
    make_due(app)
    with app.app_context():
        deliver_due()
    again = [d for d in receiver.received if d.headers["webhook-id"] == first.headers[
        "webhook-id"]]
    assert len(again) == 2 and again[0].body == again[1].body
    assert isinstance(again[1].verified, dict)
    retried = [e for e in webhook_events(app, reference)
               if e["data"]["webhook_id"] == first.headers["webhook-id"]]
    assert [(e["type"], e["data"]["attempt"]) for e in retried] == [
        ("webhook-failed", 1), ("webhook-sent", 2)]


def test_after_the_last_attempt_the_webhook_is_failed(
    app: Flask, client: FlaskClient, receiver: Receiver,
) -> None:
    receiver.answers.extend([503] * 10)
    reference = withdraw(app, client)
    for _ in range(3):
        make_due(app)
        with app.app_context():
            deliver_due()
    failed = [e for e in webhook_events(app, reference)
              if e["data"]["event"] == "statement.submitted"]
    assert [e["data"]["final"] for e in failed] == [False, False, True]
    with app.extensions["withdrawal"].engine.connect() as conn:
        statuses = conn.execute(select(outbox.c.status).where(
            outbox.c.purpose == "webhook")).scalars().all()
    assert set(statuses) == {"failed"}


def test_a_redirect_is_not_followed(app: Flask, client: FlaskClient,
                                    receiver: Receiver) -> None:
    receiver.answers.extend([307, 307])
    reference = withdraw(app, client)
    assert [e["data"]["error"] for e in webhook_events(app, reference)][:1] == ["HTTP 307"]
    assert len(receiver.received) == 2  # nothing went to the Location


def test_a_final_acknowledgement_failure_is_a_webhook(
    app: Flask, client: FlaskClient, receiver: Receiver, smtp_server: SMTPServer,
) -> None:
    smtp_server.answer = "550 5.1.1 no such user"
    reference = withdraw(app, client)
    failed = receiver.of_type("acknowledgement.failed")
    assert len(failed) == 1
    assert failed[0].payload["data"] == {"reference": reference, "purpose": "acknowledgement",
                                         "attempts": 1, "final": True}
    assert not receiver.of_type("acknowledgement.sent")


def test_only_subscribed_events_are_sent(
    app_config: dict[str, Any], receiver: Receiver,
) -> None:
    config = {**app_config, "WITHDRAWAL_WEBHOOKS": [
        {"url": receiver.url, "secret": SECRET, "events": ["acknowledgement.sent"]}]}
    app = create_app(config)
    withdraw(app, app.test_client())
    assert [d.payload["type"] for d in receiver.received] == ["acknowledgement.sent"]
    app.extensions["withdrawal"].engine.dispose()


def test_a_decision_through_the_python_api_is_a_webhook(
    app_config: dict[str, Any], receiver: Receiver,
) -> None:
    """``decision.recorded`` is owed with the decision (``backoffice.record_decision``, which
    the audit pages and the JSON API use) and delivered after commit; a refusal owes none."""
    app = create_app({**app_config, "WITHDRAWAL_WEBHOOKS": [
        {"url": receiver.url, "secret": SECRET, "events": ["decision.recorded"]}]})
    reference = withdraw(app, app.test_client())
    assert not receiver.received
    with app.app_context():
        decision = record_decision(reference, "accepted", ["1"], by="clara")
        with pytest.raises(DecisionRefused):
            record_decision(reference, "accepted", ["1"], by="clara")
    settle(app)
    [delivery] = receiver.received
    assert delivery.payload["type"] == "decision.recorded"
    assert delivery.payload["data"] == {"reference": reference, "seq": decision["seq"],
                                        "outcome": "accepted", "lines": ["1"]}
    assert isinstance(delivery.verified, dict)
    assert verify_chain(app.extensions["withdrawal"].engine).ok
    app.extensions["withdrawal"].engine.dispose()


def test_the_lifecycle_owes_webhooks_in_its_transaction(
    app_config: dict[str, Any], receiver: Receiver,
) -> None:
    app = create_app({**app_config, "WITHDRAWAL_WEBHOOKS": [
        {"url": receiver.url, "secret": SECRET, "events": ["decision.recorded"]}]})
    reference = withdraw(app, app.test_client())
    with app.app_context():
        with app.extensions["withdrawal"].engine.begin() as conn:
            owed = owe_webhooks(conn, reference, WebhookEvent.DECISION_RECORDED,
                                {"outcome": "accepted"}, utcnow())
        deliver_due()
    [delivery] = receiver.received
    assert owed == 1 and delivery.payload["data"] == {"reference": reference,
                                                      "outcome": "accepted"}
    app.extensions["withdrawal"].engine.dispose()


def test_retention_forgets_the_webhook_bodies(
    app: Flask, client: FlaskClient, receiver: Receiver,
) -> None:
    reference = withdraw(app, client)
    engine = app.extensions["withdrawal"].engine
    with app.app_context(), engine.begin() as conn:
        erase_statement(conn, reference, {"retention": "test"})
    with engine.connect() as conn:
        payloads = conn.execute(select(outbox.c.payload).where(
            outbox.c.purpose == "webhook")).scalars().all()
    assert payloads and set(payloads) == {None}
    assert verify_chain(engine).ok


def test_the_documented_verification_snippet_accepts_our_webhooks(
    app: Flask, client: FlaskClient, receiver: Receiver,
) -> None:
    """docs/api.md's standard-library snippet, run against a real delivery."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    snippet = next(block for block in re.findall(r"```python\n(.*?)```", docs, re.S)
                   if "def verify(" in block)
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)  # noqa: S102 (our own documentation)
    withdraw(app, client)
    delivery = receiver.received[0]
    assert namespace["verify"](SECRET, delivery.headers, delivery.body)
    assert not namespace["verify"](SECRET, delivery.headers, delivery.body + b" ")


def test_signature_is_the_standard_one() -> None:
    body = b'{"type":"statement.submitted"}'
    ours = sign(SECRET, "msg_1", 1_700_000_000, body)
    theirs = Webhook(SECRET).sign("msg_1", datetime.fromtimestamp(1_700_000_000, UTC),
                                  body.decode())
    assert ours == theirs


@pytest.mark.parametrize(("hook", "problem"), [
    pytest.param({"url": "ftp://x.example", "secret": SECRET}, "url", id="not-http"),
    pytest.param({"url": "https://x.example", "secret": "plain"}, "secret", id="no-whsec"),
    pytest.param({"url": "https://x.example", "secret": "whsec_!!!"}, "secret",
                 id="not-base64"),
    pytest.param({"url": "https://x.example", "secret": SECRET, "events": ["order.paid"]},
                 "events", id="unknown-event"),
    pytest.param("https://x.example", "object", id="not-an-object"),
])
def test_unusable_webhooks_stop_start_up(
    app_config: dict[str, Any], hook: Any, problem: str,
) -> None:
    with pytest.raises(ConfigurationError, match=rf"WITHDRAWAL_WEBHOOKS\[0\]: .*{problem}"):
        create_app({**app_config, "WITHDRAWAL_WEBHOOKS": [hook]})


def test_without_events_an_endpoint_gets_every_event(
    app_config: dict[str, Any], receiver: Receiver,
) -> None:
    config = {**app_config, "WITHDRAWAL_WEBHOOKS": [{"url": receiver.url, "secret": SECRET}]}
    app = create_app(config)
    withdraw(app, app.test_client())
    assert sorted(d.payload["type"] for d in receiver.received) == [
        "acknowledgement.sent", "statement.submitted"]
    payload = json.loads(receiver.received[0].body)
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["timestamp"].endswith("Z")
    app.extensions["withdrawal"].engine.dispose()


def test_a_webhook_whose_last_allowed_attempt_was_interrupted_fails_unsent(
    app: Flask, client: FlaskClient, receiver: Receiver,
) -> None:
    receiver.answers.extend([500])
    reference = withdraw(app, client)
    posted = len(receiver.received)
    with app.extensions["withdrawal"].engine.begin() as conn:  # attempt 3 of 3: its worker died
        conn.execute(update(outbox).where(outbox.c.status == "pending").values(
            attempts=3, claim_token="dead", claimed_at=utcnow(),
            next_attempt_at=utcnow() - timedelta(seconds=1)))
    with app.app_context():
        assert len(deliver_due().failed) == 1
    assert len(receiver.received) == posted  # not tried again
    events = webhook_events(app, reference)
    assert [e["type"] for e in events][-2:] == ["webhook-interrupted", "webhook-failed"]
    assert events[-1]["data"]["final"] is True
    assert "attempt 3 of 3 was interrupted" in events[-1]["data"]["error"]
