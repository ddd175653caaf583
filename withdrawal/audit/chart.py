"""Statements per day over the last 90 days by outcome, drawn on the server as an SVG stacked
bar chart (no JavaScript), with the numbers also given as a table.

The counts per UTC hour and outcome are kept as each statement is recorded
(``storage/hours.py``, table ``withdrawal_statement_hours``): the chart reads the hours of its
window, at most 90 x 24 x 5 rows whatever the volume, and folds them into days of the
trader's calendar (each hour into the day it starts in)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, select

from ..storage.hours import HOUR_FORMAT, OUTCOMES
from ..storage.tables import statement_hours
from .queries import day_start

DAYS = 90
#: Colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by the legend too.
COLOURS = {"withdrawable": "#0b4f9c", "excluded": "#a4000f", "expired": "#8a5a00",
           "unmatched": "#595959", "other": "#6a3d9a"}


@lru_cache(maxsize=4)
def _days_of_hours(first: date, zone: ZoneInfo) -> dict[str, date]:
    """Each UTC hour ("YYYY-MM-DD HH") from the one holding the first day's start to the last
    day's end, with the trader's day it starts in (worked out once a day: not to be changed)."""
    at = day_start(first, zone).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = day_start(first + timedelta(days=DAYS), zone)
    days: dict[str, date] = {}
    while at < end:
        days[at.strftime(HOUR_FORMAT)] = at.astimezone(zone).date()
        at += timedelta(hours=1)
    return days


def _query(first: str, last: str) -> Select[Any]:
    """The counted hours from ``first`` to ``last``: a range of the primary key."""
    hour = statement_hours.c.hour
    return (select(hour, statement_hours.c.outcome, statement_hours.c.count)
            .where(hour >= first, hour <= last))


def daily_counts(engine: Engine, today: date, zone: ZoneInfo) -> dict[date, Counter[str]]:
    """Statements per day (trader's calendar) and outcome, for the 90 days ending today."""
    first = today - timedelta(days=DAYS - 1)
    days: dict[date, Counter[str]] = {first + timedelta(days=n): Counter() for n in range(DAYS)}
    hours = _days_of_hours(first, zone)
    with engine.connect() as conn:
        rows = conn.execute(_query(min(hours), max(hours))).all()
    for hour, outcome, count in rows:
        day = hours.get(hour)
        if day in days and count:
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
