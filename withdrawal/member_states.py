"""Which official EU languages each country of the single market speaks, and the country whose
law decides the statutory wording when the shop names none.

Pure: nothing here imports Flask. The table lists the EU's 27 member states with those of their
official languages that are official languages of the EU (Regulation No 1/1958), and the three
EEA states that apply Directive 2011/83/EU through the EEA Agreement (Iceland and Norway have
none of the EU's languages; Liechtenstein speaks German). A country outside the table is not
one whose transposition this package knows: the labels then follow the Directive's wording for
the language, and the record says which country was asked for (``labels.labels_for``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .eligibility.zones import normalise_country

MEMBER_STATE_LANGUAGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "AT": ("de",),
        "BE": ("nl", "fr", "de"),
        "BG": ("bg",),
        "CY": ("el",),
        "CZ": ("cs",),
        "DE": ("de",),
        "DK": ("da",),
        "EE": ("et",),
        "ES": ("es",),
        "FI": ("fi", "sv"),
        "FR": ("fr",),
        "GR": ("el",),
        "HR": ("hr",),
        "HU": ("hu",),
        "IE": ("en", "ga"),
        "IT": ("it",),
        "LT": ("lt",),
        "LU": ("fr", "de"),
        "LV": ("lv",),
        "MT": ("mt", "en"),
        "NL": ("nl",),
        "PL": ("pl",),
        "PT": ("pt",),
        "RO": ("ro",),
        "SE": ("sv",),
        "SI": ("sl",),
        "SK": ("sk",),
        # EEA states outside the EU.
        "IS": (),
        "LI": ("de",),
        "NO": (),
    }
)


def is_member_state(country: str | None) -> bool:
    """Whether ``country`` (ISO 3166-1 alpha-2, or the EU's ``EL``) is in the table."""
    return normalise_country(country) in MEMBER_STATE_LANGUAGES


def official_languages(country: str | None) -> tuple[str, ...]:
    """The country's official EU languages; empty for a country not in the table."""
    return MEMBER_STATE_LANGUAGES.get(normalise_country(country), ())


def default_country(trader_country: str | None, language: str) -> str | None:
    """The country whose wording applies when the shop names none: the trader's own when the
    page's language is an official language there (a Belgian shop's Dutch page: BE), else
    none, which means the Directive's wording for the language."""
    if language in official_languages(trader_country):
        return normalise_country(trader_country)
    return None
