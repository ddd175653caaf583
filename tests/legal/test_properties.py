"""Properties of the counting that must hold for every day, country pair and zone
(Regulation 1182/71 Art. 3; CRD Art. 9, 10). Deterministic: hypothesis is derandomized."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from withdrawal.domain import Order, OrderLine
from withdrawal.eligibility import COUNTRY_ZONES, Calendar, assess, period_end
from withdrawal.eligibility.periods import last_instant

QUICK = settings(max_examples=200, deadline=None, derandomize=True, database=None)

COUNTRIES = sorted(COUNTRY_ZONES)
ALL_ZONES = sorted({zone for zones in COUNTRY_ZONES.values() for zone in zones})
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2045, 12, 31))
consumer_countries = st.sampled_from([*COUNTRIES, "", "XX"])
trader_countries = st.sampled_from(COUNTRIES)
trader_zones = st.sampled_from(ALL_ZONES)
periods = st.sampled_from([{"days": 14}, {"months": 12}])


def _calendar(consumer: str, trader: str, trader_zone: str) -> Calendar:
    return Calendar.for_parties(consumer, trader, trader_zone)


def _is_holiday(day: date, country: str) -> bool:
    # Checked against the holidays package directly, not through the engine's cache.
    try:
        return day in holidays.country_holidays(country, years=day.year)
    except NotImplementedError:
        return False


@QUICK
@given(days, consumer_countries, trader_countries, trader_zones)
def test_deadline_never_before_the_end_of_day_14(
    event_day: date, consumer: str, trader: str, trader_zone: str
) -> None:
    calendar = _calendar(consumer, trader, trader_zone)
    deadline = calendar.count(event_day, days=14).deadline
    for zone in calendar.zones:
        assert deadline >= last_instant(event_day + timedelta(days=14), zone)


@QUICK
@given(days, consumer_countries, trader_countries, trader_zones, periods)
def test_deadline_never_on_a_weekend_or_holiday_in_either_country(
    event_day: date, consumer: str, trader: str, trader_zone: str, period: dict[str, int]
) -> None:
    calendar = _calendar(consumer, trader, trader_zone)
    end = calendar.count(event_day, **period)
    last_day = end.deadline.date()  # local date in the zone the deadline is expressed in
    assert last_day == end.last_day
    assert last_day.weekday() < 5
    for country in (consumer, trader):
        assert not _is_holiday(last_day, country)
    assert end.deadline.time() == datetime.max.time()


@QUICK
@given(days, days, consumer_countries, trader_countries, trader_zones, periods)
def test_deadline_never_moves_earlier_when_the_event_moves_later(
    day_a: date, day_b: date, consumer: str, trader: str, trader_zone: str, period: dict[str, int]
) -> None:
    earlier, later = sorted((day_a, day_b))
    zones = _calendar(consumer, trader, trader_zone).zones
    countries = (consumer, trader)
    first = period_end(earlier, **period, countries=countries, zones=zones)
    second = period_end(later, **period, countries=countries, zones=zones)
    assert first <= second


@QUICK
@given(days, consumer_countries, trader_countries, trader_zones)
def test_the_12_month_extension_never_shortens_the_period(
    event_day: date, consumer: str, trader: str, trader_zone: str
) -> None:
    calendar = _calendar(consumer, trader, trader_zone)
    initial = calendar.count(event_day, days=14)
    extended = calendar.count(initial.last_day, months=12)
    assert extended.deadline > initial.deadline + timedelta(days=364)


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)


@QUICK
@given(
    instants,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    consumer_countries,
    trader_countries,
    trader_zones,
    st.booleans(),
)
def test_assessed_deadline_never_moves_earlier_when_conclusion_moves_later(
    concluded: datetime,
    delay: timedelta,
    consumer: str,
    trader: str,
    trader_zone: str,
    informed: bool,
) -> None:
    deadlines = []
    for when in (concluded, concluded + delay):
        info = when if informed else None
        order = Order(
            "1", "a@example.org", "A", when, country=consumer, withdrawal_info_given_at=info
        )
        result = assess(
            order, OrderLine("L1", "Key"), when, trader_country=trader, trader_timezone=trader_zone
        )
        assert result.deadline is not None
        # Day 14 (or 12 months after it) in the deadline's own zone, never earlier.
        local_day = when.astimezone(result.deadline.tzinfo).date()
        assert result.deadline.date() >= local_day + timedelta(days=14 if informed else 14 + 365)
        deadlines.append(result.deadline)
    assert deadlines[0] <= deadlines[1]
