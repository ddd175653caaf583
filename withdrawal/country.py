"""The consumer's country for the current request, which decides between the Directive's wording
of the statutory labels and a member state's own (``labels.labels_for``; docs/labels.md).

In this order: the order's country once the order was found in this request
(:func:`use_order_country`); else the shop's ``country_selector`` (``init_app``), asked like
Flask-Babel's ``locale_selector``; without one, the trader's country when the page's language is
an official language there, else none. A selector that raises is logged and counts as "no
country": it never costs the consumer a page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import g, has_app_context, has_request_context

from .config import config_value
from .domain import Order
from .i18n import current_language
from .labels import StatutoryLabels, labels_for
from .member_states import default_country
from .state import state, trader

log = logging.getLogger(__name__)

_ORDER_COUNTRY = "withdrawal_order_country"
_SELECTED = "withdrawal_selected_country"


def use_order_country(order: Order | None) -> None:
    """The order was found: its country decides for the rest of this request."""
    if order is not None and order.country and has_app_context():
        setattr(g, _ORDER_COUNTRY, order.country)


def consumer_country(language: str | None = None) -> str | None:
    """The consumer's country (ISO 3166-1 alpha-2) for the page in ``language`` (default: the
    current one), or None when none is known."""
    found = g.get(_ORDER_COUNTRY) if has_app_context() else None
    if found:
        return str(found)
    selector = state().country_selector if has_request_context() else None
    if selector is not None:
        if _SELECTED not in g:  # asked once per request, however many labels it renders
            setattr(g, _SELECTED, _ask(selector))
        return g.get(_SELECTED)  # type: ignore[no-any-return]
    return default_country(trader().country, language or current_language())


def _ask(selector: Callable[[], object]) -> str | None:
    try:
        answer = selector()
    except Exception:  # the shop's selector failing must not cost the consumer a page
        log.exception("the withdrawal country_selector failed; using no country")
        return None
    return (str(answer).strip() or None) if answer else None


def current_labels(language: str | None = None) -> StatutoryLabels:
    """The statutory labels for the page in ``language`` (default: the current one) and the
    consumer's country, with the shop's deliberate overrides (``WITHDRAWAL_LABELS``)."""
    lang = language or current_language()
    return labels_for(lang, config_value("LABELS"), country=consumer_country(lang))
