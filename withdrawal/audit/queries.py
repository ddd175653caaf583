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
    Connection,
    Engine,
    Row,
    Select,
    and_,
    select,
    true,
)

from ..decisions import decision_json, fold
from ..eligibility import period_ended
from ..storage.decisions import decision_events_of, line_states
from ..storage.tables import ledger, line_decisions, outbox, statements
from . import line_filters, name_search


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
    decision: str = ""  # a line state (undecided, accepted, rejected, refunded), key-revoked,
    # returned: statements with at least one line so
    refund: str = ""  # due, overdue, withheld

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
    trigram_table: bool = False  # SQLite's FTS5 name index is there (``name_search``)
    trigram_index: bool = False  # PostgreSQL's pg_trgm index on the names is there


def conditions(filters: Filters, scope: Scope) -> list[ColumnElement[bool]]:
    """The WHERE clauses for these filters."""
    found = _identity_conditions(filters, scope) + _time_conditions(filters, scope)
    if filters.matched is not None:
        found.append(statements.c.order_matched == filters.matched)
    if filters.flag.strip():
        flag = json.dumps(filters.flag.strip())
        found.append(statements.c.flags.contains(flag, autoescape=True))
    return found + _decision_conditions(filters, scope)


def _identity_conditions(filters: Filters, scope: Scope) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.reference.strip():
        found.append(statements.c.reference == filters.reference.strip().upper())
    if filters.email.strip():
        found.append(statements.c.email_lower == filters.email.strip().lower())
    if filters.order_number.strip():
        found.append(statements.c.order_number == filters.order_number.strip())
    if filters.name.strip():
        found.extend(name_search.conditions(filters.name.strip(), scope.trigram_table))
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
    """Statements with at least one line as asked (round one's whole-statement decisions count
    for every line), except the filter that orders the list (``base_select`` joins it)."""
    return line_filters.other_conditions(filters.decision, filters.refund, scope.today)


def _source(filters: Filters, scope: Scope) -> tuple[Any, list[ColumnElement[bool]]]:
    """The statements, or the decision index joined to them when a filter orders the list."""
    drive = line_filters.driving(filters.decision, filters.refund, scope.today)
    if drive is None:
        return statements, []
    joined = line_decisions.join(statements, statements.c.seq == line_decisions.c.seq)
    return joined, line_filters.first_line(drive)


def base_select(filters: Filters, scope: Scope, columns: Sequence[Any] = ()) -> Select[Any]:
    """Statements with their entry (or only ``columns`` of both), filtered, in no order yet."""
    source, driven = _source(filters, scope)
    return (
        select(*(columns or (statements, ledger.c.body, ledger.c.erased, ledger.c.hash)))
        .select_from(source.join(ledger, ledger.c.seq == statements.c.seq))
        .where(and_(true(), *driven, *conditions(filters, scope)))
    )


def matching_seqs(filters: Filters, scope: Scope) -> Select[Any]:
    """Only the positions of the matching statements: no entry bodies to join."""
    source, driven = _source(filters, scope)
    return (select(statements.c.seq).select_from(source)
            .where(and_(true(), *driven, *conditions(filters, scope))))


@dataclass(frozen=True)
class Delivery:
    """The acknowledgement's delivery, from its latest outbox entry."""

    status: str  # pending, sent, failed
    attempts: int
    sent_at: datetime | None
    message_id: str | None
    last_error: str | None


@dataclass
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
    decision: str  # undecided, accepted, rejected, refunded, or mixed across the lines
    refund_due: date | None
    refunded_on: date | None
    key_revoked_at: datetime | None
    delivery: Delivery | None = field(default=None)
    line_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    decisions: list[dict[str, Any]] = field(default_factory=list)  # decision_json, in order
    today: date | None = None  # the day the row was read for (its overdue state)

    def refund_overdue(self, today: date) -> bool:
        """Some accepted line is past its refund day and may not be withheld any longer."""
        return any(line["state"] == "accepted" and line["refund_due"] is not None
                   and line["refund_due"] < today and not line["withheld"]
                   for line in self.line_states.values())


