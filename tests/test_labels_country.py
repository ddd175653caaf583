"""The consumer's country decides between the Directive's wording and a national one (Art. 11a;
Rome I Art. 6): the national table, the member states' official languages, the rule without a
selector, unknown input, deliberate overrides per country, and old records (docs/labels.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from withdrawal.labels import CATALOGUE, DIRECTIVE, NATIONAL, StatutoryLabels, labels_for
from withdrawal.member_states import (
    MEMBER_STATE_LANGUAGES,
    default_country,
    is_member_state,
    official_languages,
)

#: country, language, entry, confirm, provision (None: the Directive's), verified.
COUNTRY_TABLE = [
    pytest.param("DE", "de", "Vertrag widerrufen", "Widerruf bestätigen", "§ 356a BGB", True,
                 id="DE-de-national"),
    pytest.param("AT", "de", "Vertrag widerrufen", "Widerruf bestätigen",
                 "§ 13a FAGG (BGBl. I Nr. 59/2026)", False, id="AT-de-national"),
    pytest.param("IT", "it", "Recedere dal contratto qui", "Conferma recesso",
                 "Art. 54-bis Codice del Consumo (D.Lgs. 209/2025)", True, id="IT-it-national"),
    pytest.param("FR", "fr", "Renoncer au contrat ici", "Confirmer la rétractation",
                 "art. D.221-5 Code de la consommation (décret n° 2026-3)", True,
                 id="FR-fr-national"),
    pytest.param("NL", "nl", "Hier de overeenkomst ontbinden", "Ontbinding bevestigen",
                 "art. 6:230oa BW", False, id="NL-nl-national"),
    pytest.param("SE", "sv", "Ångra avtalet här", "Bekräfta frånträde",
                 "2 kap. 10 a § distansavtalslagen (2005:59)", False, id="SE-sv-national"),
    pytest.param("BE", "nl", "Hier de overeenkomst herroepen", "Herroeping bevestigen", None,
                 True, id="BE-nl-directive"),
    pytest.param("BE", "fr", "Renoncer au contrat ici", "Confirmer la rétractation", None, True,
                 id="BE-fr-directive"),
    pytest.param("LU", "de", "Vertrag widerrufen", "Widerruf bestätigen", None, True,
                 id="LU-de-directive"),
    pytest.param("FI", "sv", "Ångra avtalet här", "Bekräfta frånträde", None, True,
                 id="FI-sv-directive"),
    pytest.param("IE", "ga", "Tarraing siar ón gconradh anseo", "Dearbhaigh an tarraingt siar",
                 None, True, id="IE-ga-directive"),
    pytest.param("NL", "en", "Withdraw from contract here", "Confirm withdrawal", None, True,
                 id="NL-en-directive-other-language"),
    pytest.param("DE", "it", "Recedere dal contratto qui", "Conferma recesso", None, True,
                 id="DE-it-directive-other-language"),
    pytest.param("GR", "el", "Πατήστε εδώ για υπαναχώρηση", "Επιβεβαίωση υπαναχώρησης", None,
                 True, id="GR-el-directive"),
    pytest.param("EL", "el", "Πατήστε εδώ για υπαναχώρηση", "Επιβεβαίωση υπαναχώρησης", None,
                 True, id="EL-eu-code-for-greece"),
    pytest.param("nl", "nl_NL", "Hier de overeenkomst ontbinden", "Ontbinding bevestigen",
                 "art. 6:230oa BW", False, id="nl-lower-case-country-regional-locale"),
]


@pytest.mark.parametrize(
    ("country", "lang", "entry", "confirm", "provision", "verified"), COUNTRY_TABLE)
def test_country_and_language_decide_the_wording(
    country: str, lang: str, entry: str, confirm: str, provision: str | None, verified: bool,
) -> None:
    labels = labels_for(lang, country=country)
    assert (labels.entry, labels.confirm, labels.verified) == (entry, confirm, verified)
    assert labels.provision == (provision or DIRECTIVE)
    assert labels.country == {"EL": "GR"}.get(country.upper(), country.upper())
    assert labels.fallback is None
    record = labels.to_json()
    assert record["country"] == labels.country and record["provision"] == labels.provision
    assert labels.source.startswith(provision) if provision else "2023/2673" in labels.source


def test_austria_notes_the_contracts_it_applies_to() -> None:
    source = NATIONAL["AT"].source
    assert "after 30 September 2026" in source and "§ 20 para 5 FAGG" in source


def test_netherlands_is_marked_unverified_until_the_statute_is_seen() -> None:
    labels = NATIONAL["NL"]
    assert not labels.verified and "unverified" in labels.source


def test_every_national_row_is_in_an_official_language_of_its_country() -> None:
    for country, labels in NATIONAL.items():
        assert labels.country == country
        assert labels.locale in official_languages(country), country
        assert labels.provision != DIRECTIVE and labels.source.startswith(labels.provision)


@pytest.mark.parametrize(("locale", "country", "fallback", "shown"), [
    pytest.param("ja", None, {"locale": "ja"}, "Withdraw from contract here",
                 id="unknown-locale-english-directive"),
    pytest.param("ja", "NL", {"locale": "ja"}, "Withdraw from contract here",
                 id="unknown-locale-known-country-english-directive"),
    pytest.param("de", "US", {"country": "US"}, "Vertrag widerrufen",
                 id="country-outside-the-eea-counts-as-none"),
    pytest.param("nl", "XX", {"country": "XX"}, "Hier de overeenkomst herroepen",
                 id="unknown-country-counts-as-none"),
    pytest.param("", "", {"locale": ""}, "Withdraw from contract here", id="empty-locale"),
    pytest.param("xx", "ZZ", {"locale": "xx", "country": "ZZ"}, "Withdraw from contract here",
                 id="both-unknown"),
])
def test_unknown_input_falls_back_and_is_recorded(
    locale: str, country: str | None, fallback: dict[str, str], shown: str,
) -> None:
    labels = labels_for(locale, country=country)
    assert labels.entry == shown
    assert labels.to_json()["fallback"] == fallback
    if "country" in fallback:
        assert labels.country is None and labels.provision == DIRECTIVE


def test_no_country_records_none_and_no_fallback() -> None:
    record = labels_for("sv").to_json()
    assert (record["country"], record["fallback"]) == (None, None)
    assert record["provision"] == DIRECTIVE


@pytest.mark.parametrize(("trader", "language", "expected"), [
    pytest.param("IT", "it", "IT", id="IT-it-trader-country"),
    pytest.param("IT", "en", None, id="IT-en-none"),
    pytest.param("IT", "de", None, id="IT-de-none"),
    pytest.param("BE", "nl", "BE", id="BE-nl-trader-country"),
    pytest.param("BE", "fr", "BE", id="BE-fr-trader-country"),
    pytest.param("BE", "de", "BE", id="BE-de-trader-country"),
    pytest.param("LU", "fr", "LU", id="LU-fr-trader-country"),
    pytest.param("LU", "de", "LU", id="LU-de-trader-country"),
    pytest.param("IE", "en", "IE", id="IE-en-trader-country"),
    pytest.param("IE", "ga", "IE", id="IE-ga-trader-country"),
    pytest.param("MT", "en", "MT", id="MT-en-trader-country"),
    pytest.param("FI", "sv", "FI", id="FI-sv-trader-country"),
    pytest.param("CY", "el", "CY", id="CY-el-trader-country"),
    pytest.param("AT", "de", "AT", id="AT-de-trader-country"),
    pytest.param("NL", "nl", "NL", id="NL-nl-trader-country"),
    pytest.param("de", "de", "DE", id="DE-lower-case"),
    pytest.param("EL", "el", "GR", id="EL-eu-code"),
    pytest.param("CH", "de", None, id="CH-not-in-the-table"),
    pytest.param("", "en", None, id="no-trader-country"),
])
def test_without_selector_the_traders_country_when_the_language_is_official_there(
    trader: str, language: str, expected: str | None,
) -> None:
    assert default_country(trader, language) == expected


def test_the_table_covers_the_eu_and_eea_with_official_eu_languages_only() -> None:
    assert len(MEMBER_STATE_LANGUAGES) == 30
    for country, languages in MEMBER_STATE_LANGUAGES.items():
        assert set(languages) <= set(CATALOGUE), country
    assert is_member_state("el") and not is_member_state("GB") and not is_member_state(None)


@pytest.mark.parametrize(("overrides", "country", "entry"), [
    pytest.param({"nl-NL": {"entry": "Ontbind hier"}}, "NL", "Ontbind hier",
                 id="override-for-one-country"),
    pytest.param({"nl-NL": {"entry": "Ontbind hier"}}, "BE", "Hier de overeenkomst herroepen",
                 id="override-not-for-another-country"),
    pytest.param({"nl_nl": {"entry": "Ontbind hier"}}, "NL", "Ontbind hier",
                 id="override-key-spelt-with-underscore"),
    pytest.param({"nl": {"entry": "A"}, "nl-NL": {"entry": "B"}}, "NL", "B",
                 id="country-override-wins"),
    pytest.param({"nl": {"entry": "A"}}, "BE", "A", id="language-override-everywhere"),
])
def test_overrides_are_deliberate_per_language_or_country(
    overrides: dict[str, dict[str, str]], country: str, entry: str,
) -> None:
    labels = labels_for("nl", overrides, country=country)
    assert labels.entry == entry
    assert labels.overridden == (entry in {"A", "B", "Ontbind hier"})
    if labels.overridden:
        assert labels.source.startswith("shop override (WITHDRAWAL_LABELS) of: ")
        assert labels.country == country  # the record still names the country and provision


def test_record_round_trips_and_old_records_stay_readable() -> None:
    labels = labels_for("nl", country="NL")
    assert StatutoryLabels.from_json(labels.to_json()) == labels
    old = {"locale": "de", "entry": "Vertrag widerrufen", "confirm": "Widerruf bestätigen",
           "verified": True, "source": "§ 356a BGB, verified in commentary", "overridden": False}
    read = StatutoryLabels.from_json(old)
    assert (read.entry, read.country, read.provision, read.fallback) == (
        "Vertrag widerrufen", None, DIRECTIVE, None)
    assert set(read.to_json()) >= set(old)  # new keys are additions


def test_no_national_label_is_a_gettext_message() -> None:
    """Legal text stays out of the translators' reach (R18), the national wordings included."""
    translations = Path(__file__).resolve().parents[1] / "translations"
    labels = {text.casefold() for lbl in NATIONAL.values() for text in (lbl.entry, lbl.confirm)}
    for path in translations.glob("*/LC_MESSAGES/withdrawal.po"):
        with path.open(encoding="utf-8") as handle:
            for message in read_po(handle):
                for text in (message.id, message.string):
                    if isinstance(text, str):
                        assert text.casefold() not in labels, (path.name, text)
