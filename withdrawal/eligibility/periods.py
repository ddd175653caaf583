"""Counting periods under Regulation (EEC, Euratom) No 1182/71, Art. 3.

- The day of the event does not count (Art. 3(1)); day 1 is the next day.
- A period in days ends at the expiry of the last hour of its last day (Art. 3(2)(b)); a period in
  months ends on the same date in the last month, or on that month's last day when it has no such
  date (Art. 3(2)(c)).
- A period ending on a Saturday, Sunday or public holiday ends at the expiry of the last hour of
  the next working day (Art. 3(4)), and a period of two days or more includes at least two
  working days (Art. 3(5)).

Which holidays and which clock count is not settled by the Regulation; this module takes the
reading that favours the consumer, as documented in docs/legal-engine.md: a day is off if it is
off in any of the parties' countries, and a day ends when it ends in the latest of their zones.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from .zones import country_zones, normalise_country

SATURDAY = 5


@lru_cache(maxsize=1024)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    try:
        found = holidays.country_holidays(country, years=year)
    except NotImplementedError:  # a country the holidays package does not know
        return frozenset()
    return frozenset(found.keys())


def holiday_dates(country: str | None, year: int) -> frozenset[date]:
    """The public holidays of ``country`` (national, no subdivisions) in ``year``; none for an
    empty or unknown code."""
    code = normalise_country(country)
    return _holiday_dates(code, year) if code else frozenset()


def is_day_off(day: date, countries: Iterable[str]) -> bool:
    """Saturday, Sunday, or a public holiday in any of ``countries``."""
    return day.weekday() >= SATURDAY or any(day in holiday_dates(c, day.year) for c in countries)


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later, or that month's last day if it has no such date."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError if there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def last_instant(day: date, zone_name: str) -> datetime:
    """23:59:59.999999 on ``day`` in the zone (the later one if that wall time repeats)."""
    return datetime.combine(day, time.max, tzinfo=zone(zone_name)).replace(fold=1)


@dataclass(frozen=True)
class PeriodEnd:
    """Where a period ends: ``nominal_day`` is its last day before roll-over (day 14, or the same
    date 12 months on), ``last_day`` the day it actually ends, and ``deadline`` the last instant
    of that day in ``zone``, the zone whose day ends last."""

    nominal_day: date
    last_day: date
    deadline: datetime
    zone: str

    @property
    def rolled(self) -> bool:
        """Whether a weekend or holiday moved the end to a later working day."""
        return self.last_day != self.nominal_day


@dataclass(frozen=True)
class Calendar:
    """The days off and clocks a period is counted in: the holidays of every country in
    ``countries`` and the latest of ``zones`` (the first listed wins a tie)."""

    countries: tuple[str, ...]
    zones: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.zones:
            raise ValueError("a calendar needs at least one time zone")
        for name in self.zones:
            zone(name)

    @classmethod
    def for_parties(
        cls, consumer_country: str | None, trader_country: str | None, trader_timezone: str
    ) -> Calendar:
        """The consumer's country and zones (all of them) together with the trader's; a consumer
        country that is empty or not in the zone table adds no zone."""
        countries = (normalise_country(consumer_country), normalise_country(trader_country))
        zones = (*country_zones(consumer_country), trader_timezone)
        return cls(_unique(c for c in countries if c), _unique(zones))

    def is_day_off(self, day: date) -> bool:
        """Saturday, Sunday, or a public holiday in any of the countries."""
        return is_day_off(day, self.countries)

    def working_day_from(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next working day."""
        while self.is_day_off(day):
            day += timedelta(days=1)
        return day

    def day_of(self, instant: datetime) -> date:
        """The date an event happened on: the latest of its local dates in the zones, so that the
        period never starts earlier than either party's calendar says."""
        return max(instant.astimezone(zone(name)).date() for name in self.zones)

    def end_of_day(self, day: date) -> tuple[datetime, str]:
        """The last instant of ``day`` in the zone where it ends last, and that zone's name."""
        ends = [(last_instant(day, name), name) for name in self.zones]
        return max(ends, key=lambda end: end[0])

    def count(
        self, event_day: date, *, days: int | None = None, months: int | None = None
    ) -> PeriodEnd:
        """The end of a period of ``days`` or ``months`` (give one) running from ``event_day``."""
        nominal = _nominal_last_day(event_day, days, months)
        last = self.working_day_from(nominal)
        if not self._has_two_working_days(event_day + timedelta(days=1), last):
            last = self.working_day_from(last + timedelta(days=1))
        deadline, zone_name = self.end_of_day(last)
        return PeriodEnd(nominal, last, deadline, zone_name)

    def _has_two_working_days(self, first: date, last: date) -> bool:
        # Art. 3(5) applies to periods of two days or more; it never bites for 14 days or
        # 12 months in the countries covered, but keeps the counting complete.
        if last <= first:
            return True
        span = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return len(list(islice((d for d in span if not self.is_day_off(d)), 2))) == 2


def period_end(
    event_day: date,
    *,
    days: int | None = None,
    months: int | None = None,
    countries: Iterable[str] = (),
    zones: Iterable[str] = (),
) -> datetime:
    """The instant a period of ``days`` or ``months`` running from ``event_day`` expires, counted
    per Regulation 1182/71 with the holidays of ``countries``, at the end of the day in the
    latest of ``zones`` (at least one)."""
    counted = Calendar(_unique(normalise_country(c) for c in countries), _unique(zones))
    return counted.count(event_day, days=days, months=months).deadline


def _nominal_last_day(event_day: date, days: int | None, months: int | None) -> date:
    if (days is None) == (months is None):
        raise ValueError("give the period in either days or months")
    if days is not None:
        if days < 1:
            raise ValueError("a period lasts at least one day")
        return event_day + timedelta(days=days)
    assert months is not None
    if months < 1:
        raise ValueError("a period lasts at least one month")
    return add_months(event_day, months)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
