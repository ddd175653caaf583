"""The statutory labels of CRD Art. 11a: the entry label of the withdrawal function and the label
of its confirmation button, per official EU language and, where a member state's transposition
words them its own way, per country.

These are legal text, not UI copy: they are never translated through the gettext catalogues,
never machine-translated, and a shop overrides one only deliberately (``WITHDRAWAL_LABELS``),
in which case every statement records the override it was shown. docs/labels.md has the tables,
the country rule and what the record keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from typing import Any

from babel import Locale

from .eligibility.zones import normalise_country
from .member_states import is_member_state

#: The provision every Directive row cites.
DIRECTIVE = "Art. 11a(1) and (3) Directive 2011/83/EU, inserted by Directive (EU) 2023/2673"


@dataclass(frozen=True)
class StatutoryLabels:
    """The two labels for one language, with the provenance a reviewer needs.

    ``country`` is the country whose law the wording was chosen for (None: none was known, the
    Directive's wording applies); ``provision`` the article cited for it; ``fallback`` what was
    asked for and not known (``{"locale": "ja"}``, ``{"country": "US"}``), else None."""

    locale: str
    entry: str
    confirm: str
    verified: bool
    source: str
    overridden: bool = False
    country: str | None = None
    provision: str = DIRECTIVE
    fallback: Mapping[str, str] | None = None

    def to_json(self) -> dict[str, object]:
        """The record kept in every statement: the exact texts shown and where they come from."""
        return {
            "locale": self.locale,
            "entry": self.entry,
            "confirm": self.confirm,
            "verified": self.verified,
            "source": self.source,
            "overridden": self.overridden,
            "country": self.country,
            "provision": self.provision,
            "fallback": dict(self.fallback) if self.fallback else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StatutoryLabels:
        """The labels a statement recorded; records made before country and provision were
        kept read as the Directive's wording with no country."""
        fallback = data.get("fallback")
        return cls(
            locale=str(data["locale"]), entry=str(data["entry"]), confirm=str(data["confirm"]),
            verified=bool(data.get("verified")), source=str(data.get("source") or ""),
            overridden=bool(data.get("overridden")), country=data.get("country") or None,
            provision=str(data.get("provision") or DIRECTIVE),
            fallback=dict(fallback) if fallback else None,
        )


_COMPILATION = (
    "from the compilation 'EU withdrawal-button wording' (Cooloff, CC BY 4.0, "
    "cooloffapp.com/en/eu-withdrawal-button-wording), checked verbatim against EUR-Lex "
    "(24/24 on 2026-09-10)"
)

#: Independent cross-checks of a Directive row (docs/labels.md).
_CROSS_CHECKS: Mapping[str, str] = {
    "de": "a reproduction of the German Directive text",
    "it": "the Gazzetta Ufficiale text of Art. 54-bis Codice del Consumo (D.Lgs. 209/2025)",
    "fr": "décret n° 2026-3, art. D.221-5 Code de la consommation",
    "sv": "several Swedish shops citing 2 kap. 10 a § distansavtalslagen",
    "pl": "Polish shops",
}


def _directive(locale: str, entry: str, confirm: str) -> StatutoryLabels:
    language = Locale.parse(locale).get_display_name("en")
    source = f"Directive (EU) 2023/2673, {language} language version; {_COMPILATION}"
    if locale in _CROSS_CHECKS:
        source += f"; cross-checked against {_CROSS_CHECKS[locale]}"
    return StatutoryLabels(locale, entry, confirm, True, source)


#: The Directive's own wording in its 24 equally authentic language versions, character for
#: character (capitalised, as shops show them; the Directive quotes them in lower case). Six
#: versions have no place word ("here"): da, de, et, hr, hu, lv; adding one departs from them.
CATALOGUE: Mapping[str, StatutoryLabels] = MappingProxyType({
    lbl.locale: lbl
    for lbl in (
        _directive("bg", "Откажете се от договора тук", "Потвърждавам отказа"),
        _directive("cs", "Zde odstoupit od smlouvy", "Potvrdit odstoupení od smlouvy"),
        _directive("da", "Fortryd aftale", "Bekræft fortrydelse"),
        _directive("de", "Vertrag widerrufen", "Widerruf bestätigen"),
        _directive("el", "Πατήστε εδώ για υπαναχώρηση", "Επιβεβαίωση υπαναχώρησης"),
        _directive("en", "Withdraw from contract here", "Confirm withdrawal"),
        _directive("es", "Desistir del contrato aquí", "Confirmar desistimiento"),
        _directive("et", "Taganen lepingust", "Kinnitan taganemise"),
        _directive("fi", "Peruuta sopimus tästä", "Vahvista peruuttaminen"),
        _directive("fr", "Renoncer au contrat ici", "Confirmer la rétractation"),
        _directive("ga", "Tarraing siar ón gconradh anseo", "Dearbhaigh an tarraingt siar"),
        _directive("hr", "Odustati od ugovora", "Potvrditi odustajanje"),
        _directive("hu", "Elállás a szerződéstől", "Elállás megerősítése"),
        _directive("it", "Recedere dal contratto qui", "Conferma recesso"),
        _directive("lt", "Atsisakyti sutarties čia", "Patvirtinti sutarties atsisakymą"),
        _directive("lv", "Atteikties no līguma", "Apstiprināt atteikumu"),
        _directive("mt", "Irtira mill-kuntratt hawnhekk", "Ikkonferma r-reċess"),
        _directive("nl", "Hier de overeenkomst herroepen", "Herroeping bevestigen"),
        _directive("pl", "Odstąp od umowy tutaj", "Potwierdź odstąpienie od umowy"),
        _directive("pt", "Retrate-se do contrato aqui", "Confirmar retratação"),
        _directive("ro", "Retrageți-vă din contract aici", "Confirmați retragerea"),
        _directive("sk", "Odstúpiť od zmluvy tu", "Potvrdiť odstúpenie od zmluvy"),
        _directive("sl", "Kliknite tukaj za odstop od pogodbe", "Potrdi odstop od pogodbe"),
        _directive("sv", "Ångra avtalet här", "Bekräfta frånträde"),
    )
})


def _national(
    country: str, locale: str, provision: str, verified: bool, source: str,
    entry: str | None = None, confirm: str | None = None,
) -> StatutoryLabels:
    directive = CATALOGUE[locale]
    return StatutoryLabels(
        locale, entry or directive.entry, confirm or directive.confirm, verified,
        f"{provision}: {source}", country=country, provision=provision,
    )


#: The transpositions this package knows, by country: the wording in the country's language and
#: the provision it rests on. A country not listed, or another of its languages, gets the
#: Directive's wording for the language (a Belgian consumer in Dutch: "herroepen").
NATIONAL: Mapping[str, StatutoryLabels] = MappingProxyType({
    lbl.country or "": lbl
    for lbl in (
        _national("DE", "de", "§ 356a BGB", True,
                  "'oder einer anderen gleichbedeutenden eindeutigen Formulierung'; from 19 June "
                  "2026; the Bundestag text as quoted in commentary"),
        _national("AT", "de", "§ 13a FAGG (BGBl. I Nr. 59/2026)", False,
                  "the German Directive text, 'oder einer entsprechenden eindeutigen "
                  "Formulierung'; para 4 puts 'ausschließlich' before the confirmation label; "
                  "applies only to contracts concluded after 30 September 2026 (§ 20 para 5 "
                  "FAGG); secondary source (the compilation's national notes), not verified"),
        _national("IT", "it", "Art. 54-bis Codice del Consumo (D.Lgs. 209/2025)", True,
                  "the Gazzetta Ufficiale text; 'Recedi dal contratto qui', seen in plugins, is "
                  "not the statute's wording"),
        _national("FR", "fr", "art. D.221-5 Code de la consommation (décret n° 2026-3)", True,
                  "verified in two law-firm summaries"),
        _national("NL", "nl", "art. 6:230oa BW", False,
                  "Dutch civil law calls the withdrawal 'ontbinden' where the Directive's Dutch "
                  "text says 'herroepen'; from several Dutch shop implementations; the statute "
                  "text was not seen: unverified",
                  entry="Hier de overeenkomst ontbinden", confirm="Ontbinding bevestigen"),
        _national("SE", "sv", "2 kap. 10 a § distansavtalslagen (2005:59)", False,
                  "the same words as the Directive's Swedish text; from several Swedish "
                  "implementations; the statute text was not seen: unverified"),
    )
})

#: Languages whose pages, messages, e-mails and PDFs are completely translated; the other
#: official EU languages get their statutory labels and English text (docs/i18n.md).
COMPLETE_LANGUAGES: tuple[str, ...] = ("de", "en", "es", "fr", "it", "nl", "pl", "pt")


def text_language(locale: str) -> str:
    """The language a text in ``locale`` is written in: ``locale`` where the catalogue is
    complete, else English (a language with only its statutory labels)."""
    return locale if locale.replace("_", "-").split("-")[0] in COMPLETE_LANGUAGES else "en"


#: Official EU languages, in the order the language switcher lists them.
LANGUAGES: tuple[str, ...] = tuple(sorted(CATALOGUE))


def base_language(locale: str) -> str:
    """``pt_BR`` and ``pt-PT`` both map to ``pt``: labels are per language."""
    return locale.replace("-", "_").split("_")[0].lower()


def labels_for(
    locale: str,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    default: str = "en",
    *,
    country: str | None = None,
) -> StatutoryLabels:
    """The labels to show for ``locale`` to a consumer in ``country`` (ISO 3166-1 alpha-2).

    A country whose transposition words them differently (:data:`NATIONAL`) gets that wording
    in its language; otherwise the Directive's for the language. An unknown language gets the
    Directive's wording in ``default``; an unknown country counts as none; both are recorded in
    ``fallback``. ``overrides`` maps a language (``"nl"``) or a language and country
    (``"nl-NL"``, which wins) to ``{"entry": ..., "confirm": ...}`` (either key optional); an
    overridden label keeps the catalogue's provenance but is marked ``overridden``.
    """
    fallback: dict[str, str] = {}
    labels = CATALOGUE.get(base_language(locale))
    if labels is None:
        fallback["locale"] = locale
        labels = CATALOGUE[default]
    code = normalise_country(country) or None
    if code is not None and not is_member_state(code):
        fallback["country"] = str(country)
        code = None
    national = NATIONAL.get(code or "")
    if national is not None and national.locale == labels.locale:
        labels = national
    labels = replace(labels, country=code, fallback=fallback or None)
    return _override(labels, overrides or {})


def _override(
    labels: StatutoryLabels, overrides: Mapping[str, Mapping[str, str]],
) -> StatutoryLabels:
    keys = {base_language(key) + _region(key): value for key, value in overrides.items()}
    override = keys.get(labels.locale + "-" + (labels.country or "")) or keys.get(labels.locale)
    if not override:
        return labels
    return replace(
        labels,
        entry=override.get("entry", labels.entry),
        confirm=override.get("confirm", labels.confirm),
        overridden=True,
        source="shop override (WITHDRAWAL_LABELS) of: " + labels.source,
    )


def _region(key: str) -> str:
    """``"-NL"`` for ``nl-NL``, ``nl_nl`` or ``nl-nl``; empty for a bare language."""
    parts = key.replace("-", "_").split("_")
    return "-" + normalise_country(parts[1]) if len(parts) > 1 and parts[1] else ""


@cache
def language_names() -> tuple[tuple[str, str], ...]:
    """Each language named in itself, for the switcher: ``("de", "Deutsch")``."""
    return tuple((code, (Locale.parse(code).get_display_name(code) or code).capitalize())
                 for code in LANGUAGES)
