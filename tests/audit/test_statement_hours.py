"""Issue 16, point 5: the overview chart's counts per UTC hour and outcome are kept when a
statement is recorded (directly, or recovered from the spool under its own submission time),
with the outcome the chart has always given, and the chart reads them alone."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from audit.support import record
from flask import Flask
from sqlalchemy import Engine, event, select
from support import engine_of, statement_content

from withdrawal import spool
from withdrawal.audit.chart import daily_counts
from withdrawal.audit.context import today, trader_zone
from withdrawal.statement import Purpose
from withdrawal.storage.hours import hour_of, outcome_of
from withdrawal.storage.statements import Recipient, load_statement
from withdrawal.storage.tables import statement_hours

#: What a statement records (``support.statement_content`` overrides) -> its outcome.
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("withdrawable", {"statuses": ["withdrawable", "excluded"]}, "withdrawable"),
    ("shop-policy", {"statuses": ["excluded", "shop-policy"]}, "withdrawable"),
    ("excluded", {"statuses": ["expired", "excluded"]}, "excluded"),
    ("expired", {"statuses": ["already-withdrawn", "expired"]}, "expired"),
    ("withdrawn-before", {"statuses": ["already-withdrawn"]}, "other"),
    ("no-lines", {"statuses": []}, "other"),
    ("matched-without-number", {"order_number": None}, "other"),
    ("unmatched", {"order_matched": False}, "unmatched"),
    ("unmatched-with-lines", {"order_matched": False, "lines": [
        {"line_id": "1", "assessment": {"status": "withdrawable"}}]}, "unmatched"),
]
OUTCOMES = [pytest.param(overrides, outcome, id=name) for name, overrides, outcome in CASES]


@pytest.mark.parametrize(("overrides", "outcome"), OUTCOMES)
def test_outcome_of_the_recorded_content(overrides: dict[str, Any], outcome: str) -> None:
    content = statement_content("W-AAAA-BBBB", datetime.now(UTC), **overrides)
    assert outcome_of(content) == outcome


def kept(app: Flask) -> Counter[tuple[str, str]]:
    with engine_of(app).connect() as conn:
        rows = conn.execute(select(statement_hours.c.hour, statement_hours.c.outcome,
                                   statement_hours.c.count)).all()
    return Counter({(hour, outcome): count for hour, outcome, count in rows})


def test_each_recorded_statement_adds_one_to_its_hour_and_outcome(app: Flask) -> None:
    expected: Counter[tuple[str, str]] = Counter()
    for name, overrides, outcome in CASES:
        before = kept(app)
        reference = record(app, **overrides)
        stored = load_statement(engine_of(app), reference)
        assert stored is not None
        key = (hour_of(stored.submitted_at), outcome)
        expected[key] += 1
        assert kept(app) - before == Counter({key: 1}), name
    assert kept(app) == expected
    verified = app.test_cli_runner().invoke(args=["withdrawal", "verify"])
    assert verified.exit_code == 0, verified.output  # verify recounts them from the chain


def test_a_recovered_statement_counts_under_its_own_submission_hour(
    app: Flask, tmp_path: Path,
) -> None:
    submitted = (datetime.now(UTC) - timedelta(days=3)).replace(minute=59, second=59)
    content = statement_content("W-SPOO-LED1", submitted, order_matched=False)
    content["flags"] = ["order-not-found", "spooled"]
    folder = tmp_path / "spool"
    spool.keep(folder, spool.SpooledStatement(secrets.token_hex(32), content))
    report = spool.recover(engine_of(app), folder, recipients=lambda c: [
        Recipient(Purpose.ACKNOWLEDGEMENT, c["email"])])
    assert report.recorded == ["W-SPOO-LED1"]
    assert kept(app) == Counter({(hour_of(submitted), "unmatched"): 1})
    with app.app_context():
        day = submitted.astimezone(trader_zone()).date()
        days = daily_counts(engine_of(app), today(), trader_zone())
    assert days[day] == Counter(unmatched=1)
    verified = app.test_cli_runner().invoke(args=["withdrawal", "verify"])
    assert verified.exit_code == 0, verified.output


def test_the_chart_counts_the_same_mix_as_before(app: Flask) -> None:
    """The numbers the chart showed when it counted the statements: the mix of
    test_chart.test_daily_counts_by_outcome, here with every outcome on one day."""
    for _name, overrides, _outcome in CASES:
        record(app, **overrides)
    with app.app_context():
        days = daily_counts(engine_of(app), today(), trader_zone())
        assert days[today()] == Counter(withdrawable=2, excluded=1, expired=1, other=3,
                                        unmatched=2)
    assert sum(sum(c.values()) for c in days.values()) == len(CASES)


@pytest.fixture
def sql(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs from now on."""
    executed: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        executed.append(statement)

    engine: Engine = engine_of(app)
    event.listen(engine, "before_cursor_execute", listener)
    yield executed
    event.remove(engine, "before_cursor_execute", listener)


def test_the_chart_reads_only_the_hours(app: Flask, sql: list[str]) -> None:
    record(app, statuses=["excluded"])
    record(app, order_matched=False)
    sql.clear()
    with app.app_context():
        days = daily_counts(engine_of(app), today(), trader_zone())
        assert days[today()] == Counter(excluded=1, unmatched=1)
    assert sql, "the chart ran no SQL"
    for statement in sql:
        assert "withdrawal_statement_hours" in statement, statement
        assert "withdrawal_statements" not in statement, statement
        assert "withdrawal_statement_lines" not in statement, statement
