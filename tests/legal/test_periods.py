"""Regulation 1182/71 counting, holidays and zones, below the level of ``assess``."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypedDict

import pytest

from withdrawal.eligibility import (
    COUNTRY_ZONES,
    Calendar,
    add_months,
    country_zones,
    holiday_dates,
    is_day_off,
    normalise_country,
    period_end,
)
from withdrawal.eligibility.periods import last_instant

DE = {"countries": ("DE",), "zones": ("Europe/Berlin",)}


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2026, 1, 15), 12, date(2027, 1, 15), id="reg1182-3-2-c-same-date"),
        pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="reg1182-3-2-c-leap-day"),
        pytest.param(date(2027, 2, 28), 12, date(2028, 2, 28), id="reg1182-3-2-c-into-leap-year"),
        pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="reg1182-3-2-c-month-end"),
        pytest.param(date(2026, 11, 30), 3, date(2027, 2, 28), id="reg1182-3-2-c-over-year-end"),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


class Period(TypedDict, total=False):
    """A case's length of the period, as ``period_end`` takes it."""

    days: int
    months: int


class Place(TypedDict, total=False):
    """A case's countries and zones, as ``period_end`` takes them."""

    countries: tuple[str, ...]
    zones: tuple[str, ...]


@pytest.mark.parametrize(
    ("event_day", "period", "place", "expected"),
    [
        pytest.param(
            date(2026, 7, 1),
            {"days": 14},
            DE,
            "2026-07-15T23:59:59.999999+02:00",
            id="reg1182-3-1-event-day-not-counted",
        ),
        pytest.param(
            date(2026, 12, 31),
            {"days": 14},
            DE,
            "2027-01-14T23:59:59.999999+01:00",
            id="reg1182-over-year-end",
        ),
        pytest.param(
            date(2026, 12, 18),
            {"days": 14},
            DE,
            "2027-01-04T23:59:59.999999+01:00",
            id="reg1182-new-year",
        ),
        pytest.param(
            date(2024, 2, 29),
            {"months": 12},
            DE,
            "2025-02-28T23:59:59.999999+01:00",
            id="reg1182-leap-day-12-months",
        ),
        pytest.param(
            date(2028, 2, 29),
            {"months": 12},
            DE,
            "2029-02-28T23:59:59.999999+01:00",
            id="reg1182-leap-day-2028-12-months",
        ),
        pytest.param(
            date(2026, 7, 3),
            {"days": 2},
            DE,
            "2026-07-07T23:59:59.999999+02:00",
            id="reg1182-3-5-two-working-days",
        ),
        pytest.param(
            date(2026, 7, 2),
            {"days": 2},
            DE,
            "2026-07-06T23:59:59.999999+02:00",
            id="reg1182-3-4-two-day-period-rolls-to-monday",
        ),
        pytest.param(
            date(2026, 7, 1),
            {"days": 14},
            {"countries": (), "zones": ("UTC",)},
            "2026-07-15T23:59:59.999999+00:00",
            id="reg1182-no-country-utc",
        ),
        pytest.param(
            date(2026, 3, 23),
            {"days": 14},
            {"countries": ("PT", "IT"), "zones": ("Europe/Lisbon", "Atlantic/Azores")},
            "2026-04-07T23:59:59.999999+00:00",
            id="reg1182-easter-monday-italy-only-zone-azores",
        ),
    ],
)
def test_period_end(event_day: date, period: Period, place: Place, expected: str) -> None:
    assert period_end(event_day, **period, **place).isoformat() == expected


def test_period_end_needs_days_or_months() -> None:
    with pytest.raises(ValueError):
        period_end(date(2026, 7, 1), zones=("Europe/Berlin",))
    with pytest.raises(ValueError):
        period_end(date(2026, 7, 1), days=14, months=12, zones=("Europe/Berlin",))
    with pytest.raises(ValueError):
        period_end(date(2026, 7, 1), days=0, zones=("Europe/Berlin",))
    with pytest.raises(ValueError):
        period_end(date(2026, 7, 1), months=0, zones=("Europe/Berlin",))


def test_period_end_needs_a_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        period_end(date(2026, 7, 1), days=14)


