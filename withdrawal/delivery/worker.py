"""Sending what the outbox owes. An entry is claimed, sent, and its outcome appended to the
statement's events; any failure leaves it pending for a later attempt with exponential backoff,
up to ``WITHDRAWAL_DELIVERY_MAX_ATTEMPTS``. A 5xx answer is final at once. The sent event keeps
the server's reply to the end of DATA (its queue id) beside our Message-ID. An anchor's e-mail
(no statement) is recorded under ``CHAIN_REFERENCE`` as ``anchor-sent``/``anchor-failed``.
Each entry is claimed by one worker for ``WITHDRAWAL_DELIVERY_LEASE`` seconds and sent under the
Message-ID it got at its first claim (``outbox.py``)."""

from __future__ import annotations

import logging
import smtplib
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Connection as SAConnection

from ..config import config_value
from ..receipt.issue import ReceiptCopy, keep_copy, receipt_copy
from ..signals import receipt_delivered, receipt_failed, tell_the_shop
from ..state import state
from ..statement import (
    CHAIN_REFERENCE,
    DocumentKind,
    EventType,
    Purpose,
    WebhookEvent,
    notice_kind,
)
from ..storage.chain import lock_head
from ..storage.documents import keep_with
from ..storage.statements import (
    StoredStatement,
    append_event,
    append_events,
    load_statement,
    utcnow,
)
from ..storage.transient import retried, unreachable
from . import outbox
from .anchor_mail import compose_anchor
from .messages import FrozenMessage, compose, message_domain
from .smtp import Mailer
from .webhooks import deliver_webhook, owe_webhooks

log = logging.getLogger(__name__)

#: Messages sent without the acknowledgement's PDF.
WITHOUT_PDF = (Purpose.ORDER_NOTICE, Purpose.DECISION_NOTICE)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"sent {len(self.sent)}, retrying {len(self.retrying)}, "
                f"failed {len(self.failed)}")


def deliver_due(
    *, limit: int = 50, reference: str | None = None, statement: StoredStatement | None = None,
) -> DeliveryReport:
    """Send every due entry (of one statement, if given); call inside an app context.
    ``statement``: one known already (just written), not read again."""
    report = DeliveryReport()
    known = {statement.reference: statement} if statement is not None else {}
    mailer = Mailer(current_app.extensions["mail"])
    lease = timedelta(seconds=float(config_value("DELIVERY_LEASE")))
    try:
        while True:
            entries = outbox.claim_due(state().engine, limit=limit, reference=reference,
                                       domain=message_domain(), lease=lease)
            _deliver_claimed(entries, report, known, mailer, lease)
            if not entries:  # a delivery may owe webhooks, due at once: they go in this call
                return report
    finally:
        mailer.close()


def _deliver_claimed(
    entries: list[outbox.Entry], report: DeliveryReport, known: dict[str, StoredStatement],
    mailer: Mailer, lease: timedelta,
) -> None:
    """Each entry of one claim in turn, while half its lease is left: the rest is given back
    (a batch can outlast the lease that covers one message, and another worker would take it
    over as interrupted). An entry that fails unexpectedly is logged and the others go on;
    the database going away stops the batch, the rest given back when it can be."""
    claimed = time.monotonic()
    for position, entry in enumerate(entries):
        if time.monotonic() - claimed > lease.total_seconds() / 2:
            _give_back(entries[position:])
            return
        try:
            _deliver(entry, report, known, mailer)
        except Exception as exc:
            if unreachable(exc):
                _give_back(entries[position + 1:])
                raise
            log.exception("%s %s to %s: delivery failed unexpectedly; its claim runs out",
                          entry.purpose, entry.reference, entry.recipient)


def _give_back(entries: list[outbox.Entry]) -> None:
    if not entries:
        return
    try:
        outbox.release(state().engine, entries)
    except Exception as exc:  # they are taken over once their lease runs out
        log.warning("giving back %s claimed messages failed: %s", len(entries), exc)


def _deliver(
    entry: outbox.Entry, report: DeliveryReport, known: dict[str, StoredStatement],
    mailer: Mailer,
) -> None:
    label = f"{entry.reference or CHAIN_REFERENCE} {entry.purpose} {entry.recipient}"
    if entry.purpose == Purpose.WEBHOOK:
        getattr(report, deliver_webhook(entry)).append(label)
        return
    try:
        if spent := outbox.exhausted(entry, config_value("DELIVERY_MAX_ATTEMPTS")):
            raise spent
        message, receipt = _message(entry, known)
        reply = mailer.send(message)
    except Exception as exc:  # every failure keeps the entry; none may lose the receipt
        final = _record_failure(entry, exc)
        (report.failed if final else report.retrying).append(label)
        return
    _record_success(entry, message, reply, receipt)
    report.sent.append(label)


