"""The statement list's filters and rows: what a search matches, and what each row shows
(the statement, its lines, its acknowledgement's delivery and its decision state). Pages and
batches in order are in ``paging``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Engine,
    Row,
    Select,
    and_,
    or_,
    select,
    true,
)

from ..storage.tables import decisions_index, ledger, outbox, statements


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; empty values do not filter. ``since``/``until`` are whole
    days of the trader's calendar, both included."""

    reference: str = ""
    email: str = ""
    order_number: str = ""
    name: str = ""
    since: date | None = None
    until: date | None = None
    matched: bool | None = None
    flag: str = ""
    decision: str = ""  # undecided, accepted, rejected, refunded, key-revoked
    refund: str = ""  # due, overdue

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links to pages and exports)."""
        args: dict[str, str] = {}
        for key, value in asdict(self).items():
            if isinstance(value, bool):
                args[key] = "yes" if value else "no"
            elif isinstance(value, date):
                args[key] = value.isoformat()
            elif value:
                args[key] = str(value)
        return args


@dataclass(frozen=True)
class Scope:
    """What a filter needs from the app: the trader's zone for day bounds, today for refunds."""

    zone: ZoneInfo
    today: date


def conditions(filters: Filters, scope: Scope) -> list[ColumnElement[bool]]:
    """The WHERE clauses for these filters."""
    found = _identity_conditions(filters) + _time_conditions(filters, scope)
    if filters.matched is not None:
        found.append(statements.c.order_matched == filters.matched)
    if filters.flag.strip():
        flag = json.dumps(filters.flag.strip())
        found.append(statements.c.flags.contains(flag, autoescape=True))
    return found + _decision_conditions(filters, scope)


def _identity_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.reference.strip():
        found.append(statements.c.reference == filters.reference.strip().upper())
    if filters.email.strip():
        found.append(statements.c.email_lower == filters.email.strip().lower())
    if filters.order_number.strip():
        found.append(statements.c.order_number == filters.order_number.strip())
    if filters.name.strip():
        found.append(statements.c.name.icontains(filters.name.strip(), autoescape=True))
    return found


def _time_conditions(filters: Filters, scope: Scope) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.since is not None:
        found.append(statements.c.submitted_at >= day_start(filters.since, scope.zone))
    if filters.until is not None:
        end = day_start(filters.until + timedelta(days=1), scope.zone)
        found.append(statements.c.submitted_at < end)
    return found


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _decision_conditions(filters: Filters, scope: Scope) -> list[ColumnElement[bool]]:
    state = decisions_index.c.state
    found: list[ColumnElement[bool]] = []
    if filters.decision == "undecided":
        found.append(or_(state.is_(None), state == "undecided"))
    elif filters.decision == "key-revoked":
        found.append(decisions_index.c.key_revoked_at.is_not(None))
    elif filters.decision:
        found.append(state == filters.decision)
    if filters.refund in ("due", "overdue"):
        due = decisions_index.c.refund_due
        found += [state == "accepted",
                  due >= scope.today if filters.refund == "due" else due < scope.today]
    return found


def base_select(filters: Filters, scope: Scope) -> Select[Any]:
    """Statements with their entry and decision state, filtered, in no order yet."""
    return (
        select(statements, ledger.c.body, ledger.c.erased, ledger.c.hash,
               decisions_index.c.state.label("decision_state"), decisions_index.c.refund_due,
               decisions_index.c.refunded_on, decisions_index.c.key_revoked_at)
        .select_from(
            statements.join(ledger, ledger.c.seq == statements.c.seq)
            .outerjoin(decisions_index,
                       decisions_index.c.reference == statements.c.reference)
        )
        .where(and_(true(), *conditions(filters, scope)))
    )


def matching_seqs(filters: Filters, scope: Scope) -> Select[Any]:
    """Only the positions of the matching statements: no entry bodies to join."""
    return (
        select(statements.c.seq)
        .select_from(statements.outerjoin(
            decisions_index, decisions_index.c.reference == statements.c.reference))
        .where(and_(true(), *conditions(filters, scope)))
    )


@dataclass(frozen=True)
class Delivery:
    """The acknowledgement's delivery, from its latest outbox entry."""

    status: str  # pending, sent, failed
    attempts: int
    sent_at: datetime | None
    message_id: str | None
    last_error: str | None
    entries: int


@dataclass(frozen=True)
class StatementRow:
    reference: str
    seq: int
    entry_hash: str
    submitted_at: datetime
    name: str
    email: str
    order_number: str | None
    order_matched: bool
    locale: str
    flags: list[str]
    lines: list[dict[str, Any]]
    description: str
    erased: bool
    decision: str
    refund_due: date | None
    refunded_on: date | None
    key_revoked_at: datetime | None
    delivery: Delivery | None = field(default=None)

    def refund_overdue(self, today: date) -> bool:
        return (self.decision == "accepted" and self.refund_due is not None
                and self.refund_due < today)


def to_row(row: Row[Any], delivery: Delivery | None) -> StatementRow:
    content = json.loads(row.body).get("content") or {}
    return StatementRow(
        reference=row.reference, seq=row.seq, entry_hash=row.hash,
        submitted_at=row.submitted_at, name=row.name, email=row.email,
        order_number=row.order_number, order_matched=row.order_matched, locale=row.locale,
        flags=list(json.loads(row.flags or "[]")), lines=_lines(content),
        description=str(content.get("contract_description") or ""),
        erased="content" in json.loads(row.erased or "{}"),
        decision=row.decision_state or "undecided", refund_due=row.refund_due,
        refunded_on=row.refunded_on, key_revoked_at=row.key_revoked_at, delivery=delivery,
    )


def _lines(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"line_id": line.get("line_id"), "title": line.get("title"),
         "quantity": line.get("quantity", 1),
         "status": (line.get("assessment") or {}).get("status"),
         "deadline": (line.get("assessment") or {}).get("deadline")}
        for line in content.get("lines") or []
    ]


def deliveries(engine: Engine, references: Sequence[str]) -> dict[str, Delivery]:
    """The acknowledgement delivery of each statement, in one query."""
    if not references:
        return {}
    query = (
        select(outbox).where(outbox.c.reference.in_(list(references)),
                             outbox.c.purpose == "acknowledgement")
        .order_by(outbox.c.id)
    )
    found: dict[str, Delivery] = {}
    with engine.connect() as conn:
        for entry in conn.execute(query):
            earlier = found.get(entry.reference)
            found[entry.reference] = Delivery(
                status=entry.status, attempts=entry.attempts, sent_at=entry.sent_at,
                message_id=entry.message_id, last_error=entry.last_error,
                entries=(earlier.entries if earlier else 0) + 1,
            )
    return found


def fetch(engine: Engine, query: Select[Any]) -> list[StatementRow]:
    """The rows of ``query`` (a ``base_select``) with their deliveries."""
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    states = deliveries(engine, [row.reference for row in rows])
    return [to_row(row, states.get(row.reference)) for row in rows]
