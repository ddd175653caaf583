"""Statutory labels (R1, R6, R18): their own catalogue, exact strings from the reference's
label table (docs/labels.md; the whole table is held in tests/test_labels_directive.py)."""

from __future__ import annotations

import pytest

from withdrawal.labels import CATALOGUE, LANGUAGES, labels_for

OFFICIAL_EU_LANGUAGES = {
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt",
    "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
}

LAW_MD = [
    ("en", "Withdraw from contract here", "Confirm withdrawal", True),
    ("it", "Recedere dal contratto qui", "Conferma recesso", True),
    ("de", "Vertrag widerrufen", "Widerruf bestätigen", True),
    ("fr", "Renoncer au contrat ici", "Confirmer la rétractation", True),
    ("pl", "Odstąp od umowy tutaj", "Potwierdź odstąpienie od umowy", True),
    ("sk", "Odstúpiť od zmluvy tu", "Potvrdiť odstúpenie od zmluvy", True),
    ("ro", "Retrageți-vă din contract aici", "Confirmați retragerea", True),
    ("es", "Desistir del contrato aquí", "Confirmar desistimiento", True),
    ("pt", "Retrate-se do contrato aqui", "Confirmar retratação", True),
    ("nl", "Hier de overeenkomst herroepen", "Herroeping bevestigen", True),
    ("sv", "Ångra avtalet här", "Bekräfta frånträde", True),
    ("da", "Fortryd aftale", "Bekræft fortrydelse", True),
]


def test_all_24_official_languages() -> None:
    assert set(LANGUAGES) == OFFICIAL_EU_LANGUAGES


@pytest.mark.parametrize(("lang", "entry", "confirm", "verified"), LAW_MD,
                         ids=[f"R1-R6-{row[0]}" for row in LAW_MD])
def test_labels_match_law_md_exactly(lang: str, entry: str, confirm: str, verified: bool) -> None:
    labels = CATALOGUE[lang]
    assert (labels.entry, labels.confirm, labels.verified) == (entry, confirm, verified)
    assert labels.source


def test_no_unverified_draft_is_left_where_the_reference_covers_the_language() -> None:
    drafted = {code for code, lbl in CATALOGUE.items() if not lbl.verified}
    assert not drafted


def test_never_the_subscription_cancellation_labels() -> None:
    for labels in CATALOGUE.values():
        assert "kündigen" not in labels.entry + labels.confirm


def test_regional_locale_and_unknown_fall_back() -> None:
    assert labels_for("pt_BR").locale == "pt"
    assert labels_for("de-AT").entry == "Vertrag widerrufen"
    assert labels_for("ja").locale == "en"


def test_override_is_deliberate_and_recorded() -> None:
    labels = labels_for("nl", {"nl": {"entry": "Hier de overeenkomst ontbinden"}})
    assert labels.entry == "Hier de overeenkomst ontbinden"
    assert labels.confirm == "Herroeping bevestigen"
    assert labels.overridden and labels.to_json()["overridden"] is True
    assert not labels_for("de", {"nl": {"entry": "x"}}).overridden
