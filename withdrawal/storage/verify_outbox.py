"""``verify``'s check of the outbox against the chain. The audit pages and the export show a
message's delivery from its outbox row (sent at, failed for good); the chain records the same
outcome as an event, appended in the transaction that wrote the row. An insider who marks a
failed acknowledgement sent in the outbox, or a sent one failed or pending, changes what the
compliance officer reads while the chain stays whole: this finds it.

- Every delivery recorded in the chain (``acknowledgement-sent``, ``anchor-sent``,
  ``webhook-sent``) has its outbox row, found by its Message-ID (a webhook's id), and that row
  says sent, or failed (a bounce came later): a worker whose claim was taken over still
  records its message sent (``delivery.outbox.mark_sent``).
- Every failure for good (``final``; a bounce) has a row of its message that says failed, or
  sent (by another attempt), or is being sent again.
- Every statement owes its acknowledgement: the outbox row written with it is there, in
  whatever state (a deleted pending row would never be sent, and nothing else would miss it).
- Every row that says sent or failed is the outcome of such an event: its instant, attempt,
  recipient and reply (or error) are the event's. The walk counts, batch by batch, the sent
  events their row matches (one per row: the instant is the row's own; an event of a claim
  taken over does not match) and keeps the ids of the failed rows matched (few; a bounce may
  be reported twice); the rows that say sent or failed are counted once at the end. Only when
  the counts differ are the rows walked again to name the first one no event backs.

A pending row's attempts and last error are not checked: they describe a delivery still under
way, which the chain records attempt by attempt. Erased rows (retention) keep no recipient or
error to compare."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, or_, select

from ..statement import CHAIN_REFERENCE, ERASED, EventType, Purpose
from .tables import ledger, outbox

_SENT = {EventType.ACKNOWLEDGEMENT_SENT, EventType.ANCHOR_SENT, EventType.WEBHOOK_SENT}
_FAILED = {EventType.ACKNOWLEDGEMENT_FAILED, EventType.ANCHOR_FAILED, EventType.WEBHOOK_FAILED}
_WEBHOOK = {EventType.WEBHOOK_SENT, EventType.WEBHOOK_FAILED}
_BOUNCED = {EventType.ACKNOWLEDGEMENT_BOUNCED}
#: The outbox states that claim an outcome.
FINISHED = ("sent", "failed")
#: Rows per batch when the rows are walked to name one no event backs.
BATCH = 500


@dataclass(frozen=True)
class Outcome:
    """A delivery's outcome as the chain recorded it."""

    seq: int
    reference: str | None  # None: an anchor's e-mail (recorded under ``CHAIN_REFERENCE``)
    sent: bool
    final: bool
    purpose: str
    recipient: str | None
    message_id: str | None  # None: a failure recorded before failures named it
    attempt: Any
    at: datetime | None  # sent_at
    reply: str | None  # the SMTP reply (sent) or the error (failed)
    bounce: bool = False  # a failure reported after the message left (``delivery.bounces``)

    @classmethod
    def of(cls, seq: int, reference: str, body: dict[str, Any]) -> Outcome | None:
        kind = body.get("type")
        data = body.get("data")
        data = data if isinstance(data, dict) else {}
        if kind in _BOUNCED or (kind == EventType.ANCHOR_FAILED and "action" in data):
            return cls._bounce(seq, reference, data)
        if kind not in _SENT and kind not in _FAILED:
            return None
        sent, webhook = kind in _SENT, kind in _WEBHOOK
        return cls(
            seq, _about(reference), sent, sent or data.get("final") is True,
            Purpose.WEBHOOK if webhook else str(data.get("purpose")),
            data.get("url" if webhook else "recipient"),
            data.get("webhook_id" if webhook else "message_id"), data.get("attempt"),
            _instant(data.get("sent_at")),
            data.get("smtp_reply") if sent else data.get("error"))

    @classmethod
    def _bounce(cls, seq: int, reference: str, data: dict[str, Any]) -> Outcome:
        """A bounce: the row failed with the error ``delivery.bounces`` wrote."""
        error = data.get("error")
        if error != ERASED:
            error = f"bounced: {data.get('status')} {error}".strip()
        return cls(seq, _about(reference), False, True, str(data.get("purpose")),
                   data.get("recipient"), data.get("message_id"), None, None, error, True)

    def where(self) -> str:
        return f"entry {self.seq} ({self.purpose} of {self.reference or CHAIN_REFERENCE})"

    def is_outcome_of(self, row: Any) -> bool:
        """Whether ``row`` records this outcome (and no other attempt's)."""
        if row.status != ("sent" if self.sent else "failed"):
            return False
        if row.reference != self.reference or row.purpose != self.purpose:
            return False
        if self.bounce:
            return bool(row.message_id == self.message_id
                        and _same_personal(row.last_error, _error(self.reply), row.recipient))
        if row.attempts != self.attempt \
                or not _same_personal(row.recipient, self.recipient, row.recipient):
            return False
        if self.sent:
            return bool(row.message_id == self.message_id and row.sent_at == self.at
                        and row.smtp_reply == self.reply)
        return bool((self.message_id is None or row.message_id == self.message_id)
                    and _same_personal(row.last_error, _error(self.reply), row.recipient))


