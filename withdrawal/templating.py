"""Template helpers: what every withdrawal template gets (pages and e-mails alike), how recorded
facts are shown to a consumer (dates, money, assessments, in their language; formatting is
Babel's, never by hand), and the ``withdrawal_link()`` global for the host's own templates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_timezone_name
from babel.numbers import format_currency
from flask import Flask, url_for
from markupsafe import Markup, escape

from .config import config_value
from .country import current_labels
from .eligibility import period_ended, say_once, status_message
from .i18n import (
    chosen_language,
    colon,
    current_language,
    gettext,
    ngettext,
    pgettext,
    text_language,
)
from .information import information_for
from .labels import language_names
from .order_links import withdrawal_url
from .state import trader


def instant(value: datetime | str, zone: str, fmt: str = "full") -> str:
    """``Friday, 4 December 2026 at 23:59:59 Central European Standard Time``: in the
    consumer's language and the given zone, with the zone's name."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, fmt, tzinfo=ZoneInfo(zone), locale=current_language())


def day(value: date | str) -> str:
    """``Monday, 14 December 2026``: a calendar date in the consumer's language."""
    moment = date.fromisoformat(value) if isinstance(value, str) else value
    return str(format_date(moment, "full", locale=current_language()))


def zone_name(zone: str, at: datetime | str) -> str:
    """The zone's name in words, e.g. ``Central European Time``."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return str(get_timezone_name(moment.astimezone(ZoneInfo(zone)), locale=current_language()))


def money(amount: Decimal | str, currency: str | None) -> str:
    return format_currency(Decimal(str(amount)), currency or "EUR", locale=current_language())


def status_text(status: str) -> str:
    """What a line's status tells the consumer (eligibility.STATUS_MESSAGES), translated."""
    message = status_message(status)
    return gettext(message) if message else status


def reason_text(reason: Mapping[str, Any]) -> str:
    """A reason's plain-language explanation, translated, with its parameters."""
    message = str(reason["message"])  # a variable, so pybabel extracts no bogus msgid
    return gettext(message, **dict(reason.get("params") or {}))


def reason_texts(reasons: Sequence[Mapping[str, Any]]) -> list[str]:
    """The reasons of one line in words; a sentence several of them end with is said once,
    after the last one (``eligibility.say_once``)."""
    return [text for text in say_once([reason_text(r) for r in reasons]) if text]


def deadline_text(assessment: Mapping[str, Any]) -> str | None:
    """The deadline in words for a line whose period has started, else None."""
    if not assessment.get("deadline"):
        return None
    return instant(assessment["deadline"], assessment["deadline_timezone"])


def used_labels(recorded: Mapping[str, Any], around: str) -> Markup:
    """The sentence naming the function and the button the consumer used, with the statutory
    labels ``recorded`` in the statement; each label is marked with its language where the
    sentence is in another (English quoting the Irish labels, the shop's German copy quoting
    the Polish ones), so that a screen reader reads it in that language (WCAG 2.1, 3.1.2)."""
    language = str(recorded.get("locale") or "")

    def label(text: Any) -> Markup:
        if not language or language == around:
            return escape(text)
        return Markup('<span lang="{}">{}</span>').format(language, text)

    sentence = gettext("You used the function “%(entry)s” and the button “%(confirm)s”.")
    return escape(sentence) % {"entry": label(recorded.get("entry", "")),
                               "confirm": label(recorded.get("confirm", ""))}


#: The formatting helpers, reached in templates as ``present.<helper>``.
present = SimpleNamespace(instant=instant, zone_name=zone_name, money=money,
                          status_text=status_text, reason_text=reason_text,
                          reason_texts=reason_texts, deadline_text=deadline_text,
                          period_ended=period_ended, day=day, used_labels=used_labels)


def base_context() -> dict[str, Any]:
    """The context of every withdrawal template: the package's gettext, the statutory labels of
    the current language and the consumer's country, the formatting helpers and the trader."""
    lang = current_language()
    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "labels": current_labels(lang),
        "lang": lang,
        # The text's language: English where a language has only its statutory labels; the
        # labels then carry their own lang attribute.
        "page_lang": text_language(lang),
        "language_names": language_names(),
        "present": present,
        "trader": trader(),
        "support_url": config_value("SUPPORT_URL"),
        "support_email": config_value("SUPPORT_EMAIL"),
        "shop_url": config_value("SHOP_URL"),
    }


def withdrawal_link(css_class: str = "withdrawal-link") -> Markup:
    """The entry link with the statutory label (R1, R2) for the consumer's country, in the
    language the consumer chose in the function's pages, else the page's."""
    labels = current_labels(chosen_language() or current_language())
    return Markup('<a class="{cls}" href="{href}" lang="{lang}">{label}</a>').format(
        cls=css_class, href=url_for("withdrawal.identify"), lang=labels.locale,
        label=escape(labels.entry),
    )


def withdrawal_information(locale: str | None = None, url: str | None = None) -> str:
    """The sentence the trader adds to its pre-contract withdrawal instructions (Art. 6(1)(h),
    Annex I(A) point 3) in ``locale`` (default: the current language), with ``url`` (default:
    the external URL of step 1) as the function's address. Legal text: ``information.py``."""
    sentence = information_for(locale or current_language())
    address = url if url is not None else url_for("withdrawal.identify", _external=True)
    return sentence.with_address(address)


def init_jinja(app: Flask) -> None:
    """The globals the host's own templates get, and the ``withdrawal_colon`` filter: a label
    followed by its colon as the language writes it (``i18n.colon``), also inside macros
    imported without context."""
    app.jinja_env.globals["withdrawal_link"] = withdrawal_link
    app.jinja_env.globals["withdrawal_information"] = withdrawal_information
    app.jinja_env.globals["withdrawal_url"] = withdrawal_url
    app.jinja_env.filters["withdrawal_colon"] = colon
