"""The package's own translation domain and locale choice (see docs/i18n.md).

Templates and code call :func:`gettext` (bound to the ``withdrawal`` domain), so the host's
``messages`` catalogues neither shadow nor are shadowed. A host rewords a message by putting a
``withdrawal`` catalogue (``<dir>/<ll>/LC_MESSAGES/withdrawal.mo``) into one of its own Flask-Babel
translation directories (``BABEL_TRANSLATION_DIRECTORIES``): it overrides ours message by message.

Locale of the package's pages: the language switcher (``?lang=xx``, kept in the session), then the
host's own locale selector, then ``Accept-Language``, then ``WITHDRAWAL_DEFAULT_LOCALE``. The
host's own pages keep the host's choice when the host set up Flask-Babel itself; only the footer
link (``withdrawal_link()``) follows the language the consumer chose in the package's pages.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale

from .labels import COMPLETE_LANGUAGES as COMPLETE_LANGUAGES  # re-exported: said here first
from .labels import LANGUAGES, base_language
from .labels import text_language as text_language
from .resources import resource_dir

DOMAIN = "withdrawal"
SESSION_KEY = "withdrawal_locale"



def translation_directories(app: Flask | None = None) -> list[str]:
    """Where ``withdrawal`` catalogues are looked up, weakest first: the package's own, then the
    host's Flask-Babel translation directories (a host's catalogue overrides ours)."""
    babel = (app or current_app).extensions.get("babel")
    return list(_directories(tuple(getattr(babel, "translation_directories", None) or ())))


@lru_cache(maxsize=32)
def _directories(host: tuple[str, ...]) -> tuple[str, ...]:
    # Asked on every gettext call: resolved once per list of host directories.
    found = [resource_dir("translations")]
    for directory in host:
        if all(os.path.realpath(directory) != os.path.realpath(known) for known in found):
            found.append(directory)
    return tuple(found)


class _PackageDomain(Domain):  # type: ignore[misc]  # Flask-Babel ships no types
    """The ``withdrawal`` domain over :func:`translation_directories` of the current app.

    Flask-Babel caches a domain's catalogues per locale only; one app's override directory must
    not leak into another app's pages, so the cache is kept per list of directories."""

    def __init__(self) -> None:
        super().__init__(domain=DOMAIN)
        self._caches: dict[tuple[str, ...], dict[Any, Any]] = {}

    @property
    def translation_directories(self) -> list[str]:
        return translation_directories()

    def get_translations_cache(self, ctx: Any) -> dict[Any, Any]:
        return self._caches.setdefault(tuple(translation_directories()), {})


domain = _PackageDomain()


def gettext(string: str, **variables: Any) -> str:
    """Translate with the package's own catalogue, in the current locale."""
    return str(domain.gettext(string, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    return str(domain.ngettext(singular, plural, num, **variables))


def lazy_gettext(string: str, **variables: Any) -> Any:
    """A string translated when rendered: for form labels and module-level texts."""
    return domain.lazy_gettext(string, **variables)


def pgettext(context: str, string: str, **variables: Any) -> str:
    """Translate ``string`` in a message context: where one English word serves two roles
    ("Name" of the consumer and of the trader), each gets its own translation."""
    return str(domain.pgettext(context, string, **variables))


def lazy_pgettext(context: str, string: str, **variables: Any) -> Any:
    """:func:`pgettext`, translated when rendered."""
    return domain.lazy_pgettext(context, string, **variables)


#: Languages that set a narrow no-break space (U+202F) before ":", ";", "?" and "!".
SPACED_PUNCTUATION = frozenset({"fr"})


def colon(label: str, language: str | None = None) -> str:
    """``label`` followed by a colon as the language writes it: ``Reference:``, but
    ``Référence :`` (with a narrow no-break space) in French."""
    spaced = (language or current_language()) in SPACED_PUNCTUATION
    return f"{label}\u202f:" if spaced else f"{label}:"


def init_i18n(app: Flask) -> None:
    """Set up Flask-Babel if the host has not, and put our choice in front of its selector.

    A host that uses Flask-Babel itself must set it up before ``Withdrawal.init_app``."""
    babel = app.extensions.get("babel")
    if babel is None:
        Babel(app, locale_selector=_chain(app, None, host_babel=False))
        return
    babel.locale_selector = _chain(app, babel.locale_selector, host_babel=True)


def _chain(
    app: Flask, host_selector: Callable[[], Any] | None, *, host_babel: bool
) -> Callable[[], str | None]:
    def select_locale() -> str | None:
        if not has_request_context():
            return None
        ours = is_package_page()
        if host_babel and not ours:
            return _host_choice(host_selector)  # the host's pages: the host's choice alone
        chosen = chosen_language() if ours else None
        if chosen:
            return chosen
        host_choice = _host_choice(host_selector)
        if host_choice:
            return host_choice
        best = request.accept_languages.best_match(LANGUAGES)
        return best or str(app.config["WITHDRAWAL_DEFAULT_LOCALE"])

    return select_locale


def chosen_language() -> str | None:
    """The language the consumer chose with the switcher of the package's pages (kept in the
    session), or None. The footer link follows it on the host's pages too."""
    if not has_request_context():
        return None
    chosen = session.get(SESSION_KEY)
    return str(chosen) if chosen in LANGUAGES else None


def _host_choice(host_selector: Callable[[], Any] | None) -> str | None:
    choice = host_selector() if host_selector is not None else None
    return str(choice) if choice else None


def is_package_page() -> bool:
    """Whether the current request is served by one of this package's blueprints."""
    blueprints = current_app.blueprints
    return any(
        name in blueprints and blueprints[name].import_name.split(".")[0] == __package__
        for name in request.blueprints
    )


def current_language() -> str:
    """The language of the current request or ``force_locale`` block: ``it``, ``de``..."""
    locale = get_locale()
    return base_language(str(locale)) if locale is not None else "en"