@dataclass
class Matched:
    """The outcomes found to be their row's: sent ones counted, failed ones by row."""

    sent: int = 0
    failed: set[int] = field(default_factory=set)

    def add(self, other: Matched) -> None:
        self.sent += other.sent
        self.failed |= other.failed

    def __len__(self) -> int:
        return self.sent + len(self.failed)


def outcome_problems(conn: Connection, outcomes: Sequence[Outcome], matched: Matched) -> list[str]:
    """Problems of one batch's outcomes; those that are their row's added to ``matched``."""
    if not outcomes:
        return []
    problems: list[str] = []
    sent = [outcome for outcome in outcomes if outcome.sent]
    by_id = _rows_by_message_id(conn, sent)
    for outcome in sent:
        row = by_id.get(outcome.message_id)
        if row is None:
            problems.append(f"{outcome.where()}: records a message sent that no outbox row "
                            "holds")
        elif row.status not in FINISHED:
            problems.append(f"{outcome.where()}: records the message sent, its outbox row "
                            f"{row.id} says {row.status}")
        else:
            matched.sent += outcome.is_outcome_of(row)
    final = [outcome for outcome in outcomes if outcome.final and not outcome.sent]
    rows = _rows_of(conn, final)
    for outcome in final:
        candidates = [row for row in rows if _same_message(row, outcome)]
        if not any(row.status in FINISHED or row.claim_token for row in candidates):
            problems.append(f"{outcome.where()}: records the message failed for good, "
                            + ("no outbox row holds it" if not candidates
                               else f"its outbox row {candidates[0].id} says pending"))
        matched.failed.update(row.id for row in candidates if outcome.is_outcome_of(row))
    return problems


def unowed_acknowledgements(conn: Connection, references: Sequence[str]) -> list[str]:
    """The statements of one batch (``references``, in chain order) that owe no
    acknowledgement: each is recorded with its acknowledgement's outbox row in one
    transaction (Art. 11a(4)), and a row deleted would never be sent, nor be missed by the
    worker or ``health``. Retention keeps the rows (it blanks their addresses)."""
    if not references:
        return []
    owed = set(conn.execute(
        select(outbox.c.reference).where(outbox.c.reference.in_(references),
                                         outbox.c.purpose == str(Purpose.ACKNOWLEDGEMENT))
    ).scalars())
    return [f"statement {reference}: owes no acknowledgement (no outbox row holds it)"
            for reference in references if reference not in owed]


@dataclass(frozen=True)
class Unbacked:
    """What the end of the outbox check found: the first row no event backs (a problem), or
    counts that differ with every row backed (``counts``)."""

    row: str | None = None
    counts: str | None = None


