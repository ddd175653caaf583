"""Statements per day over the last 90 days by outcome, drawn on the server as an SVG stacked
bar chart (no JavaScript), with the numbers also given as a table.

Counting happens in SQL per UTC hour (so the cost is bounded by 90 x 24 groups whatever the
volume), then hours are folded into days of the trader's calendar."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, String, case, exists, func, select

from ..storage.tables import statement_lines, statements
from .queries import day_start

DAYS = 90
#: Stacking order, bottom first; "other" is a statement whose lines were all withdrawn before.
OUTCOMES = ("withdrawable", "excluded", "expired", "unmatched", "other")
#: Colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by the legend too.
COLOURS = {"withdrawable": "#0b4f9c", "excluded": "#a4000f", "expired": "#8a5a00",
           "unmatched": "#595959", "other": "#6a3d9a"}


#: Line statuses in order of precedence: a statement counts under its first one.
_PRECEDENCE = (("withdrawable", ("withdrawable", "shop-policy")), ("excluded", ("excluded",)),
               ("expired", ("expired",)))


def _looked_up(statuses: tuple[str, ...]) -> Any:
    """Some line of the statement was assessed so: a look-up in the lines' primary key."""
    return (exists().where(statement_lines.c.reference == statements.c.reference,
                           statement_lines.c.status.in_(statuses)))


def _joined(statuses: tuple[str, ...]) -> Any:
    """The same, over the lines joined and grouped by statement."""
    return func.max(case((statement_lines.c.status.in_(statuses), 1), else_=0)) == 1


def _hour(engine: Engine) -> Any:
    column = statements.c.submitted_at
    if engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13, type_=String)  # SQLite keeps "YYYY-MM-DD HH:MM:SS..."


def _query(engine: Engine, start: datetime) -> Select[Any]:
    """One row per hour and outcome, counted over the range of ``submitted_at`` asked for.

    SQLite looks each statement's lines up (grouped by ``reference`` after a join, it walked
    the whole primary key instead of the range); PostgreSQL hashes the join, grouped by
    ``seq``, which costs it less than three look-ups per statement."""
    postgres = engine.dialect.name == "postgresql"
    line = _joined if postgres else _looked_up
    outcome = case(
        (statements.c.order_matched.is_(False), "unmatched"),
        *((line(statuses), name) for name, statuses in _PRECEDENCE),
        else_="other",
    )
    per_statement = (select(_hour(engine).label("hour"), outcome.label("outcome"))
                     .where(statements.c.submitted_at >= start))
    if postgres:
        per_statement = (per_statement.select_from(statements.outerjoin(
            statement_lines, statement_lines.c.reference == statements.c.reference))
            .group_by(statements.c.seq, statements.c.submitted_at, statements.c.order_matched))
    counted = per_statement.subquery()
    return (select(counted.c.hour, counted.c.outcome, func.count())
            .group_by(counted.c.hour, counted.c.outcome))


def daily_counts(engine: Engine, today: date, zone: ZoneInfo) -> dict[date, Counter[str]]:
    """Statements per day (trader's calendar) and outcome, for the 90 days ending today."""
    first = today - timedelta(days=DAYS - 1)
    days: dict[date, Counter[str]] = {first + timedelta(days=n): Counter() for n in range(DAYS)}
    with engine.connect() as conn:
        for hour, outcome, count in conn.execute(_query(engine, day_start(first, zone))):
            instant = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)
            day = instant.astimezone(zone).date()
            if day in days:
                days[day][outcome] += count
    return days


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    outcome: str
    day: date
    count: int


@dataclass(frozen=True)
class Chart:
    """Geometry for the template: bars, y ticks, x labels, and the numbers behind them."""

    width: int
    height: int
    plot_left: int
    plot_bottom: int
    bar_width: float
    bars: list[Bar]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, date]]
    days: dict[date, Counter[str]]
    totals: Counter[str]

    outcomes = OUTCOMES
    colours = COLOURS

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def nice_max(value: int) -> int:
    """The axis maximum: 1, 2 or 5 times a power of ten, at least ``value`` (and 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(step * factor, 1)
        step *= 10


def build_chart(days: dict[date, Counter[str]], width: int = 720, height: int = 240) -> Chart:
    left, top, bottom = 40, 10, height - 30
    bar_width = (width - left - 10) / max(len(days), 1)
    top_value = nice_max(max((sum(c.values()) for c in days.values()), default=0))
    scale = (bottom - top) / top_value
    bars: list[Bar] = []
    labels: list[tuple[float, date]] = []
    for index, (day, counts) in enumerate(sorted(days.items())):
        x, y = left + index * bar_width, float(bottom)
        for outcome in OUTCOMES:
            if counts[outcome]:
                y -= counts[outcome] * scale
                bars.append(Bar(round(x, 2), round(y, 2), round(counts[outcome] * scale, 2),
                                outcome, day, counts[outcome]))
        if index % 15 == 0:
            labels.append((round(x, 2), day))
    ticks = [(round(bottom - value * scale, 2), value)
             for value in sorted({0, top_value // 2, top_value})]
    totals: Counter[str] = Counter()
    for counts in days.values():
        totals.update(counts)
    return Chart(width, height, left, bottom, round(bar_width, 2), bars, ticks, labels, days,
                 totals)