def _message(
    entry: outbox.Entry, known: dict[str, StoredStatement],
) -> tuple[FrozenMessage, ReceiptCopy | None]:
    """The entry's message under the Message-ID it got when first claimed (a message sent
    again after an interrupted attempt is recognisably the same one), and the receipt PDF it
    carries."""
    message, receipt = _composed(entry, known)
    if entry.message_id:
        message.msgId = entry.message_id
    return message, receipt


def _composed(
    entry: outbox.Entry, known: dict[str, StoredStatement],
) -> tuple[FrozenMessage, ReceiptCopy | None]:
    """``known``: statements read (or written) already in this round, by reference: the
    messages one statement owes read it once."""
    engine = state().engine
    if entry.reference is None:
        return compose_anchor(engine, entry), None
    statement = known.get(entry.reference) or load_statement(engine, entry.reference)
    if statement is None:
        raise LookupError(f"statement {entry.reference} not found")
    known[entry.reference] = statement
    receipt = (receipt_copy(engine, statement, entry.link_base)
               if entry.purpose not in WITHOUT_PDF else None)
    return compose(statement, entry.purpose, entry.recipient,
                   pdf=receipt.pdf if receipt is not None else None,
                   link_base=entry.link_base, event_seq=entry.event_seq), receipt


def _record_success(
    entry: outbox.Entry, message: FrozenMessage, smtp_reply: str | None = None,
    receipt: ReceiptCopy | None = None,
) -> None:
    """The outcome recorded (``_sent``), its transaction tried again while the database
    refuses it for now (``storage/transient.py``); then the shop's signal."""
    now = utcnow()

    def record() -> None:
        with state().engine.begin() as conn:
            _sent(conn, entry, message, smtp_reply, receipt, now)

    retried(record, f"recording {entry.purpose} {entry.reference} sent")
    if entry.reference is None:
        return  # an anchor's e-mail: no receipt to keep or signal
    tell_the_shop(receipt_delivered, current_app._get_current_object(),  # type: ignore[attr-defined]
                  reference=entry.reference, purpose=entry.purpose, recipient=entry.recipient,
                  message_id=message.msgId)


def _sent(
    conn: SAConnection, entry: outbox.Entry, message: FrozenMessage, smtp_reply: str | None,
    receipt: ReceiptCopy | None, now: datetime,
) -> None:
    """In one transaction under one head lock: the receipt PDF the message carried kept (when
    none was) with its stored event, the outbox entry sent, its sent event and, for the
    acknowledgement and a decision's notice, the e-mail kept byte for byte with its stored
    event."""
    if not outbox.mark_sent(conn, entry, message.msgId, now, smtp_reply):
        _claim_lost(entry)
    head = lock_head(conn)
    kept_pdf = (keep_copy(conn, entry.reference, receipt)
                if receipt is not None and entry.reference is not None else [])
    sent = (_sent_type(entry), {
        "purpose": entry.purpose, "recipient": entry.recipient,
        "message_id": message.msgId, "smtp_reply": smtp_reply, "attempt": entry.attempts,
        "sent_at": now.isoformat(),
    })
    append_events(conn, entry.reference or CHAIN_REFERENCE,
                  [*kept_pdf, sent, *_kept_email(conn, entry, message)], head=head)
    if entry.reference is not None:
        owe_webhooks(conn, entry.reference, WebhookEvent.ACKNOWLEDGEMENT_SENT, {
            "purpose": entry.purpose, "attempt": entry.attempts,
            "sent_at": now.isoformat()}, now)


def _kept_email(
    conn: SAConnection, entry: outbox.Entry, message: FrozenMessage,
) -> list[tuple[EventType, dict[str, Any]]]:
    """The acknowledgement, or a decision's notice, as sent, kept once (the first one sent
    stays the one kept): its stored event, for the caller to append after the sent event;
    none for other messages."""
    kept = _kept_as(entry)
    if kept is None or entry.reference is None:
        return []
    kind, event, data = kept
    digest = keep_with(conn, entry.reference, kind, message.as_bytes())
    if digest is None:
        return []
    return [(event, {"message_id": message.msgId, "sha256": digest, **data})]


