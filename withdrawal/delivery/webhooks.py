"""Webhooks for back offices, signed the Standard Webhooks way (standardwebhooks.com).

Each event a back office subscribed to (``WITHDRAWAL_WEBHOOKS``) becomes an outbox entry in
the same transaction as the fact it reports, with its body and id fixed then: every attempt
POSTs the same bytes under the same ``webhook-id``, with a fresh ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` under the endpoint's
``whsec_`` secret. A 2xx answer ends it; anything else is retried like an e-mail (the same
attempts and backoff), and each attempt is an event in the chain.

The payload is ``{"type", "timestamp", "data": {"reference", ...}}``: thin on purpose (no name,
no e-mail address); a back office reads the rest with its token from the API.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from ..config import ConfigurationError, config_value
from ..state import state
from ..statement import EventType, Purpose, StatementContent, WebhookEvent
from ..storage.statements import Recipient, append_event, owe_message, utcnow
from . import outbox

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
#: Seconds to wait for a receiver before the attempt counts as failed.
TIMEOUT = 15


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret: str
    events: frozenset[str]


def endpoints(app: Flask | None = None) -> list[Endpoint]:
    """The configured endpoints (checked at start-up by :func:`check_config`)."""
    return [Endpoint(hook["url"], hook["secret"], frozenset(hook.get("events") or WebhookEvent))
            for hook in config_value("WEBHOOKS", app) or ()]


def check_config(app: Flask) -> None:
    """Fail at start-up, naming the key, on an endpoint that could never be called."""
    hooks: Any = config_value("WEBHOOKS", app)
    if not isinstance(hooks, list | tuple):
        raise ConfigurationError("WITHDRAWAL_WEBHOOKS must be a list of {\"url\", \"secret\", "
                                 "\"events\"} objects")
    for number, hook in enumerate(hooks):
        problem = _problem(hook)
        if problem:
            raise ConfigurationError(f"WITHDRAWAL_WEBHOOKS[{number}]: {problem}")


def _problem(hook: Any) -> str | None:
    if not isinstance(hook, Mapping):
        return "must be an object with url, secret and events"
    url = hook.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
            or not urlsplit(url).netloc:
        return "url must be an http(s) URL"
    if not isinstance(hook.get("secret"), str) or secret_key(hook["secret"]) is None:
        return "secret must be whsec_ followed by base64, e.g. whsec_" + base64.b64encode(
            b"24 random bytes, please").decode()
    events = hook.get("events")
    known = {str(event) for event in WebhookEvent}
    if events is not None and (not isinstance(events, list | tuple) or not events
                               or not set(events) <= known):
        return "events must list some of " + ", ".join(sorted(known))
    return None


def secret_key(secret: str) -> bytes | None:
    """The HMAC key of a ``whsec_<base64>`` secret, or None if it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value: ``v1,<base64 HMAC-SHA256>``."""
    key = secret_key(secret)
    if key is None:
        raise ValueError("not a whsec_ secret")
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def payload(event: WebhookEvent, data: Mapping[str, Any], at: datetime) -> str:
    """The body sent for an event: ``{"type", "timestamp", "data"}`` as compact JSON."""
    body = {"type": str(event), "timestamp": at.isoformat().replace("+00:00", "Z"),
            "data": dict(data)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def webhook_recipients(event: WebhookEvent, data: Mapping[str, Any], at: datetime,
                       hooks: Sequence[Endpoint] | None = None) -> list[Recipient]:
    """One outbox recipient per endpoint subscribed to ``event`` (of ``hooks``, default the
    app's); one id for the event."""
    hooks = endpoints() if hooks is None else hooks
    subscribed = [hook for hook in hooks if str(event) in hook.events]
    if not subscribed:
        return []
    body, webhook_id = payload(event, data, at), "msg_" + secrets.token_urlsafe(18)
    return [Recipient(Purpose.WEBHOOK, hook.url, payload=body, message_id=webhook_id)
            for hook in subscribed]


def owe_webhooks(conn: Any, reference: str, event: WebhookEvent, data: Mapping[str, Any],
                 now: datetime, *, hooks: Sequence[Endpoint] | None = None) -> int:
    """In the caller's transaction: the webhooks owed for a fact about ``reference`` (to
    ``hooks``, default the app's endpoints); returns how many."""
    recipients = webhook_recipients(event, {"reference": reference, **data}, now, hooks)
    for recipient in recipients:
        owe_message(conn, reference, recipient, link_base=None, now=now)
    return len(recipients)


def decision_data(seq: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """``decision.recorded``: which decision (its chain entry, as ``decisions[].seq`` in
    ``GET statements/<reference>``), its outcome and the lines it covers (none: the whole
    statement)."""
    return {"seq": seq, "outcome": data["outcome"], "lines": list(data.get("lines") or [])}


def submitted_data(content: StatementContent) -> dict[str, Any]:
    """``statement.submitted``: what a back office needs to fetch and route the statement."""
    return {
        "reference": content["reference"], "submitted_at": content["submitted_at"],
        "order_number": content["order_number"], "order_matched": content["order_matched"],
        "locale": content["locale"], "flags": content["flags"],
        "lines": [{"line_id": line["line_id"], "status": line["assessment"]["status"]}
                  for line in content["lines"]],
    }


def statement_recipients(content: StatementContent) -> list[Recipient]:
    """The ``statement.submitted`` webhooks, owed with the statement itself."""
    at = datetime.fromisoformat(content["submitted_at"])
    return webhook_recipients(WebhookEvent.STATEMENT_SUBMITTED, submitted_data(content), at)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: the body is not sent on to another address."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST ``body``; the receiver's status (an error for anything but 2xx)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "withdrawal-webhooks", **headers})
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=TIMEOUT) as response:
        response.read(65536)
        return int(response.status)


def deliver_webhook(entry: outbox.Entry) -> str:
    """Send one webhook entry; ``sent``, ``retrying`` or ``failed`` (for the report)."""
    endpoint = next((hook for hook in endpoints() if hook.url == entry.recipient), None)
    body = (entry.payload or "").encode()
    webhook_id = entry.message_id or ""
    try:
        if spent := outbox.exhausted(entry, config_value("DELIVERY_MAX_ATTEMPTS")):
            raise spent
        if endpoint is None:
            raise LookupError("the endpoint is no longer configured")
        timestamp = int(time.time())
        status = post(entry.recipient, body, {
            "webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(endpoint.secret, webhook_id, timestamp, body)})
    except Exception as exc:  # every failure keeps the entry for a later attempt
        return _record_failure(entry, describe(exc), final=endpoint is None)
    _record_success(entry, status)
    return "sent"


def describe(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return f"connection failed: {exc.reason}"
    return f"{exc.__class__.__name__}: {exc}"


def _event_type(entry: outbox.Entry) -> str:
    try:
        return str(json.loads(entry.payload or "{}").get("type") or "")
    except ValueError:
        return ""


def _reference(entry: outbox.Entry) -> str:
    """The statement a webhook is about (every webhook entry names one)."""
    assert entry.reference is not None, "a webhook outbox entry without its statement"
    return entry.reference


def _record_success(entry: outbox.Entry, status: int) -> None:
    now = utcnow()
    with state().engine.begin() as conn:
        outbox.mark_sent(conn, entry, entry.message_id or "", now)
        append_event(conn, _reference(entry), EventType.WEBHOOK_SENT, {
            "url": entry.recipient, "event": _event_type(entry), "webhook_id": entry.message_id,
            "status": status, "attempt": entry.attempts, "sent_at": now.isoformat(),
        })


def _record_failure(entry: outbox.Entry, error: str, *, final: bool) -> str:
    final = final or entry.attempts >= config_value("DELIVERY_MAX_ATTEMPTS")
    retry_at = utcnow() + outbox.backoff(entry.attempts, config_value("DELIVERY_BACKOFF_SECONDS"))
    log.warning("webhook %s of %s to %s failed (attempt %s): %s", entry.message_id,
                entry.reference, entry.recipient, entry.attempts, error)
    with state().engine.begin() as conn:
        outbox.mark_failed(conn, entry, error, final=final, retry_at=retry_at)
        append_event(conn, _reference(entry), EventType.WEBHOOK_FAILED, {
            "url": entry.recipient, "event": _event_type(entry),
            "webhook_id": entry.message_id, "error": error, "attempt": entry.attempts,
            "final": final, "retry_at": None if final else retry_at.isoformat(),
        })
    return "failed" if final else "retrying"
