"""Which time zones and holiday calendars a country brings to the counting of a period.

The table covers the 30 EEA countries plus GB and CH. A country with several zones lists all of
them, its main zone first; the period's end is taken in the latest of them (see periods.py).
Overseas parts that are legally part of a country but not listed here (the French overseas
departments, the Faroe Islands and Greenland, ...) are not covered: a shop serving them passes
the right zone as its own ``trader_timezone`` or extends this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

COUNTRY_ZONES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "AT": ("Europe/Vienna",),
        "BE": ("Europe/Brussels",),
        "BG": ("Europe/Sofia",),
        "CH": ("Europe/Zurich",),
        "CY": ("Asia/Nicosia",),
        "CZ": ("Europe/Prague",),
        "DE": ("Europe/Berlin",),
        "DK": ("Europe/Copenhagen",),
        "EE": ("Europe/Tallinn",),
        "ES": ("Europe/Madrid", "Africa/Ceuta", "Atlantic/Canary"),
        "FI": ("Europe/Helsinki",),
        "FR": ("Europe/Paris",),
        "GB": ("Europe/London",),
        "GR": ("Europe/Athens",),
        "HR": ("Europe/Zagreb",),
        "HU": ("Europe/Budapest",),
        "IE": ("Europe/Dublin",),
        "IS": ("Atlantic/Reykjavik",),
        "IT": ("Europe/Rome",),
        "LI": ("Europe/Vaduz",),
        "LT": ("Europe/Vilnius",),
        "LU": ("Europe/Luxembourg",),
        "LV": ("Europe/Riga",),
        "MT": ("Europe/Malta",),
        "NL": ("Europe/Amsterdam",),
        "NO": ("Europe/Oslo",),
        "PL": ("Europe/Warsaw",),
        "PT": ("Europe/Lisbon", "Atlantic/Madeira", "Atlantic/Azores"),
        "RO": ("Europe/Bucharest",),
        "SE": ("Europe/Stockholm",),
        "SI": ("Europe/Ljubljana",),
        "SK": ("Europe/Bratislava",),
    }
)

# Codes the EU itself uses where ISO 3166-1 differs (Greece is "EL" in EU texts).
_ALIASES: Mapping[str, str] = MappingProxyType({"EL": "GR", "UK": "GB"})


def normalise_country(code: str | None) -> str:
    """The ISO 3166-1 alpha-2 code in upper case, with the EU's own aliases resolved."""
    cleaned = (code or "").strip().upper()
    return _ALIASES.get(cleaned, cleaned)


def country_zones(code: str | None) -> tuple[str, ...]:
    """The IANA zones of a country, main zone first; empty for a country not in the table."""
    return COUNTRY_ZONES.get(normalise_country(code), ())


def consumer_timezone(country: str | None, trader_timezone: str) -> str:
    """The zone the date and time of submission is shown in: the main zone of the consumer's
    country (its first listed), else the trader's. The receipt shows UTC beside it, so nothing
    is lost where a country has several zones."""
    zones = country_zones(country)
    return zones[0] if zones else trader_timezone
