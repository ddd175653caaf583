"""The package's own translation domain and locale choice.

Templates and code call ``domain.gettext`` (bound to the ``withdrawal`` domain), so the host's
catalogues neither shadow nor are shadowed. Locale: the language switcher (kept in the session),
then the host's own selector, then ``Accept-Language``, then ``WITHDRAWAL_DEFAULT_LOCALE``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale

from .labels import LANGUAGES, base_language
from .resources import resource_dir

SESSION_KEY = "withdrawal_locale"

domain = Domain(translation_directories=[resource_dir("translations")], domain="withdrawal")


def gettext(string: str, **variables: Any) -> str:
    """Translate with the package's own catalogue, in the current locale."""
    return str(domain.gettext(string, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    return str(domain.ngettext(singular, plural, num, **variables))


def lazy_gettext(string: str, **variables: Any) -> Any:
    """A string translated when rendered: for form labels and module-level texts."""
    return domain.lazy_gettext(string, **variables)


def init_i18n(app: Flask) -> None:
    """Set up Flask-Babel if the host has not, and put our choice in front of its selector."""
    babel = app.extensions.get("babel")
    if babel is None:
        Babel(app, locale_selector=_chain(app, None))
        return
    babel.locale_selector = _chain(app, babel.locale_selector)


def _chain(app: Flask, host_selector: Callable[[], Any] | None) -> Callable[[], str | None]:
    def select_locale() -> str | None:
        if not has_request_context():
            return None
        chosen = session.get(SESSION_KEY) if request.blueprint == "withdrawal" else None
        if chosen in LANGUAGES:
            return str(chosen)
        if host_selector is not None:
            host_choice = host_selector()
            if host_choice:
                return str(host_choice)
        best = request.accept_languages.best_match(LANGUAGES)
        return best or app.config["WITHDRAWAL_DEFAULT_LOCALE"]

    return select_locale


def current_language() -> str:
    """The language of the current request or ``force_locale`` block: ``it``, ``de``..."""
    locale = get_locale()
    return base_language(str(locale)) if locale is not None else "en"