def unbacked_rows(conn: Connection, matched: Matched) -> Unbacked:
    """The first outbox row that says sent or failed with no event recording it, when the
    rows that say so are more (or fewer) than the events found to match one.

    Counts that differ while every row is backed are a problem when the walk read this
    snapshot; after ranges walked on SQLite (``verify_ranges``: each reads the database as
    it is when it starts) they are a row that changed meanwhile, a bounce recorded after this
    snapshot began, which the caller notes rather than reports."""
    count = conn.execute(select(func.count()).select_from(outbox)
                         .where(outbox.c.status.in_(FINISHED))).scalar_one()
    if count == len(matched):
        return Unbacked()
    for batch in _finished_rows(conn):
        outcomes = _outcomes_of(conn, batch)
        for row in batch:
            if not any(outcome.is_outcome_of(row) for outcome in outcomes):
                return Unbacked(row=f"outbox row {row.id} ({row.purpose} of "
                                f"{row.reference or CHAIN_REFERENCE}): says {row.status}, "
                                "the chain records no such outcome")
    return Unbacked(counts=f"{count} outbox rows say sent or failed, {len(matched)} events of "
                    "the chain record their outcome")


def _rows_by_message_id(conn: Connection, sent: Sequence[Outcome]) -> dict[str | None, Any]:
    ids = sorted({outcome.message_id for outcome in sent if isinstance(outcome.message_id, str)})
    if not ids:
        return {}
    return {row.message_id: row
            for row in conn.execute(select(outbox).where(outbox.c.message_id.in_(ids)))}


def _rows_of(conn: Connection, outcomes: Sequence[Outcome]) -> list[Row[Any]]:
    """The outbox rows of the statements (or anchors) these outcomes are about."""
    references = sorted({o.reference for o in outcomes if o.reference is not None})
    wanted = [outbox.c.reference.in_(references)] if references else []
    if any(o.reference is None for o in outcomes):
        wanted.append(outbox.c.reference.is_(None))
    if not wanted:
        return []
    return list(conn.execute(select(outbox).where(or_(*wanted)).order_by(outbox.c.id)))


def _same_message(row: Any, outcome: Outcome) -> bool:
    if outcome.message_id is not None:
        return bool(row.message_id == outcome.message_id)
    return bool(row.reference == outcome.reference and row.purpose == outcome.purpose
                and row.attempts == outcome.attempt
                and _same_personal(row.recipient, outcome.recipient, row.recipient))


def _finished_rows(conn: Connection) -> Iterator[list[Row[Any]]]:
    query = (select(outbox).where(outbox.c.status.in_(FINISHED)).order_by(outbox.c.id)
             .execution_options(yield_per=BATCH))
    with conn.execute(query) as result:
        for partition in result.partitions():
            yield list(partition)


def _outcomes_of(conn: Connection, rows: Iterable[Any]) -> list[Outcome]:
    """The outcome events of the statements (or the chain's anchors) of ``rows``: the events
    whose canonical body ends with an outcome's type (the chain check vouches for the
    form)."""
    references = sorted({row.reference or CHAIN_REFERENCE for row in rows})
    kinds = or_(*(ledger.c.body.like(f'%"type":"{kind}"}}')
                  for kind in (*_SENT, *_FAILED, *_BOUNCED)))
    query = (select(ledger.c.seq, ledger.c.reference, ledger.c.body)
             .where(ledger.c.reference.in_(references), ledger.c.kind == "event", kinds))
    found = (Outcome.of(seq, reference, _body(body))
             for seq, reference, body in conn.execute(query))
    return [outcome for outcome in found if outcome is not None]


def _about(reference: str) -> str | None:
    """The outbox's reference of an entry's: none for the chain's own messages (anchors)."""
    return None if reference == CHAIN_REFERENCE else reference


def _same_personal(stored: Any, recorded: Any, recipient: str) -> bool:
    """Equal, unless retention erased the row's personal data (its recipient says so)."""
    return recipient == ERASED or stored == recorded


def _error(error: Any) -> Any:
    """The error as the row keeps it (its first 2 000 characters)."""
    return error[:2000] if isinstance(error, str) else error


def _instant(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _body(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
