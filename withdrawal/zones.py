"""The consumer's local time zone for showing the date and time of submission."""

from __future__ import annotations

from .eligibility.zones import country_zones


def consumer_timezone(country: str | None, trader_timezone: str) -> str:
    """The main zone of the consumer's country (its first listed), else the trader's: the
    receipt shows UTC beside it, so nothing is lost where a country has several zones."""
    zones = country_zones(country)
    return zones[0] if zones else trader_timezone
