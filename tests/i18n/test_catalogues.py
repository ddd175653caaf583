"""The catalogues themselves: in step with the code (every msgid ``pybabel extract`` finds is in
the template), complete and unfuzzy for every language we call complete, compiling without a
warning, placeholders intact, the Annex I(B) title official, and no statutory label among them:
those stay in their own catalogue (R18)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from i18n.support import (
    POT,
    PYBABEL,
    ROOT,
    TRANSLATED,
    TRANSLATIONS,
    po_path,
    read_catalog,
)

from withdrawal.i18n import COMPLETE_LANGUAGES
from withdrawal.labels import CATALOGUE, LANGUAGES

#: The options of ``make translations``' extract step (the Makefile test keeps them in step).
EXTRACT_OPTIONS = ["-F", "babel.cfg", "-k", "N_", "-k", "_l", "-k", "lazy_gettext",
                   "-k", "pgettext:1c,2", "-k", "lazy_pgettext:1c,2",
                   "--add-comments=Translators:", "--no-wrap", "--sort-by-file"]

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

#: The title of Annex I(B) in each language version of Directive 2011/83/EU.
OFFICIAL_TITLE = {
    "it": "Modulo di recesso tipo",
    "de": "Muster-Widerrufsformular",
    "fr": "Modèle de formulaire de rétractation",
    "es": "Modelo de formulario de desistimiento",
    "nl": "Modelformulier voor herroeping",
    "pl": "Wzór formularza odstąpienia od umowy",
    "pt": "Modelo de formulário de retratação",
}

#: The word each language's consumer law uses for the withdrawal.
LEGAL_TERM = {
    "it": "recesso",
    "de": "Widerruf",
    "fr": "rétractation",
    "es": "desistimiento",
    "nl": "herroeping",
    "pl": "odstąpieniu",
    "pt": "livre resolução",
}


def _ids(path: Path) -> set[object]:
    return {message.id for message in read_catalog(path) if message.id}


def test_the_template_has_every_msgid_the_code_and_templates_use(tmp_path: Path) -> None:
    fresh = tmp_path / "withdrawal.pot"
    subprocess.run([PYBABEL, "extract", *EXTRACT_OPTIONS, "-o", str(fresh), "."], cwd=ROOT,
                   check=True, capture_output=True)
    extracted, committed = _ids(fresh), _ids(POT)
    missing, stale = extracted - committed, committed - extracted
    assert not missing and not stale, (
        f"translations/withdrawal.pot is out of date: missing {sorted(map(str, missing))}, "
        f"no longer used {sorted(map(str, stale))}. Run `make translations`."
    )


def test_make_translations_extracts_with_the_same_options() -> None:
    recipe = (ROOT / "Makefile").read_text().split("\ntranslations:", 1)[1].split("\n\n", 1)[0]
    for option in ("-F babel.cfg", "-k N_", "-k _l", "-k lazy_gettext", "-k pgettext:1c,2",
                   "-k lazy_pgettext:1c,2",
                   "--add-comments=Translators:", "--no-wrap", "pybabel update --no-wrap",
                   "compile-translations"):
        assert option in recipe, option


@pytest.mark.parametrize("lang", TRANSLATED)
def test_complete_language_has_every_entry_translated_and_none_fuzzy(lang: str) -> None:
    catalog = read_catalog(po_path(lang), locale=lang)
    assert _ids(po_path(lang)) == _ids(POT), "catalogue not updated: run `make translations`"
    untranslated = [str(m.id) for m in catalog if m.id and not all(_strings(m.string))]
    fuzzy = [str(m.id) for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{lang}: untranslated {untranslated}"
    assert not fuzzy, f"{lang}: fuzzy {fuzzy}"
    assert not catalog.fuzzy, f"{lang}: the catalogue header is marked fuzzy"


def _strings(string: object) -> tuple[str, ...]:
    """A message's id or string as a tuple of texts (plural forms have several)."""
    if isinstance(string, list | tuple):
        return tuple(str(part) for part in string)
    return (str(string),) if string else ("",)


