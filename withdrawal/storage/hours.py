"""Statements per UTC hour and outcome (``withdrawal_statement_hours``, revision 0019), counted
in the transaction that records each statement, so that the audit overview's 90-day chart
reads at most 90 x 24 x 5 rows whatever the number of statements (issue 16, point 5).

A statement's outcome is the chart's: ``unmatched`` when its order was not found, else the
first of ``withdrawable`` (a line withdrawable or under the shop's policy), ``excluded``,
``expired`` that one of its lines was assessed, else ``other`` (its lines were all withdrawn
before). ``outcome_of`` tells it from the content being recorded, which is what the lines'
index (``statement_lines``) holds of it: revision 0019 counted the statements recorded before
it from that index with the same rule, and ``verify`` recounts the table from the chain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from .tables import statement_hours

#: The outcomes, in the chart's stacking order (bottom first).
OUTCOMES = ("withdrawable", "excluded", "expired", "unmatched", "other")

#: Line statuses in order of precedence: a matched statement counts under the first outcome
#: whose statuses one of its lines has.
PRECEDENCE = (("withdrawable", ("withdrawable", "shop-policy")), ("excluded", ("excluded",)),
              ("expired", ("expired",)))

#: An hour as the table keys it: the UTC hour of ``submitted_at``, "YYYY-MM-DD HH".
HOUR_FORMAT = "%Y-%m-%d %H"


def outcome_of(content: Mapping[str, Any]) -> str:
    """The statement's outcome in the chart, from its recorded content (pure)."""
    if not content.get("order_matched"):
        return "unmatched"
    if content.get("order_number") is None:
        return "other"  # no line is indexed without an order number (statements._index)
    statuses = {str((line.get("assessment") or {}).get("status"))
                for line in content.get("lines") or []}
    return next((name for name, found in PRECEDENCE if statuses.intersection(found)), "other")


def hour_of(submitted_at: datetime) -> str:
    """The UTC hour a statement submitted at this instant is counted under."""
    return submitted_at.astimezone(UTC).strftime(HOUR_FORMAT)


def count_statement(
    conn: Connection, content: Mapping[str, Any], submitted_at: datetime,
) -> None:
    """One more statement in its hour and outcome, in the caller's transaction."""
    add_count(conn, hour_of(submitted_at), outcome_of(content), 1)


def add_count(conn: Connection, hour: str, outcome: str, number: int) -> None:
    """Add ``number`` to the (hour, outcome) row, made if missing: one UPSERT (SQLite and
    PostgreSQL, the two databases the package runs on)."""
    upsert = (postgresql.insert if conn.dialect.name == "postgresql"
              else sqlite.insert)(statement_hours)
    conn.execute(upsert.values(hour=hour, outcome=outcome, count=number).on_conflict_do_update(
        index_elements=[statement_hours.c.hour, statement_hours.c.outcome],
        set_={"count": statement_hours.c.count + number}))
