"""Issue point 9: statements per day over the last 90 days by outcome, as inline SVG with a
title, a description and a data table; no JavaScript."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from audit.support import record
from flask import Flask
from flask.testing import FlaskClient
from support import engine_of

from withdrawal.audit.chart import DAYS, build_chart, daily_counts, nice_max

ROME = ZoneInfo("Europe/Rome")


def test_daily_counts_by_outcome(app: Flask) -> None:
    record(app, statuses=["withdrawable", "excluded"])
    record(app, statuses=["excluded"])
    record(app, statuses=["expired"], days_ago=2)
    record(app, statuses=["shop-policy"], days_ago=2)
    record(app, statuses=["already-withdrawn"], days_ago=2)
    record(app, order_matched=False, days_ago=88.5)
    record(app, days_ago=120)  # outside the 90 days
    today = _today(app)
    days = daily_counts(engine_of(app), today, ROME)
    assert len(days) == DAYS and min(days) == today - timedelta(days=DAYS - 1)
    assert days[today] == Counter(withdrawable=1, excluded=1)
    two_ago = today - timedelta(days=2)
    assert days[two_ago] == Counter(expired=1, withdrawable=1, other=1)
    assert sum(c["unmatched"] for c in days.values()) == 1
    assert sum(sum(c.values()) for c in days.values()) == 6


def _today(app: Flask) -> date:
    from withdrawal.audit.context import today

    with app.app_context():
        return today()


@pytest.mark.parametrize(("value", "expected"), [
    (0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (11, 20), (40, 50), (51, 100), (100, 100),
    (1234, 2000),
])
def test_nice_axis_maximum(value: int, expected: int) -> None:
    assert nice_max(value) == expected


def test_bars_stack_and_scale() -> None:
    first = date(2026, 1, 1)
    days: dict[date, Counter[str]] = {first + timedelta(days=n): Counter() for n in range(DAYS)}
    days[first] = Counter(withdrawable=3, excluded=2)
    chart = build_chart(days)
    assert [b.outcome for b in chart.bars] == ["withdrawable", "excluded"]
    bottom, top = chart.bars
    assert bottom.y + bottom.height == chart.plot_bottom
    assert top.y + top.height == pytest.approx(bottom.y)
    assert chart.y_ticks[-1][1] == 5 and chart.total == 5
    assert len(chart.x_labels) == 6


def test_overview_chart_is_accessible_svg_with_a_data_table(
    app: Flask, auditor: FlaskClient,
) -> None:
    record(app)
    record(app, order_matched=False, name="<svg onload=alert(1)>")
    html = auditor.get("/withdrawal/audit/").get_data(as_text=True)
    assert "<script" not in html
    svg = re.search(r"<svg xmlns=.*?</svg>", html, re.S)
    assert svg
    root = ET.fromstring(svg.group(0))  # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-title chart-desc"
    assert root.find(f"{ns}title").text.startswith("Statements per day from ")  # type: ignore[union-attr]
    desc = root.find(f"{ns}desc").text  # type: ignore[union-attr]
    assert desc is not None and "2 statements in total" in desc
    assert "Withdrawable 1" in desc and "Order not found 1" in desc
    rects = root.findall(f".//{ns}rect")
    assert len(rects) == 2 and all(r.find(f"{ns}title") is not None for r in rects)
    table = html[html.index('<details class="chart-data">'):]
    assert "<caption>" in table and '<th scope="row">' in table
    today = _today(app).isoformat()
    assert f'<th scope="row">{today}</th>' in table
    assert "<svg onload" not in html


def test_chart_with_no_statements(auditor: FlaskClient) -> None:
    html = auditor.get("/withdrawal/audit/").get_data(as_text=True)
    assert "0 statements in total" in html and "<rect x=" not in html
