"""The model withdrawal form of Annex I(B) to Directive 2011/83/EU as a PDF (R16), in the
consumer's language, with the trader's details filled in.

The Annex's sentences are legal text: the msgids below are the official English wording, and
translators supply each language's official version of Annex I(B), not a free translation.
:data:`FORM_SOURCES` says where each language's text comes from: the Directive as amended by
Directive (EU) 2019/2161, or a national model form where the shop's consumers are expected to
use that one (German: Anlage 2 EGBGB); ``tests/receipt/test_modelform_texts.py`` pins each text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from ..domain import Trader
from .document import (
    FRAME_WIDTH,
    RULE,
    DocumentInfo,
    Gettext,
    babel_locale,
    build_pdf,
    para,
    pdf_lang,
    styles,
    table_style,
)


@dataclass(frozen=True)
class FormSource:
    """Where one language's model form text comes from; ``verified``: checked against the
    official text."""

    locale: str
    source: str
    verified: bool


def _directive(locale: str, language: str, note: str = "") -> FormSource:
    source = (f"Directive 2011/83/EU Annex I(B) as amended by Directive (EU) 2019/2161, "
              f"{language} version; not yet checked against EUR-Lex here{note}")
    return FormSource(locale, source, False)


#: The provenance of each language's text of the form (the ``.po`` entries of its sentences).
FORM_SOURCES: Mapping[str, FormSource] = MappingProxyType({
    form.locale: form
    for form in (
        _directive("en", "English"),
        FormSource(
            "de",
            "German national model form, Anlage 2 zu Art. 246a § 1 Abs. 2 Satz 1 Nr. 1 EGBGB "
            "(Muster-Widerrufsformular), followed in place of the Directive's German version: "
            "its 'To' line asks for 'die E-Mail-Adresse' of the trader where the Directive says "
            "'gegebenenfalls'; not yet checked against the Bundesgesetzblatt here",
            False,
        ),
        _directive("es", "Spanish"),
        _directive("fr", "French"),
        _directive("it", "Italian", "; Allegato I, parte B, Codice del Consumo has the same "
                   "wording"),
        _directive("nl", "Dutch"),
        _directive("pl", "Polish"),
        _directive("pt", "Portuguese"),
    )
})


PREFILL_KEYS = frozenset({"name", "address", "contract", "ordered_on"})
"""What a caller may fill in for the consumer: their ``name`` and ``address``, the ``contract``
(goods or service, e.g. an order number and its items) and the ``ordered_on`` date."""

# The form has no date of its own; a fixed one keeps the bytes reproducible. It is the
# timestamp ReportLab's own invariant mode uses.
_FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)

# The bracketed instruction in the "To" line (in every language version of the Annex) is the
# place where the trader's details go.
_TRADER_PLACEHOLDER = re.compile(r"\[[^\]]*\]")

# Where the trader's details are missing, a line to write them on, never an empty "— To :".
_BLANK = "_" * 36


def render_model_form_pdf(
    *,
    trader: Trader,
    gettext: Gettext,
    locale: str,
    prefill: Mapping[str, str] | None = None,
) -> bytes:
    """The Annex I(B) model withdrawal form as PDF bytes, addressed to ``trader``, optionally
    with the consumer's details from ``prefill`` (keys: see :data:`PREFILL_KEYS`). The same
    arguments always give the same bytes."""
    values = dict(prefill or {})
    unknown = sorted(set(values) - PREFILL_KEYS)
    if unknown:
        raise ValueError(f"unknown prefill keys {unknown}; allowed: {sorted(PREFILL_KEYS)}")
    language, title = babel_locale(locale), gettext("Model withdrawal form")
    info = DocumentInfo(
        title=title,
        author=trader.name,
        subject=gettext("Model withdrawal form (Annex I(B) to Directive 2011/83/EU)"),
        lang=pdf_lang(language),
        created=_FIXED_DATE,
        seed=_seed(trader, str(language), values),
    )
    story = _story(trader, gettext, values)
    return build_pdf(story, info, footer=lambda page: f"{trader.name} · {title}")


def trader_line(trader: Trader, gettext: Gettext) -> str:
    """The Annex's "To" line with the trader's name, geographical address and e-mail in place
    of the bracketed instruction (appended if a translation has no brackets)."""
    official = gettext(
        "— To [here the trader's name, geographical address and, where available, his e-mail "
        "address are to be inserted by the trader]:"
    )
    address = ", ".join(part.strip() for part in trader.address.splitlines() if part.strip())
    details = ", ".join(part for part in (trader.name.strip(), address, trader.email.strip())
                        if part) or _BLANK
    if _TRADER_PLACEHOLDER.search(official):
        return _TRADER_PLACEHOLDER.sub(lambda _: details, official, count=1)
    return f"{official} {details}"


def _story(trader: Trader, gettext: Gettext, values: Mapping[str, str]) -> list[Flowable]:
    st = styles()
    return [
        para(gettext("Model withdrawal form"), st.title),
        para(
            gettext(
                "(complete and return this form only if you wish to withdraw from the contract)"
            ),
            st.body,
        ),
        Spacer(0, 6 * mm),
        para(trader_line(trader, gettext), st.body),
        Spacer(0, 4 * mm),
        *_entry(
            gettext(
                "— I/We (*) hereby give notice that I/We (*) withdraw from my/our (*) contract "
                "of sale of the following goods (*)/for the provision of the following service (*),"
            ),
            values.get("contract"),
            blank_lines=3,
        ),
        *_entry(gettext("— Ordered on (*)/received on (*),"), values.get("ordered_on")),
        *_entry(gettext("— Name of consumer(s),"), values.get("name")),
        *_entry(gettext("— Address of consumer(s),"), values.get("address"), blank_lines=2),
        *_entry(
            gettext("— Signature of consumer(s) (only if this form is notified on paper),"),
            None,
            blank_lines=2,
        ),
        *_entry(gettext("— Date"), None),
        Spacer(0, 6 * mm),
        para(gettext("(*) Delete as appropriate."), st.small),
    ]


def _entry(text: str, value: str | None, *, blank_lines: int = 1) -> list[Flowable]:
    """One sentence of the Annex followed by ruled lines to write on, or the prefilled value."""
    return [para(text, styles().body), _writing_lines(value, blank_lines), Spacer(0, 4 * mm)]


def _writing_lines(value: str | None, count: int) -> Table:
    st = styles()
    rows = ([[para(value, st.body, line_breaks=True, memo=False)]] if value
            else [[""] for _ in range(count)])
    table = Table(rows, colWidths=[FRAME_WIDTH - 8 * mm], rowHeights=None if value else 9 * mm)
    table.setStyle(
        table_style(
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        )
    )
    return table


def _seed(trader: Trader, locale: str, values: Mapping[str, str]) -> bytes:
    fields = [trader.name, trader.address, trader.email, locale, sorted(values.items())]
    return b"withdrawal-model-form\0" + json.dumps(fields, ensure_ascii=False).encode()
