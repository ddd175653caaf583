"""What every section of the receipt reads: the statement with the consumer's language
(``ReceiptContext``), the receipt's own styles, and instants in words in a time zone."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency
from reportlab.lib.styles import ParagraphStyle

from .document import Gettext, Pgettext, styles


@dataclass(frozen=True)
class ReceiptContext:
    """A statement being set as a receipt, with the consumer's language."""

    statement: Mapping[str, Any]
    gettext: Gettext
    locale: Locale
    contextual: Pgettext | None = None

    def pgettext(self, context: str, message: str) -> str:
        return self.contextual(context, message) if self.contextual else self.gettext(message)

    @property
    def reference(self) -> str:
        return str(self.statement["reference"])

    @property
    def trader(self) -> Mapping[str, Any]:
        trader: Mapping[str, Any] = self.statement.get("trader") or {}
        return trader

    @property
    def submitted_at(self) -> datetime:
        return aware(datetime.fromisoformat(str(self.statement["submitted_at"])))

    def moment(self, instant: datetime, zone: ZoneInfo) -> str:
        return _moment(instant, zone, self.locale)

    def money(self, amount: object) -> str:
        currency = str(self.statement.get("currency") or "EUR")
        try:
            return format_currency(Decimal(str(amount)), currency, locale=self.locale)
        except (InvalidOperation, ValueError):
            return str(amount)  # shown as recorded rather than dropping the line

    def footer(self, page: int) -> str:
        gettext = self.gettext
        text = gettext("Acknowledgement of receipt %(reference)s · page %(page)s") % {
            "reference": self.reference,
            "page": page,
        }
        return f"{self.trader.get('name', '')} · {text}"


@dataclass(frozen=True)
class OwnStyles:
    """The receipt's styles beyond the shared ones."""

    reference: ParagraphStyle
    quote: ParagraphStyle
    item: ParagraphStyle


@functools.lru_cache(maxsize=1)
def own_styles() -> OwnStyles:
    """Made once: ``para`` memoises paragraphs under their style (``paragraphs.py``)."""
    st = styles()
    quote = ParagraphStyle("quote", st.body, leftIndent=8, fontName=st.strong.fontName)
    return OwnStyles(
        reference=ParagraphStyle("reference", st.strong, fontSize=12),
        quote=quote,
        item=ParagraphStyle("item", quote, leftIndent=22, bulletIndent=12),
    )


@functools.lru_cache(maxsize=1024)
def _moment(instant: datetime, zone: ZoneInfo, locale: Locale) -> str:
    """An instant in words (the deadlines recur: every order of a day shares one)."""
    return format_datetime(instant, format="full", tzinfo=zone, locale=locale)


def aware(instant: datetime) -> datetime:
    """``instant`` with a zone: UTC when it has none."""
    # The recorded timestamps are aware; a naive one can only be UTC from our own clock.
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def zone_named(name: str) -> ZoneInfo:
    """The zone ``name``, or UTC when this machine does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # an unknown zone must not stop the acknowledgement
