"""WTForms' own messages ("Not a valid choice", ...) in the page's language, from WTForms'
catalogue parsed once per process and language.

Flask-WTF (``flask_wtf.i18n``) loads and parses that ``.mo`` file again in every request that
translates one of its messages, and the consumer pages do on every form they render. The forms
of the package derive from :class:`FlaskForm` here instead, which keeps the same behaviour
(``WTF_I18N_ENABLED``, Flask-Babel's locale) with the catalogue cached."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel.support import NullTranslations, Translations
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm as _FlaskForm
from wtforms.i18n import messages_path


@lru_cache(maxsize=64)
def wtforms_catalogue(locale: str) -> NullTranslations:
    """WTForms' catalogue for ``locale``, loaded once per process (the files ship with WTForms
    and do not change while it runs)."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class CachedTranslations:
    """What WTForms asks for (``gettext``, ``ngettext``), in the current request's locale."""

    def gettext(self, string: str) -> str:
        catalogue = _current()
        return string if catalogue is None else catalogue.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalogue = _current()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ngettext(singular, plural, n)


def _current() -> NullTranslations | None:
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    locale = get_locale()
    return None if locale is None else wtforms_catalogue(str(locale))


translations = CachedTranslations()


class FlaskForm(_FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no types
    """Flask-WTF's form with WTForms' catalogue cached per process and language."""

    class Meta(_FlaskForm.Meta):  # type: ignore[misc]
        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return translations