def _texts(lang: str) -> dict[str, str]:
    """msgid -> msgstr of the singular messages of ``lang``'s catalogue."""
    catalog = read_catalog(po_path(lang), locale=lang)
    return {str(m.id): str(m.string) for m in catalog if isinstance(m.id, str) and m.id}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_compiles_without_a_warning(lang: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [PYBABEL, "compile", "-D", "withdrawal", "-l", lang, "-i", str(po_path(lang)),
         "-o", str(tmp_path / "withdrawal.mo")],
        capture_output=True, text=True, check=True,
    )
    said = [line for line in (result.stdout + result.stderr).splitlines()
            if line and not line.startswith("compiling catalog")]
    assert said == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_kept_exactly(lang: str) -> None:
    catalog = read_catalog(po_path(lang), locale=lang)
    assert [(m.id, errors) for m, errors in catalog.check() if errors] == []
    for message in catalog:
        if not message.id:
            continue
        wanted = set(PLACEHOLDER.findall(_strings(message.id)[-1]))
        for string in filter(None, _strings(message.string)):  # empty: see the test above
            found = set(PLACEHOLDER.findall(string))
            # A plural form may leave out the number ("one attempt"), nothing else.
            assert found == wanted or (message.pluralizable and found == wanted - {"num"}), (
                message.id, string)


def test_no_statutory_label_is_in_any_gettext_catalogue() -> None:
    """Labels are legal text kept in withdrawal/labels.py: a translator must not be able to
    change one, so none is a msgid or a msgstr, nor quoted inside one (a sentence naming the
    button interpolates the label instead). The words may occur in running legal text, e.g.
    "Wenn Sie den Vertrag widerrufen wollen" in the German Annex I(B)."""
    labels = {" ".join(text.casefold().split())
              for lbl in CATALOGUE.values() for text in (lbl.entry, lbl.confirm)}
    for path in [POT, *sorted(TRANSLATIONS.glob("*/LC_MESSAGES/withdrawal.po"))]:
        for message in read_catalog(path):
            for text in (*_strings(message.id), *_strings(message.string)):
                folded = " ".join(text.casefold().split())
                quoted = {label for label in labels if _quoted(label, folded)}
                assert folded not in labels and not quoted, f"{path.relative_to(ROOT)}: {text!r}"


def _quoted(label: str, text: str) -> bool:
    return any(f"{open_}{label}{close}" in text for open_, close in QUOTES)


QUOTES = [("“", "”"), ("„", "“"), ("„", "”"), ("«", "»"), ("« ", " »"), ("«\u00a0", "\u00a0»"),
          ("‘", "’"), ('"', '"'), ("'", "'")]


def test_every_catalogue_is_an_official_eu_language() -> None:
    present = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po")}
    assert present <= set(LANGUAGES)
    assert set(TRANSLATED) <= present


@pytest.mark.parametrize("lang", TRANSLATED)
def test_model_form_title_is_the_official_one(lang: str) -> None:
    strings = _texts(lang)
    assert strings["Model withdrawal form"] == OFFICIAL_TITLE[lang]
    assert strings["Model withdrawal form (PDF)"].startswith(OFFICIAL_TITLE[lang])
    to_line = strings[
        "— To [here the trader's name, geographical address and, where available, his e-mail "
        "address are to be inserted by the trader]:"
    ]
    assert re.search(r"\[[^\]]+\]", to_line), "the trader's details go where the brackets are"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_languages_own_legal_term_is_used(lang: str) -> None:
    strings = _texts(lang)
    assert LEGAL_TERM[lang].casefold() in strings["Your withdrawal statement"].casefold() or (
        LEGAL_TERM[lang].casefold()
        in strings["A withdrawal statement was sent for your order %(number)s."].casefold()
    )


def test_docs_list_exactly_the_complete_languages() -> None:
    text = (ROOT / "docs" / "i18n.md").read_text()
    rows = re.findall(r"^\| `(\w\w)` \| [^|]+ \| (complete|labels only[^|]*) \|", text, re.M)
    assert {code for code, _ in rows} == set(LANGUAGES), "docs/i18n.md lists every language"
    assert {code for code, status in rows if status == "complete"} == set(COMPLETE_LANGUAGES)
