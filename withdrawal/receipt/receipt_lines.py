"""The receipt's table of the items withdrawn from: title, quantity, unit price and the
assessment when the consumer submitted (status, period, policy, reasons with their article)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from ..eligibility.model import status_message
from ..eligibility.wording import say_once
from .document import RULE, SHADE, TEXT_WIDTH, Gettext, heading, para, styles, table_style
from .receipt_context import ReceiptContext, aware, zone_named


def lines_section(ctx: ReceiptContext) -> list[Flowable]:
    """The items withdrawn from, each with its assessment when the consumer submitted."""
    lines = list(ctx.statement.get("lines") or [])
    if not lines:
        return []
    gettext, st = ctx.gettext, styles()
    header = [
        para(gettext("Item"), st.strong),
        para(gettext("Quantity"), st.strong),
        para(gettext("Unit price"), st.strong),
        para(gettext("Assessment when you submitted"), st.strong),
    ]
    rows = [header, *(_line_row(ctx, line) for line in lines)]
    widths = [50 * mm, 18 * mm, 24 * mm, TEXT_WIDTH - 92 * mm]
    # One table: split inside a row at the foot of a page (splitByRow=0 tries that first, and
    # leaves at least 2 lines on each side), the header repeated only on the new page. Split
    # between rows first, ReportLab would set the rest right below with a second header.
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", splitByRow=0,
                  splitInRow=26)
    table.setStyle(
        table_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        )
    )
    # Room for the heading, the table's header and two lines of the first item: the table
    # splits inside a row only when at least that much fits.
    return [*heading(gettext("Items you withdrew from"), room=36 * mm), table]


def _line_row(ctx: ReceiptContext, line: Mapping[str, Any]) -> list[Flowable | list[Flowable]]:
    st = styles()
    return [
        para(line.get("title", ""), st.body, memo=False),
        para(line.get("quantity", ""), st.numeric),
        para(ctx.money(line.get("unit_price", "")), st.numeric),
        _assessment(ctx, line.get("assessment") or {}),
    ]


def _assessment(ctx: ReceiptContext, assessment: Mapping[str, Any]) -> list[Flowable]:
    st = styles()
    return [
        para(_status_words(ctx.gettext, assessment.get("status")), st.strong),
        *(para(fact, st.body) for fact in _period_facts(ctx, assessment)),
        *(para(text, st.small) for text in _reasons(ctx.gettext, assessment.get("reasons") or [])),
    ]


def _period_facts(ctx: ReceiptContext, assessment: Mapping[str, Any]) -> list[str]:
    gettext = ctx.gettext
    facts: list[str] = []
    if assessment.get("period_start"):
        start = format_date(date.fromisoformat(str(assessment["period_start"])), "long", ctx.locale)
        facts.append(gettext("Withdrawal period began: %(date)s") % {"date": start})
    if assessment.get("deadline"):
        when = _instant(ctx, assessment["deadline"], assessment)
        facts.append(gettext("Withdrawal period ends: %(deadline)s") % {"deadline": when})
    if assessment.get("policy_deadline"):
        when = _instant(ctx, assessment["policy_deadline"], assessment)
        facts.append(
            gettext("Our own policy lets you cancel until %(deadline)s") % {"deadline": when}
        )
    if assessment.get("no_cost"):
        facts.append(
            gettext(
                "If your withdrawal is valid, you pay nothing for this item, not even for its use."
            )
        )
    return facts


def _status_words(gettext: Gettext, status: object) -> str:
    # The same words as the pages and the e-mail (eligibility.STATUS_MESSAGES).
    message = status_message(status)
    return gettext(message) if message else str(status or "")  # a later status: as recorded


def _instant(ctx: ReceiptContext, value: object, assessment: Mapping[str, Any]) -> str:
    """A deadline in words, in the zone the assessment computed it in."""
    moment = aware(datetime.fromisoformat(str(value)))
    return ctx.moment(moment, zone_named(str(assessment.get("deadline_timezone") or "UTC")))


def _reasons(gettext: Gettext, reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    """Each reason in words with the article it applies; a sentence several reasons end with
    is said once (``eligibility.say_once``)."""
    reasons = list(reasons)
    messages = say_once(
        [gettext(str(r.get("message", ""))) % dict(r.get("params") or {}) for r in reasons]
    )
    return [
        f"{message} ({reason['article']})" if reason.get("article") else message
        for message, reason in zip(messages, reasons, strict=True)
    ]
