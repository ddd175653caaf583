"""The 24 pairs of the Directive (Art. 11a(1) and (3), R1, R6, R18), character for character from
the reference (docs/labels.md): the whole table is held here, so an edit of the catalogue cannot
drift from it unnoticed."""

from __future__ import annotations

import unicodedata

import pytest

from withdrawal.labels import CATALOGUE, DIRECTIVE, LANGUAGES, labels_for

#: code, withdrawal function (Art. 11a(1)), confirmation function (Art. 11a(3)).
DIRECTIVE_TABLE = [
    ("bg", "Откажете се от договора тук", "Потвърждавам отказа"),
    ("cs", "Zde odstoupit od smlouvy", "Potvrdit odstoupení od smlouvy"),
    ("da", "Fortryd aftale", "Bekræft fortrydelse"),
    ("de", "Vertrag widerrufen", "Widerruf bestätigen"),
    ("el", "Πατήστε εδώ για υπαναχώρηση", "Επιβεβαίωση υπαναχώρησης"),
    ("en", "Withdraw from contract here", "Confirm withdrawal"),
    ("es", "Desistir del contrato aquí", "Confirmar desistimiento"),
    ("et", "Taganen lepingust", "Kinnitan taganemise"),
    ("fi", "Peruuta sopimus tästä", "Vahvista peruuttaminen"),
    ("fr", "Renoncer au contrat ici", "Confirmer la rétractation"),
    ("ga", "Tarraing siar ón gconradh anseo", "Dearbhaigh an tarraingt siar"),
    ("hr", "Odustati od ugovora", "Potvrditi odustajanje"),
    ("hu", "Elállás a szerződéstől", "Elállás megerősítése"),
    ("it", "Recedere dal contratto qui", "Conferma recesso"),
    ("lt", "Atsisakyti sutarties čia", "Patvirtinti sutarties atsisakymą"),
    ("lv", "Atteikties no līguma", "Apstiprināt atteikumu"),
    ("mt", "Irtira mill-kuntratt hawnhekk", "Ikkonferma r-reċess"),
    ("nl", "Hier de overeenkomst herroepen", "Herroeping bevestigen"),
    ("pl", "Odstąp od umowy tutaj", "Potwierdź odstąpienie od umowy"),
    ("pt", "Retrate-se do contrato aqui", "Confirmar retratação"),
    ("ro", "Retrageți-vă din contract aici", "Confirmați retragerea"),
    ("sk", "Odstúpiť od zmluvy tu", "Potvrdiť odstúpenie od zmluvy"),
    ("sl", "Kliknite tukaj za odstop od pogodbe", "Potrdi odstop od pogodbe"),
    ("sv", "Ångra avtalet här", "Bekräfta frånträde"),
]

#: The versions with no place word ("here"); adding one departs from the statutory wording.
WITHOUT_HERE = {
    "da": "her", "de": "hier", "et": "siin", "hr": "ovdje", "hu": "itt", "lv": "šeit",
}


def test_the_table_has_every_official_language_once() -> None:
    codes = [row[0] for row in DIRECTIVE_TABLE]
    assert len(codes) == len(set(codes)) == 24
    assert set(codes) == set(LANGUAGES) == set(CATALOGUE)


@pytest.mark.parametrize(("lang", "entry", "confirm"), [
    pytest.param(*row, id=f"art11a-{row[0]}-directive") for row in DIRECTIVE_TABLE
])
def test_catalogue_is_the_directive_character_for_character(
    lang: str, entry: str, confirm: str,
) -> None:
    labels = CATALOGUE[lang]
    assert (labels.locale, labels.entry, labels.confirm) == (lang, entry, confirm)
    assert labels.verified and not labels.overridden
    assert labels.country is None and labels.provision == DIRECTIVE
    assert "2023/2673" in labels.source and "EUR-Lex" in labels.source
    # labels_for without a country gives exactly the Directive's row.
    assert labels_for(lang).to_json() == labels.to_json()


@pytest.mark.parametrize("lang", [pytest.param(row[0], id=f"art11a-{row[0]}-nfc")
                                  for row in DIRECTIVE_TABLE])
def test_texts_are_composed_unicode_without_stray_spaces(lang: str) -> None:
    labels = CATALOGUE[lang]
    for text in (labels.entry, labels.confirm):
        assert unicodedata.normalize("NFC", text) == text
        assert text == text.strip() and "  " not in text


@pytest.mark.parametrize(("lang", "here"), [
    pytest.param(lang, here, id=f"art11a-{lang}-no-here") for lang, here in WITHOUT_HERE.items()
])
def test_six_versions_carry_no_here(lang: str, here: str) -> None:
    assert here not in CATALOGUE[lang].entry.casefold().split()


@pytest.mark.parametrize(("lang", "source"), [
    pytest.param("de", "reproduction of the German Directive text", id="art11a-de-cross-checked"),
    pytest.param("it", "Gazzetta Ufficiale", id="art11a-it-cross-checked"),
    pytest.param("fr", "D.221-5", id="art11a-fr-cross-checked"),
    pytest.param("sv", "10 a §", id="art11a-sv-cross-checked"),
    pytest.param("pl", "Polish shops", id="art11a-pl-cross-checked"),
])
def test_independent_cross_checks_are_named(lang: str, source: str) -> None:
    assert source in CATALOGUE[lang].source


@pytest.mark.parametrize(("lang", "old_draft"), [
    pytest.param("sv", "Frånträd avtalet här", id="sv-old-draft-gone"),
    pytest.param("da", "Fortryd aftalen her", id="da-old-draft-gone"),
    pytest.param("de", "Vertrag hier widerrufen", id="de-no-added-here"),
    pytest.param("it", "Recedi dal contratto qui", id="it-plugin-wording-not-the-statute"),
])
def test_the_old_drafts_are_gone(lang: str, old_draft: str) -> None:
    assert CATALOGUE[lang].entry != old_draft
