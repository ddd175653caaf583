"""Helpers for the translation tests: where the catalogues are, how to read them, and how a
translated text shows on a page."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import escape

from withdrawal.i18n import COMPLETE_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "withdrawal.pot"
#: The complete languages other than the source language, English.
TRANSLATED = tuple(lang for lang in COMPLETE_LANGUAGES if lang != "en")
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "withdrawal.po"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def translator(lang: str) -> Callable[[str], str]:
    """``gettext`` of the compiled ``withdrawal`` catalogue of ``lang``, outside any app."""
    translations = Translations.load(str(TRANSLATIONS), [lang], domain="withdrawal")
    return translations.gettext


def context_translator(lang: str) -> Callable[[str, str], str]:
    """``pgettext`` of the compiled ``withdrawal`` catalogue of ``lang``, outside any app."""
    translations = Translations.load(str(TRANSLATIONS), [lang], domain="withdrawal")
    return lambda context, message: str(translations.pgettext(context, message))


def html(text: str) -> str:
    """``text`` as Jinja's autoescaping writes it into a page."""
    return str(escape(text))


def shown(text: str, page: str) -> bool:
    """Whether ``text`` is on ``page``: escaped by Jinja, or as is (a lazy string, such as a
    form label or a validator's message, is written without escaping its apostrophes)."""
    return html(text) in page or text in page
