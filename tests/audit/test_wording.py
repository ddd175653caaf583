"""How the audit area names and formats recorded values."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask

from withdrawal.audit import wording


def test_instants_in_the_trader_zone_and_dates_as_iso(app: Flask) -> None:
    with app.test_request_context():
        assert wording.when(None) == ""
        assert wording.when(datetime(2026, 12, 4, 9, 11, 12, tzinfo=UTC)) == (
            "2026-12-04 10:11:12 +01:00")  # demo trader: Europe/Rome
        assert wording.when("2026-07-01T10:00:00+00:00") == "2026-07-01 12:00:00 +02:00"
        assert wording.day(None) == "" and wording.day(date(2026, 1, 2)) == "2026-01-02"
        assert wording.day("2026-01-02") == "2026-01-02"
        assert wording.label(wording.DECISIONS, "accepted") == "Accepted"
        assert wording.label(wording.EVENTS, "something-new") == "something-new"
        assert wording.label(wording.DELIVERIES, None) == ""
