"""What every withdrawal template gets, pages and e-mails alike: the package's gettext, the
statutory labels of the current language, formatting helpers and the trader."""

from __future__ import annotations

from typing import Any

from . import presentation
from .config import config_value
from .extension import trader
from .i18n import COMPLETE_LANGUAGES, current_language, gettext, ngettext
from .labels import labels_for, language_names


def base_context() -> dict[str, Any]:
    lang = current_language()
    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "labels": labels_for(lang, config_value("LABELS")),
        "lang": lang,
        # The text's language: English where a language has only its statutory labels; the
        # labels then carry their own lang attribute.
        "page_lang": lang if lang in COMPLETE_LANGUAGES else "en",
        "language_names": language_names(),
        "present": presentation,
        "trader": trader(),
        "support_url": config_value("SUPPORT_URL"),
        "support_email": config_value("SUPPORT_EMAIL"),
    }