def to_row(row: Row[Any], delivery: Delivery | None,
           decided: Mapping[str, dict[str, Any]] | None = None) -> StatementRow:
    content = json.loads(row.body).get("content") or {}
    decided = dict(decided or {})
    return StatementRow(
        reference=row.reference, seq=row.seq, entry_hash=row.hash,
        submitted_at=row.submitted_at, name=row.name, email=row.email,
        order_number=row.order_number, order_matched=row.order_matched, locale=row.locale,
        flags=list(json.loads(row.flags or "[]")), lines=_lines(content, decided),
        description=str(content.get("contract_description") or ""),
        erased="content" in json.loads(row.erased or "{}"),
        line_states=decided, delivery=delivery, **decided_fields(decided),
    )


def decided_fields(decided: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """A row's summary of its lines' decisions: the state in one word, the earliest refund
    due, the latest refund and key revocation."""
    if not decided:
        return {"decision": "undecided", "refund_due": None, "refunded_on": None,
                "key_revoked_at": None}
    return {
        "decision": summary_state(decided),
        "refund_due": min((d["refund_due"] for d in decided.values()
                           if d["state"] == "accepted" and d["refund_due"]), default=None),
        "refunded_on": max((d["refunded_on"] for d in decided.values() if d["refunded_on"]),
                           default=None),
        "key_revoked_at": max((d["key_revoked_at"] for d in decided.values()
                               if d["key_revoked_at"]), default=None),
    }


def summary_state(decided: Mapping[str, dict[str, Any]]) -> str:
    """One word for the statement: its lines' state when they share one, else "mixed"."""
    found = {line["state"] for line in decided.values()}
    if not found:
        return "undecided"
    return found.pop() if len(found) == 1 else "mixed"


def _lines(content: Mapping[str, Any],
           decided: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"line_id": line.get("line_id"), "title": line.get("title"),
         "quantity": line.get("quantity", 1),
         "status": (line.get("assessment") or {}).get("status"),
         "deadline": (line.get("assessment") or {}).get("deadline"),
         "period_ended": period_ended(line.get("assessment") or {}),
         "state": (decided.get(str(line.get("line_id"))) or {}).get("state", "undecided")}
        for line in content.get("lines") or []
    ]


def deliveries(engine: Engine, references: Sequence[str]) -> dict[str, Delivery]:
    """The acknowledgement delivery of each statement, in one query."""
    if not references:
        return {}
    with engine.connect() as conn:
        return deliveries_on(conn, references)


def deliveries_on(conn: Connection, references: Sequence[str]) -> dict[str, Delivery]:
    """``deliveries`` on a connection already open."""
    if not references:
        return {}
    query = (
        select(outbox).where(outbox.c.reference.in_(list(references)),
                             outbox.c.purpose == "acknowledgement")
        .order_by(outbox.c.id)
    )
    return {entry.reference: Delivery(status=entry.status, attempts=entry.attempts,
                                      sent_at=entry.sent_at, message_id=entry.message_id,
                                      last_error=entry.last_error)
            for entry in conn.execute(query)}  # in order of id: the latest entry stays


def fetch(engine: Engine, query: Select[Any]) -> list[StatementRow]:
    """The rows of ``query`` (a ``base_select``) with their deliveries and decisions."""
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        decided = line_states(conn, [row.reference for row in rows])
        events = decision_events_of(conn, list(decided))
    states = deliveries(engine, [row.reference for row in rows])
    found = [to_row(row, states.get(row.reference), decided.get(row.reference))
             for row in rows]
    for item, row in zip(found, rows, strict=True):
        if item.reference in events:
            content = json.loads(row.body).get("content") or {}
            item.decisions = [decision_json(entry) for entry in
                              fold(content, events[item.reference]).decisions]
    return found