def _kept_as(entry: outbox.Entry) -> tuple[str, EventType, dict[str, Any]] | None:
    """The kind a message is kept under, its stored event and what that event adds."""
    if entry.purpose == Purpose.ACKNOWLEDGEMENT:
        return DocumentKind.ACKNOWLEDGEMENT_EML, EventType.ACKNOWLEDGEMENT_EML_STORED, {}
    if entry.purpose == Purpose.DECISION_NOTICE and entry.event_seq is not None:
        return (notice_kind(entry.event_seq), EventType.DECISION_NOTICE_EML_STORED,
                {"event_seq": entry.event_seq})
    return None


def _record_failure(entry: outbox.Entry, exc: Exception) -> bool:
    error = describe(exc)
    final = (is_permanent(exc) or isinstance(exc, outbox.AttemptsExhausted)
             or entry.attempts >= config_value("DELIVERY_MAX_ATTEMPTS"))
    retry_at = utcnow() + outbox.backoff(entry.attempts,
                                         config_value("DELIVERY_BACKOFF_SECONDS"))
    log.warning("%s %s to %s failed (attempt %s%s): %s", entry.purpose, entry.reference,
                entry.recipient, entry.attempts, ", final" if final else "", error)

    def record() -> None:
        with state().engine.begin() as conn:
            _failed(conn, entry, error, final, retry_at)

    retried(record, f"recording {entry.purpose} {entry.reference} failed")
    if entry.reference is None:
        return final
    tell_the_shop(receipt_failed, current_app._get_current_object(),  # type: ignore[attr-defined]
                  reference=entry.reference, purpose=entry.purpose, recipient=entry.recipient,
                  error=error, attempts=entry.attempts, final=final)
    return final


def _failed(
    conn: SAConnection, entry: outbox.Entry, error: str, final: bool, retry_at: datetime,
) -> None:
    """In one transaction: the outbox entry failed or pending again, its failed event and,
    when final, the webhooks owed."""
    if not outbox.mark_failed(conn, entry, error, final=final, retry_at=retry_at):
        _claim_lost(entry)
    append_event(conn, entry.reference or CHAIN_REFERENCE, _failed_type(entry), {
        "purpose": entry.purpose, "recipient": entry.recipient, "error": error,
        "message_id": entry.message_id, "attempt": entry.attempts, "final": final,
        "retry_at": _iso(None if final else retry_at),
    })
    if final and entry.reference is not None:
        owe_webhooks(conn, entry.reference, WebhookEvent.ACKNOWLEDGEMENT_FAILED, {
            "purpose": entry.purpose, "attempts": entry.attempts, "final": True},
            utcnow())


def _claim_lost(entry: outbox.Entry) -> None:
    """The attempt outlived its lease (``WITHDRAWAL_DELIVERY_LEASE``): another worker took the
    entry over and records its own attempt; this one's outcome still goes into the chain."""
    log.warning("%s %s to %s outlived its lease (attempt %s): another worker took it over",
                entry.purpose, entry.reference, entry.recipient, entry.attempts)


def _sent_type(entry: outbox.Entry) -> EventType:
    return EventType.ANCHOR_SENT if entry.reference is None else EventType.ACKNOWLEDGEMENT_SENT


def _failed_type(entry: outbox.Entry) -> EventType:
    return (EventType.ANCHOR_FAILED if entry.reference is None
            else EventType.ACKNOWLEDGEMENT_FAILED)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def describe(exc: Exception) -> str:
    """``SMTP 550: mailbox unavailable`` rather than a Python repr."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code}: {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: SMTP {code} {msg.decode('utf-8', 'replace')}"
                         for rcpt, (code, msg) in exc.recipients.items())
    if isinstance(exc, OSError | socket.timeout):
        return f"connection failed: {exc.__class__.__name__}: {exc}"
    return f"{exc.__class__.__name__}: {exc}"


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer will not change by trying again; everything else might."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _msg in exc.recipients.values())
    return False


def deliver_in_background(
    app: Flask, reference: str, statement: StoredStatement | None = None,
) -> None:
    """Right after commit: try the statement's messages without making the consumer wait
    (``statement``: as just written, so it is not read back)."""
    state(app).submit(lambda: _deliver_with_context(app, reference, statement))


def _deliver_with_context(
    app: Flask, reference: str, statement: StoredStatement | None,
) -> None:
    with app.app_context():
        try:
            deliver_due(reference=reference, statement=statement)
        except Exception:  # the outbox keeps the entry; the worker retries it
            log.exception("background delivery of %s failed", reference)
