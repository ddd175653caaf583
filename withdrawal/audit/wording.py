"""How the audit area names recorded values (statuses, decisions, events, deliveries) and
formats instants, through the package's translation domain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel.dates import format_datetime

from ..eligibility import Status
from ..i18n import current_language
from ..i18n import lazy_gettext as _l
from ..statement import EventType, Flag
from .context import trader_zone

OUTCOMES: Mapping[str, Any] = {
    "withdrawable": _l("Withdrawable"),
    "excluded": _l("Excluded"),
    "expired": _l("Period expired"),
    "unmatched": _l("Order not found"),
    "other": _l("Other"),
}

#: The auditor's short names of the statuses (the consumer reads STATUS_MESSAGES).
STATUSES: Mapping[str, Any] = {
    Status.WITHDRAWABLE: _l("withdrawable"),
    Status.EXCLUDED: _l("excluded (Art. 16)"),
    Status.EXPIRED: _l("period expired"),
    Status.SHOP_POLICY: _l("cancellable under the shop's policy"),
    Status.ALREADY_WITHDRAWN: _l("already withdrawn"),
}

DECISIONS: Mapping[str, Any] = {
    "undecided": _l("Undecided"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "refunded": _l("Refunded"),
    "key-revoked": _l("Key revoked"),
    "mixed": _l("Mixed (see the lines)"),
}

#: What a decision event did, by its outcome (round one's names included).
DECISION_OUTCOMES: Mapping[str, Any] = {
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "refunded": _l("Refunded"),
    "revoked": _l("Key revoked"),
    "key-revoked": _l("Key revoked"),
    "returned": _l("Goods received back"),
    "corrected": _l("Corrected"),
}

DELIVERIES: Mapping[str, Any] = {
    "pending": _l("pending"),
    "sent": _l("sent"),
    "failed": _l("failed"),
    "none": _l("not queued"),
}

EVENTS: Mapping[str, Any] = {
    EventType.ACKNOWLEDGEMENT_SENT: _l("Acknowledgement sent"),
    EventType.ACKNOWLEDGEMENT_FAILED: _l("Acknowledgement delivery failed"),
    EventType.RECEIPT_PDF_STORED: _l("Acknowledgement PDF stored"),
    EventType.RESEND_REQUESTED: _l("Acknowledgement resend requested"),
    EventType.DECISION: _l("Decision"),
    EventType.PERSONAL_DATA_ERASED: _l("Personal data erased (retention)"),
    EventType.WEBHOOK_SENT: _l("Webhook delivered"),
    EventType.WEBHOOK_FAILED: _l("Webhook delivery failed"),
    EventType.ACKNOWLEDGEMENT_EML_STORED: _l("Acknowledgement e-mail stored"),
    EventType.DECISION_NOTICE_EML_STORED: _l("Decision notice e-mail stored"),
    EventType.ACKNOWLEDGEMENT_BOUNCED: _l("Acknowledgement bounced"),
    EventType.CHAIN_ANCHORED: _l("Chain anchored"),
    EventType.ANCHOR_SENT: _l("Anchor e-mail sent"),
    EventType.ANCHOR_FAILED: _l("Anchor e-mail failed"),
    EventType.REFUND_OVERDUE: _l("Refund overdue (the shop was signalled)"),
    EventType.ACKNOWLEDGEMENT_INTERRUPTED: _l("E-mail interrupted (it may have arrived)"),
    EventType.ANCHOR_INTERRUPTED: _l("Anchor e-mail interrupted (it may have arrived)"),
    EventType.WEBHOOK_INTERRUPTED: _l("Webhook interrupted (it may have arrived)"),
}

#: Names of the fields of event data (unknown fields are shown by their key).
DATA_FIELDS: Mapping[str, Any] = {
    "purpose": _l("Message"),
    "recipient": _l("Recipient"),
    "message_id": _l("Message-ID"),
    "claimed_at": _l("Claimed at"),
    "error": _l("Error"),
    "attempt": _l("Attempt"),
    "final": _l("Final attempt"),
    "decision": _l("Decision"),
    "reason": _l("Reason"),
    "refund_due": _l("Refund due"),
    "refunded_on": _l("Refunded on"),
    "means_of_payment": _l("Means of payment"),
    "by": _l("By"),
    "note": _l("Note"),
    "outbox_id": _l("Outbox entry"),
    "requeued_outbox_id": _l("Failed entry put back"),
    "sha256": _l("SHA-256"),
    "sealed": _l("Sealed"),
    "retention": _l("Retention period"),
    "cutoff": _l("Submitted before"),
    "content_fields": _l("Statement fields erased"),
    "event_fields": _l("Event fields erased"),
    "documents": _l("Documents deleted (SHA-256)"),
    "url": _l("Endpoint"),
    "event": _l("Event"),
    "webhook_id": _l("Webhook ID"),
    "smtp_reply": _l("SMTP server's reply"),
    "sent_at": _l("Sent at"),
    "action": _l("Action"),
    "status": _l("Status"),
    "reporting_mta": _l("Reported by"),
    "kept_at": _l("Kept at"),
    "backfilled_by": _l("Recorded by"),
    "outcome": _l("Outcome"),
    "lines": _l("Lines"),
    "amount": _l("Amount"),
    "means": _l("Means of payment"),
    "date": _l("Date"),
    "reverses": _l("Reverses entries"),
    "outstanding": _l("Still owed"),
    "currency": _l("Currency"),
}

#: Flags the core records, offered as suggestions in the list's filter.
KNOWN_FLAGS: tuple[str, ...] = tuple(Flag)


def decision_label(data: Mapping[str, Any]) -> str:
    """The outcome of a decision event's data (``outcome``, or round one's ``decision``)."""
    return label(DECISION_OUTCOMES, data.get("outcome") or data.get("decision"))


def label(mapping: Mapping[str, Any], key: str | None) -> str:
    """The translated name of ``key``, or the key itself when it has none."""
    return str(mapping.get(key or "", key or ""))


def when(value: datetime | str | None, pattern: str = "yyyy-MM-dd HH:mm:ss xxx") -> str:
    """An instant in the trader's time zone: ``2026-12-04 10:11:12 +01:00``."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return str(format_datetime(moment, pattern, tzinfo=trader_zone(), locale=current_language()))


def day(value: date | str | None) -> str:
    """A calendar date as ISO 8601, unambiguous in every language."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value.isoformat()
