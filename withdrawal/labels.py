"""The statutory labels of CRD Art. 11a: the entry label of the withdrawal function and the label
of its confirmation button, per official EU language.

These are legal text, not UI copy: they are never translated through the gettext catalogues,
never machine-translated, and a shop overrides one only deliberately (``WITHDRAWAL_LABELS``),
in which case every statement records the override it was shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache

from babel import Locale


@dataclass(frozen=True)
class StatutoryLabels:
    """The two labels for one language, with the provenance a reviewer needs."""

    locale: str
    entry: str
    confirm: str
    verified: bool
    source: str
    overridden: bool = False

    def to_json(self) -> dict[str, object]:
        """The record kept in every statement: the exact texts shown and where they come from."""
        return {
            "locale": self.locale,
            "entry": self.entry,
            "confirm": self.confirm,
            "verified": self.verified,
            "source": self.source,
            "overridden": self.overridden,
        }


def _label(locale: str, entry: str, confirm: str, verified: bool, source: str) -> StatutoryLabels:
    return StatutoryLabels(locale, entry, confirm, verified, source)


_DRAFT = "drafted for counsel review; not yet checked against the national transposition"

#: The 24 official EU languages. Verified rows follow the statute or commentary named as their
#: source (table under R18 in docs/architecture.md); the rest are careful drafts marked
#: unverified until counsel confirms the national wording.
CATALOGUE: Mapping[str, StatutoryLabels] = {
    lbl.locale: lbl
    for lbl in (
        _label("en", "Withdraw from contract here", "Confirm withdrawal", True,
               "Directive 2011/83/EU Art. 11a as inserted by Directive (EU) 2023/2673"),
        _label("it", "Recedere dal contratto qui", "Conferma recesso", True,
               "Art. 54-bis Codice del Consumo (D.Lgs. 209/2025)"),
        _label("de", "Vertrag widerrufen", "Widerruf bestätigen", True,
               "§ 356a BGB, verified in commentary"),
        _label("fr", "Renoncer au contrat ici", "Confirmer la rétractation", True,
               "Code de la consommation D.221-5, verified in commentary"),
        _label("pl", "Odstąp od umowy tutaj", "Potwierdź odstąpienie od umowy", False,
               "entry label verified; confirm label unverified"),
        _label("sk", "Odstúpiť od zmluvy tu", "Potvrdiť odstúpenie od zmluvy", True,
               "verified in one quote of the Slovak statute"),
        _label("ro", "Retrageți-vă din contract aici", "Confirmați retragerea", False,
               "entry label verified; confirm label unverified"),
        _label("es", "Desistir del contrato aquí", "Confirmar desistimiento", False, _DRAFT),
        _label("pt", "Retrate-se do contrato aqui", "Confirmar retratação", False, _DRAFT),
        _label("nl", "Hier de overeenkomst herroepen", "Herroeping bevestigen", False,
               _DRAFT + " (Dutch law says 'ontbinden')"),
        _label("bg", "Отказ от договора тук", "Потвърждаване на отказа", False, _DRAFT),
        _label("cs", "Odstoupit od smlouvy zde", "Potvrdit odstoupení od smlouvy", False, _DRAFT),
        _label("da", "Fortryd aftalen her", "Bekræft fortrydelse", False, _DRAFT),
        _label("el", "Υπαναχώρηση από τη σύμβαση εδώ", "Επιβεβαίωση υπαναχώρησης", False, _DRAFT),
        _label("et", "Taganege lepingust siin", "Kinnitage taganemine", False, _DRAFT),
        _label("fi", "Peru sopimus tästä", "Vahvista peruminen", False, _DRAFT),
        _label("ga", "Tarraing siar ón gconradh anseo", "Deimhnigh an tarraingt siar", False,
               _DRAFT),
        _label("hr", "Odustanite od ugovora ovdje", "Potvrdite odustajanje od ugovora", False,
               _DRAFT),
        _label("hu", "Elállás a szerződéstől itt", "Elállás megerősítése", False, _DRAFT),
        _label("lt", "Atsisakyti sutarties čia", "Patvirtinti atsisakymą", False, _DRAFT),
        _label("lv", "Atkāpties no līguma šeit", "Apstiprināt atkāpšanos", False, _DRAFT),
        _label("mt", "Irtira mill-kuntratt hawn", "Ikkonferma l-irtirar", False, _DRAFT),
        _label("sl", "Odstop od pogodbe tukaj", "Potrdi odstop od pogodbe", False, _DRAFT),
        _label("sv", "Frånträd avtalet här", "Bekräfta frånträdet", False, _DRAFT),
    )
}

#: Official EU languages, in the order the language switcher lists them.
LANGUAGES: tuple[str, ...] = tuple(sorted(CATALOGUE))


def base_language(locale: str) -> str:
    """``pt_BR`` and ``pt-PT`` both map to ``pt``: labels are per language."""
    return locale.replace("-", "_").split("_")[0].lower()


def labels_for(
    locale: str,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    default: str = "en",
) -> StatutoryLabels:
    """The labels to show for ``locale``, with a shop's deliberate override applied.

    ``overrides`` maps a language to ``{"entry": ..., "confirm": ...}`` (either key optional);
    an overridden label keeps the catalogue's provenance but is marked ``overridden``.
    """
    lang = base_language(locale)
    labels = CATALOGUE.get(lang) or CATALOGUE[default]
    override = (overrides or {}).get(labels.locale)
    if not override:
        return labels
    return replace(
        labels,
        entry=override.get("entry", labels.entry),
        confirm=override.get("confirm", labels.confirm),
        overridden=True,
        source="shop override (WITHDRAWAL_LABELS) of: " + labels.source,
    )


@cache
def language_names() -> tuple[tuple[str, str], ...]:
    """Each language named in itself, for the switcher: ``("de", "Deutsch")``."""
    return tuple((code, (Locale.parse(code).get_display_name(code) or code).capitalize())
                 for code in LANGUAGES)
