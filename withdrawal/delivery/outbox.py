"""The outbox: one row per message owed for a statement (or, with no reference, for an anchor
of the chain: ``anchor_id``).

A row is claimed by one worker only, on every database: a single ``UPDATE ... WHERE id IN
(SELECT ... due ...) RETURNING`` gives it a claim token and pushes its next attempt past the
lease. SQLite runs that statement under its write lock, so two processes cannot both take a
row; PostgreSQL's subquery skips the rows another worker holds (``FOR UPDATE SKIP LOCKED``).
The outcome is recorded only by the holder of the claim, which then clears the token.

A token still set when the lease has passed is a claim never finished: the worker died while
sending, perhaps after the SMTP server accepted the message. Another worker takes it over,
recording the unfinished attempt in the chain first (``acknowledgement-interrupted``,
``anchor-interrupted`` or ``webhook-interrupted``). Each message gets its Message-ID when it is
first claimed and keeps it, so a message sent twice that way arrives twice under one
Message-ID (and the chain names both attempts)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update

from ..statement import CHAIN_REFERENCE, EventType, Purpose
from ..storage.chain import lock_head
from ..storage.statements import append_event, utcnow
from ..storage.tables import outbox
from ..storage.transient import retried

#: How long a claimed entry is reserved for the worker that claimed it, unless the caller says
#: otherwise (``WITHDRAWAL_DELIVERY_LEASE``). A worker that dies mid-send leaves the entry to
#: be taken over after this lease.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Entry:
    id: int
    reference: str | None  # None: a message about the chain (``anchor_id``), not a statement
    purpose: str
    recipient: str
    attempts: int
    link_base: str | None = None
    payload: str | None = None  # a webhook's body
    message_id: str | None = None  # the Message-ID (a webhook's id), the same every attempt
    anchor_id: int | None = None
    event_seq: int | None = None  # the decision a decision notice is about
    claim: str | None = None  # the token of the claim this worker holds


COLUMNS = (outbox.c.id, outbox.c.reference, outbox.c.purpose, outbox.c.recipient,
           outbox.c.attempts, outbox.c.link_base, outbox.c.payload, outbox.c.message_id,
           outbox.c.anchor_id, outbox.c.event_seq, outbox.c.claim_token)


def claim_due(
    engine: Engine, *, limit: int = 20, reference: str | None = None,
    now: datetime | None = None, lease: timedelta = LEASE, domain: str = "localhost",
) -> list[Entry]:
    """Claim up to ``limit`` due entries (optionally of one statement) for ``lease``: first
    those whose claim was never finished, then pending ones. ``domain``: of the Message-ID
    an entry gets when it is first claimed."""
    now, token = now or utcnow(), secrets.token_hex(16)
    claim = _Claim(engine, reference, now, lease, token, domain)
    entries = (retried(lambda: claim.take_over(limit), "taking over unfinished claims")
               if claim.unfinished() else [])
    if len(entries) < limit:
        rest = limit - len(entries)
        entries += retried(lambda: claim.pending(rest), "claiming due messages")
    return entries


@dataclass(frozen=True)
class _Claim:
    """One worker's claim: its token, instant, lease, and the domain of new Message-IDs."""

    engine: Engine
    reference: str | None
    now: datetime
    lease: timedelta
    token: str
    domain: str

    def due(self, columns: Any, limit: int, *, unfinished: bool) -> Any:
        token = outbox.c.claim_token
        query = (
            select(*columns)
            .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= self.now,
                   token.is_not(None) if unfinished else token.is_(None))
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        if self.reference is not None:
            query = query.where(outbox.c.reference == self.reference)
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return query

    def values(self) -> dict[str, Any]:
        return {"next_attempt_at": self.now + self.lease, "attempts": outbox.c.attempts + 1,
                "claim_token": self.token, "claimed_at": self.now}

    def pending(self, limit: int) -> list[Entry]:
        """Claim pending entries in one statement that two workers cannot both win."""
        due = self.due([outbox.c.id], limit, unfinished=False)
        query = (update(outbox).where(outbox.c.id.in_(due)).values(**self.values())
                 .returning(*COLUMNS))
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            entries = [self.identified(conn, _entry(row)) for row in rows]
        return sorted(entries, key=lambda entry: entry.id)

    def unfinished(self) -> bool:
        """Whether a claim waits to be taken over (read without the head's lock: the common
        answer, no, costs nothing)."""
        with self.engine.connect() as conn:
            waiting = conn.execute(self.due([outbox.c.id], 1, unfinished=True)).first()
        return waiting is not None

    def take_over(self, limit: int) -> list[Entry]:
        """Claim entries whose lease passed unfinished, each recorded as interrupted in the
        same transaction. The chain's head is locked first (SQLite's write lock, PostgreSQL's
        row), so takers are serialised and what they read stays true until they commit."""
        with self.engine.begin() as conn:
            lock_head(conn)
            query = self.due([*COLUMNS, outbox.c.claimed_at], limit, unfinished=True)
            rows = conn.execute(query).all()
            if not rows:
                return []
            conn.execute(update(outbox).where(outbox.c.id.in_([row.id for row in rows]))
                         .values(**self.values()))
            for row in rows:
                _record_interrupted(conn, row)
            return [self.identified(conn, replace(_entry(row), attempts=row.attempts + 1,
                                                  claim=self.token)) for row in rows]

    def identified(self, conn: Connection, entry: Entry) -> Entry:
        """The entry with its Message-ID, made and stored when it is first claimed (in the
        claim's transaction: the message is never sent under another)."""
        if entry.message_id is not None:
            return entry
        message_id = make_msgid(domain=self.domain)
        conn.execute(update(outbox).where(outbox.c.id == entry.id)
                     .values(message_id=message_id))
        return replace(entry, message_id=message_id)


