"""Recording statements and their events. A statement is written once, in one transaction with
its acknowledgement's outbox entries; everything after is an appended event."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select

from ..eligibility import period_ended
from ..statement import (
    CONTENT_FIELD,
    EventType,
    Flag,
    Purpose,
    StatementContent,
    content_hash,
    is_erased,
)
from .chain import Entry, append, lock_head
from .engine import Source, connected
from .hours import count_statement
from .tables import ledger, outbox, statement_lines, statements

#: Crockford's base32 without the letters people misread (I, L, O, U).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """``W-7K3M-9QX2``: 40 random bits, easy to read out on the phone."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"W-{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class Recipient:
    """Who a message is owed to; a webhook also has its body and id from the start."""

    purpose: Purpose
    address: str
    payload: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class StoredStatement:
    reference: str
    content: StatementContent
    content_hash: str
    seq: int
    entry_hash: str
    submitted_at: datetime
    erased: bool = False  # personal data erased under retention (``flask withdrawal purge``)


#: Builds the statement's content at the server's instant of submission, given the lines that
#: earlier statements already cover (line_id -> reference).
ContentBuilder = Callable[[datetime, Mapping[str, str], str], StatementContent]


def utcnow() -> datetime:
    return datetime.now(UTC)


def record_statement(
    engine: Engine,
    *,
    submission_key: str,
    order_number: str | None,
    build: ContentBuilder,
    recipients: Callable[[StatementContent], Sequence[Recipient]],
    link_base: str | None = None,
    reference: str | None = None,
    recorded: Callable[[StoredStatement], None] | None = None,
) -> tuple[str, bool]:
    """Record the statement once per ``submission_key``: returns (reference, created).
    ``reference``: one allocated beforehand (kept unless another statement has it).
    ``recorded``: given the statement as written (before the commit), so that what follows
    the commit need not read it back."""
    with engine.begin() as conn:
        head = lock_head(conn)
        existing, taken = _claimed(conn, submission_key, reference)
        if existing:
            return existing, False
        now = utcnow()
        if reference is None or taken:
            reference = _unused_reference(conn)
        content = build(now, withdrawn_lines(conn, order_number), reference)
        entry = _record(conn, head, content, submission_key, recipients, link_base, now, now)
        if recorded is not None:
            recorded(StoredStatement(reference, content, content_hash(content), entry.seq,
                                     entry.hash, now))
    return reference, True


def record_spooled(
    engine: Engine,
    *,
    submission_key: str,
    content: StatementContent,
    recipients: Callable[[StatementContent], Sequence[Recipient]],
    link_base: str | None = None,
) -> tuple[str, bool]:
    """Record a statement built earlier (it waited in the spool): its content, submission time
    and reference are kept; the chain entry is dated now. Once per ``submission_key``: returns
    (reference, created). Should another statement hold its reference (a one in 2^40 chance
    per statement), it gets a new one and the flag ``reference-reissued``."""
    with engine.begin() as conn:
        head = lock_head(conn)
        existing, taken = _claimed(conn, submission_key, content["reference"])
        if existing:
            return existing, False
        if taken:
            content = content.copy()
            content["reference"] = _unused_reference(conn)
            content["flags"] = sorted({*content["flags"], str(Flag.REFERENCE_REISSUED)})
        submitted_at = datetime.fromisoformat(content["submitted_at"])
        _record(conn, head, content, submission_key, recipients, link_base, utcnow(),
                submitted_at)
    return content["reference"], True


def _record(
    conn: Connection, head: Entry, content: StatementContent, key: str,
    recipients: Callable[[StatementContent], Sequence[Recipient]], link_base: str | None,
    now: datetime, submitted_at: datetime,
) -> Entry:
    reference = content["reference"]
    entry = append(conn, kind="statement", reference=reference,
                   body={CONTENT_FIELD: content}, recorded_at=now, head=head)
    _index(conn, content, entry.seq, key, submitted_at)
    owe_messages(conn, reference, recipients(content), link_base=link_base, now=now)
    return entry


def owe_message(
    conn: Connection, reference: str, recipient: Recipient, *, link_base: str | None,
    now: datetime, event_seq: int | None = None,
) -> int:
    """One more outbox entry for ``reference``, due at once; returns its id. ``event_seq``:
    the chain entry the message is about (a decision notice)."""
    row = _outbox_row(reference, recipient, link_base, now, event_seq)
    result = conn.execute(insert(outbox).values(**row))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def owe_messages(
    conn: Connection, reference: str, recipients: Sequence[Recipient], *,
    link_base: str | None, now: datetime,
) -> None:
    """The outbox entries of a new statement, in one multi-row INSERT."""
    rows = [_outbox_row(reference, r, link_base, now, None) for r in recipients]
    if rows:
        conn.execute(insert(outbox).values(rows))


def _outbox_row(
    reference: str, recipient: Recipient, link_base: str | None, now: datetime,
    event_seq: int | None,
) -> dict[str, Any]:
    return {"reference": reference, "purpose": str(recipient.purpose),
            "recipient": recipient.address, "link_base": link_base, "status": "pending",
            "attempts": 0, "next_attempt_at": now, "created_at": now,
            "payload": recipient.payload, "message_id": recipient.message_id,
            "event_seq": event_seq}


def reference_for_key(engine: Engine, key: str) -> str | None:
    """The statement already recorded for this submission key, if any (R20)."""
    with engine.connect() as conn:
        return _reference_for_key(conn, key)


def _reference_for_key(conn: Connection, key: str) -> str | None:
    query = select(statements.c.reference).where(statements.c.submission_key == key)
    return conn.execute(query).scalar_one_or_none()


def _claimed(
    conn: Connection, key: str, reference: str | None,
) -> tuple[str | None, bool]:
    """In one query: the statement already recorded under ``key`` (R20), and whether another
    statement holds ``reference``."""
    match = statements.c.submission_key == key
    if reference is not None:
        match = or_(match, statements.c.reference == reference)
    rows = conn.execute(
        select(statements.c.reference, statements.c.submission_key).where(match)).all()
    existing = next((row.reference for row in rows if row.submission_key == key), None)
    return existing, any(row.reference == reference for row in rows)


def _reference_taken(conn: Connection, reference: str) -> bool:
    taken = select(statements.c.reference).where(statements.c.reference == reference)
    return conn.execute(taken).first() is not None


def _unused_reference(conn: Connection) -> str:
    while True:
        reference = new_reference()
        if not _reference_taken(conn, reference):
            return reference


def _index(
    conn: Connection, content: StatementContent, seq: int, key: str, submitted_at: datetime,
) -> None:
    """The statement's index row, its lines, and one more in its hour's count (``hours``)."""
    conn.execute(insert(statements).values(
        reference=content["reference"], seq=seq, submission_key=key, submitted_at=submitted_at,
        name=content["name"], email=content["email"], email_lower=content["email"].lower(),
        order_number=content["order_number"], order_matched=content["order_matched"],
        locale=content["locale"], flags=json.dumps(content["flags"]),
    ))
    count_statement(conn, content, submitted_at)
    order_number = content["order_number"]
    if not content["order_matched"] or order_number is None:
        return
    lines = [{"reference": content["reference"], "order_number": order_number,
              **indexed_line(position, line)}
             for position, line in enumerate(content["lines"])]
    if lines:
        conn.execute(insert(statement_lines).values(lines))


def indexed_line(position: int, line: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded line's columns in ``statement_lines`` (besides reference and order)."""
    assessment = line.get("assessment") or {}
    return {"line_id": str(line.get("line_id")), "status": str(assessment.get("status")),
            "position": position, "title": line.get("title"),
            "quantity": line.get("quantity", 1), "deadline": assessment.get("deadline"),
            "period_ended": period_ended(assessment)}


def withdrawn_lines(conn: Connection, order_number: str | None) -> dict[str, str]:
    """Lines of this order that an earlier statement covers: line_id -> first reference."""
    if not order_number:
        return {}
    rows = conn.execute(
        select(statement_lines.c.line_id, statement_lines.c.reference)
        .join(statements, statements.c.reference == statement_lines.c.reference)
        .where(statement_lines.c.order_number == order_number)
        .order_by(statements.c.seq.desc())
    )
    return {row.line_id: row.reference for row in rows}


def load_statement(engine: Engine, reference: str) -> StoredStatement | None:
    """The statement as recorded, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(ledger.c.seq, ledger.c.hash, ledger.c.body, ledger.c.erased,
                   statements.c.submitted_at)
            .join(statements, statements.c.seq == ledger.c.seq)
            .where(statements.c.reference == reference)
        ).first()
    if row is None:
        return None
    content: StatementContent = json.loads(row.body)[CONTENT_FIELD]
    return StoredStatement(
        reference=reference, content=content, content_hash=content_hash(content),
        seq=row.seq, entry_hash=row.hash, submitted_at=row.submitted_at,
        erased=is_erased(row.erased),
    )


def append_event(
    engine: Engine | Connection, reference: str, event_type: EventType,
    data: Mapping[str, Any],
) -> int:
    """Append a later fact (delivery, decision, resend) about a statement to the chain."""
    if isinstance(engine, Connection):
        return _append_event(engine, reference, event_type, data)
    with engine.begin() as conn:
        return _append_event(conn, reference, event_type, data)


def _append_event(
    conn: Connection, reference: str, event_type: EventType, data: Mapping[str, Any],
) -> int:
    return append_events(conn, reference, [(event_type, data)])[-1]


def append_events(
    conn: Connection, reference: str, events: Sequence[tuple[EventType, Mapping[str, Any]]],
    *, head: Entry | None = None,
) -> list[int]:
    """Append facts about one statement that belong together (a delivery's outcome and the
    e-mail kept with it) under one head lock, in this transaction, in the given order;
    returns their sequence numbers. ``head``: what ``lock_head`` returned when the caller
    took the lock already in this transaction."""
    head, now, seqs = head or lock_head(conn), utcnow(), []
    for event_type, data in events:
        body = {"type": str(event_type), "data": dict(data)}
        head = append(conn, kind="event", reference=reference, body=body, recorded_at=now,
                      head=head)
        seqs.append(head.seq)
    return seqs


def events_of(source: Source, reference: str) -> list[dict[str, Any]]:
    """The statement's events in chain order: seq, recorded_at, type, data, hash."""
    with connected(source) as conn:
        rows = conn.execute(
            select(ledger).where(ledger.c.reference == reference, ledger.c.kind == "event")
            .order_by(ledger.c.seq)
        ).all()
    return [
        {"seq": r.seq, "recorded_at": r.recorded_at, "hash": r.hash, **json.loads(r.body)}
        for r in rows
    ]