@pytest.mark.parametrize(
    ("day", "zone", "utc"),
    [
        pytest.param(
            date(2026, 3, 29),
            "Europe/Berlin",
            "2026-03-29T21:59:59.999999+00:00",
            id="dst-spring-23-hour-day",
        ),
        pytest.param(
            date(2026, 10, 25),
            "Europe/Berlin",
            "2026-10-25T22:59:59.999999+00:00",
            id="dst-autumn-25-hour-day",
        ),
        pytest.param(
            date(2026, 10, 25),
            "Atlantic/Azores",
            "2026-10-26T00:59:59.999999+00:00",
            id="dst-autumn-azores",
        ),
    ],
)
def test_last_instant_is_end_of_local_day(day: date, zone: str, utc: str) -> None:
    assert last_instant(day, zone) == datetime.fromisoformat(utc)
    assert last_instant(day, zone).date() == day


def test_latest_zone_is_the_most_western() -> None:
    calendar = Calendar(("PT",), ("Europe/Berlin", *country_zones("PT")))
    deadline, zone = calendar.end_of_day(date(2026, 1, 15))
    assert zone == "Atlantic/Azores"
    assert deadline.isoformat() == "2026-01-15T23:59:59.999999-01:00"


def test_tie_keeps_the_first_zone() -> None:
    calendar = Calendar((), ("Europe/Rome", "Europe/Berlin"))
    assert calendar.end_of_day(date(2026, 1, 15))[1] == "Europe/Rome"


def test_calendar_for_parties_unknown_consumer_country() -> None:
    calendar = Calendar.for_parties("XX", "de", "Europe/Berlin")
    assert calendar.countries == ("XX", "DE")
    assert calendar.zones == ("Europe/Berlin",)


def test_calendar_for_parties_same_country_once() -> None:
    calendar = Calendar.for_parties("DE", "DE", "Europe/Berlin")
    assert (calendar.countries, calendar.zones) == (("DE",), ("Europe/Berlin",))


def test_unknown_country_has_no_holidays_but_weekends_count() -> None:
    assert holiday_dates("XX", 2026) == frozenset()
    assert holiday_dates("", 2026) == frozenset()
    assert is_day_off(date(2026, 7, 4), ("XX",))
    assert not is_day_off(date(2026, 7, 3), ("XX",))


def test_holidays_per_country() -> None:
    easter_monday = date(2026, 4, 6)
    assert easter_monday in holiday_dates("IT", 2026)
    assert date(2026, 10, 3) in holiday_dates("DE", 2026)
    assert date(2026, 10, 3) not in holiday_dates("IT", 2026)
    assert is_day_off(date(2026, 10, 3), ("IT", "DE"))
    assert date(2026, 3, 25) in holiday_dates("el", 2026)


def test_zone_table_covers_eea_and_gb_ch() -> None:
    eea = set(
        "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
        "IS LI NO".split()
    )
    assert set(COUNTRY_ZONES) == eea | {"GB", "CH"}
    assert country_zones("PT") == ("Europe/Lisbon", "Atlantic/Madeira", "Atlantic/Azores")
    assert country_zones("ES") == ("Europe/Madrid", "Africa/Ceuta", "Atlantic/Canary")
    assert country_zones("FR") == ("Europe/Paris",)
    assert country_zones("DK") == ("Europe/Copenhagen",)
    assert country_zones("US") == ()
    for zones in COUNTRY_ZONES.values():
        for zone in zones:
            last_instant(date(2026, 1, 1), zone)  # every zone exists


@pytest.mark.parametrize(
    ("code", "expected"),
    [("de", "DE"), (" it ", "IT"), ("EL", "GR"), ("uk", "GB"), ("", ""), (None, "")],
)
def test_normalise_country(code: str | None, expected: str) -> None:
    assert normalise_country(code) == expected


def test_event_day_is_the_latest_local_date() -> None:
    calendar = Calendar(("PT", "DE"), ("Europe/Lisbon", "Europe/Berlin"))
    instant = datetime.fromisoformat("2026-01-01T23:30+00:00")
    assert calendar.day_of(instant) == date(2026, 1, 2)