def _record_interrupted(conn: Connection, row: Row[Any]) -> None:
    """The attempt whose outcome nobody recorded: it may have reached the recipient."""
    attempt = {"attempt": row.attempts, "claimed_at": _iso(row.claimed_at)}
    if row.purpose == Purpose.WEBHOOK and row.reference is not None:
        append_event(conn, row.reference, EventType.WEBHOOK_INTERRUPTED, {
            "url": row.recipient, "webhook_id": row.message_id, **attempt})
        return
    data = {"purpose": row.purpose, "recipient": row.recipient, "message_id": row.message_id,
            **attempt}
    if row.reference is None:
        append_event(conn, CHAIN_REFERENCE, EventType.ANCHOR_INTERRUPTED, data)
    else:
        append_event(conn, row.reference, EventType.ACKNOWLEDGEMENT_INTERRUPTED, data)


def _entry(row: Row[Any]) -> Entry:
    """An entry from a row as the claim left it (``attempts`` counts this attempt)."""
    return Entry(row.id, row.reference, row.purpose, row.recipient, row.attempts,
                 row.link_base, row.payload, row.message_id, row.anchor_id, row.event_seq,
                 row.claim_token)


def _ours(entry: Entry) -> Any:
    """The entry's row, while the claim is still this worker's."""
    mine = outbox.c.id == entry.id
    return mine if entry.claim is None else mine & (outbox.c.claim_token == entry.claim)


class AttemptsExhausted(RuntimeError):
    """An entry taken over after its last allowed attempt was interrupted: it is failed for
    good, not tried again (the worker may have died of this very message, every time)."""


def exhausted(entry: Entry, max_attempts: int) -> AttemptsExhausted | None:
    """Why ``entry`` is not to be tried again, or None. A claim counts an attempt, and only a
    take-over can count one past the limit: the failures before it stopped at the limit."""
    if entry.attempts <= max_attempts:
        return None
    return AttemptsExhausted(f"not tried again: attempt {max_attempts} of {max_attempts} "
                             "was interrupted")


def release(engine: Engine, entries: list[Entry]) -> None:
    """Give back claimed entries this worker has not attempted: due again at once for any
    worker (this one too) to claim afresh, their claim's attempt not counted, nothing in the
    chain (nothing was tried). Entries another worker took over meanwhile stay its own."""
    with engine.begin() as conn:
        for entry in entries:
            conn.execute(update(outbox).where(_ours(entry)).values(
                claim_token=None, attempts=outbox.c.attempts - 1, next_attempt_at=utcnow()))


def mark_sent(
    conn: Connection, entry: Entry, message_id: str, at: datetime,
    smtp_reply: str | None = None,
) -> bool:
    """Record the message sent, with the attempt that sent it; False when the claim was lost
    (its lease passed and another worker took the entry over). A message sent under a lost
    claim is still recorded sent unless another attempt recorded it sent first: it did reach
    the server, and the row must say what the chain's sent event says (``verify``'s outbox
    check); the other worker's outcome then changes the row no more."""
    values = {"status": "sent", "sent_at": at, "message_id": message_id, "last_error": None,
              "smtp_reply": smtp_reply, "claim_token": None, "attempts": entry.attempts}
    if conn.execute(update(outbox).where(_ours(entry)).values(**values)).rowcount:
        return True
    unsent = (outbox.c.id == entry.id) & (outbox.c.status != "sent")
    conn.execute(update(outbox).where(unsent).values(**values))
    return False


def mark_failed(
    conn: Connection, entry: Entry, error: str, *, final: bool, retry_at: datetime,
) -> bool:
    """Record a failed attempt; False when the claim was lost (see ``mark_sent``)."""
    result = conn.execute(update(outbox).where(_ours(entry)).values(
        status="failed" if final else "pending", last_error=error[:2000],
        next_attempt_at=retry_at, claim_token=None,
    ))
    return bool(result.rowcount)


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """Exponential: base, 2×base, 4×base... capped at a day."""
    return timedelta(seconds=min(base_seconds * 2 ** (attempts - 1), 86400))


def pending_count(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
        return int(conn.execute(query).scalar_one())


@dataclass(frozen=True)
class Waiting:
    """Messages due for longer than a worker would leave them: none sends them (no worker
    runs) or the workers cannot keep up. ``since``: when the oldest fell due."""

    count: int
    since: datetime | None


def waiting(engine: Engine, longer_than: timedelta, now: datetime | None = None) -> Waiting:
    """Pending messages due for more than ``longer_than`` (read from the due index)."""
    cutoff = (now or utcnow()) - longer_than
    query = (select(func.count(), func.min(outbox.c.next_attempt_at))
             .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= cutoff))
    with engine.connect() as conn:
        count, since = conn.execute(query).one()
    return Waiting(int(count), since if count else None)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
