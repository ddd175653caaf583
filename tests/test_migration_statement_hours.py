"""Issue 16, point 5: revision 0019 counts the statements a database already holds per UTC hour
and outcome, as the chart counted them, and the counts then go on as statements are recorded;
downgraded, the table is gone."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect, select
from support import statement_content

from withdrawal.statement import Purpose, StatementContent
from withdrawal.storage.engine import make_engine
from withdrawal.storage.schema import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade_schema,
)
from withdrawal.storage.statements import Recipient, record_spooled, record_statement
from withdrawal.storage.tables import statement_hours
from withdrawal.storage.verify import verify_chain

#: (submitted at, what the statement records, its outcome); None: recorded now.
STATEMENTS: list[tuple[datetime | None, dict[str, Any], str]] = [
    (None, {"statuses": ["withdrawable", "excluded"]}, "withdrawable"),
    (None, {"statuses": ["excluded"]}, "excluded"),
    (None, {"order_matched": False}, "unmatched"),
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), {"statuses": ["shop-policy"]}, "withdrawable"),
    (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), {"statuses": ["expired"]}, "expired"),
    (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), {"statuses": ["expired"]}, "expired"),
    (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), {"statuses": ["already-withdrawn"]}, "other"),
    (datetime(2026, 3, 29, 1, 5, tzinfo=UTC), {"order_number": None}, "other"),
    (datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), {"order_matched": False},
     "unmatched"),
]


def _recipients(content: StatementContent) -> list[Recipient]:
    return [Recipient(Purpose.ACKNOWLEDGEMENT, content["email"])]


def _record(engine: Engine, at: datetime | None, overrides: Mapping[str, Any]) -> datetime:
    """Record one statement, now or (from the spool) at ``at``; returns its submission."""
    key = secrets.token_hex(16)
    if at is not None:
        content = statement_content(f"W-{secrets.token_hex(2).upper()}-0000", at, **overrides)
        record_spooled(engine, submission_key=key, content=content, recipients=_recipients)
        return at
    made: list[datetime] = []

    def build(now: datetime, _withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        made.append(now)
        return statement_content(reference, now, **overrides)

    record_statement(engine, submission_key=key, order_number=overrides.get("order_number"),
                     build=build, recipients=_recipients)
    return made[0]


def _hours(engine: Engine) -> Counter[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(statement_hours.c.hour, statement_hours.c.outcome,
                                   statement_hours.c.count)).all()
    return Counter({(hour, outcome): count for hour, outcome, count in rows})


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_the_upgrade_counts_the_statements_already_recorded(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    expected: Counter[tuple[str, str]] = Counter()
    for at, overrides, outcome in STATEMENTS:
        submitted = _record(engine, at, overrides)
        expected[submitted.strftime("%Y-%m-%d %H"), outcome] += 1
    assert _hours(engine) == expected  # kept as each was recorded
    assert expected["2026-03-29 01", "expired"] == 1 and expected["2026-03-29 00", "expired"] == 1

    _downgrade(engine, "0018")  # a database at 0018 with these statements
    assert current_revision(engine) == "0018"
    assert "withdrawal_statement_hours" not in inspect(engine).get_table_names()
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    assert _hours(engine) == expected  # counted from the index as the chart counted

    upgrade_schema(engine)  # again: nothing counted twice
    assert _hours(engine) == expected
    _record(engine, None, {"statuses": ["excluded"]})
    assert sum(_hours(engine).values()) == len(STATEMENTS) + 1
    result = verify_chain(engine)
    assert result.ok and result.statements == len(STATEMENTS) + 1, result
    engine.dispose()
