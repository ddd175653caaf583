"""Reading a delivery status notification (RFC 3464): what happened to which message.

A DSN is a ``multipart/report; report-type=delivery-status`` with a human-readable part, a
``message/delivery-status`` part (per-message fields, then one block per recipient: Action,
Status, Diagnostic-Code...) and the original message or its headers (``message/rfc822`` or
``text/rfc822-headers``), where our Message-ID is. Pure standard library."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from email.parser import HeaderParser
from typing import Any

_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")


class NotADSN(ValueError):
    """The message is no delivery status notification."""


@dataclass(frozen=True)
class StatusNotification:
    """The first recipient block of a DSN (a failed one if any) and the message it names."""

    message_ids: tuple[str, ...]  # candidates, the original's own Message-ID first
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1
    recipient: str
    diagnostic: str
    reporting_mta: str

    @property
    def failed(self) -> bool:
        return self.action == "failed"


def parse_dsn(raw: bytes) -> StatusNotification:
    message = message_from_bytes(raw, policy=policy.compat32)
    report = next((part for part in message.walk()
                   if part.get_content_type() == "message/delivery-status"), None)
    if report is None:
        raise NotADSN("no message/delivery-status part")
    blocks = _blocks(report)
    if len(blocks) < 2:
        raise NotADSN("no recipient in the delivery status")
    per_message, recipients = blocks[0], blocks[1:]
    chosen = next((b for b in recipients if _field(b, "Action").lower() == "failed"),
                  recipients[0])
    return StatusNotification(
        message_ids=_message_ids(message, per_message, raw),
        action=_field(chosen, "Action").lower(),
        status=_field(chosen, "Status"),
        recipient=_address(_field(chosen, "Final-Recipient")
                           or _field(chosen, "Original-Recipient")),
        diagnostic=_unfold(_field(chosen, "Diagnostic-Code")),
        reporting_mta=_address(_field(per_message, "Reporting-MTA")),
    )


def _blocks(report: Message) -> list[Message]:
    payload: Any = report.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    text = payload.decode() if isinstance(payload, bytes) else str(payload)
    return [HeaderParser().parsestr(chunk.strip() + "\n")
            for chunk in re.split(r"\r?\n\s*\r?\n", text) if chunk.strip()]


def _field(block: Message, name: str) -> str:
    return str(block.get(name, "") or "").strip()


def _address(value: str) -> str:
    """``rfc822; ann@example.com`` -> ``ann@example.com``; ``dns; mx.example`` likewise."""
    return value.partition(";")[2].strip() if ";" in value else value


def _unfold(value: str) -> str:
    return " ".join(_address(value).split())


def _message_ids(message: Message, per_message: Message, raw: bytes) -> tuple[str, ...]:
    """The original's Message-ID (from its headers part), then any Original-Message-ID field,
    then every Message-ID-like token in the report."""
    found: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True) or b""
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            found.append(_field(HeaderParser().parsestr(text), "Message-ID"))
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found.append(_field(inner[0], "Message-ID"))
    for name in ("Original-Message-ID", "X-Original-Message-ID"):
        found += [_field(per_message, name), _field(message, name)]
    found += _MESSAGE_ID.findall(raw.decode("utf-8", "replace"))
    ordered = dict.fromkeys(m for m in found if _MESSAGE_ID.fullmatch(m))
    return tuple(ordered)
