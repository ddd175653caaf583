"""The acknowledgement of receipt on a durable medium (Art. 11a(4) CRD) as a PDF.

Pure: no Flask. The caller passes ``gettext`` bound to the consumer's locale; every English
string below is a literal ``gettext("...")`` call so that ``pybabel extract`` finds it. The
document's dates are pinned to the submission time and its /ID to the statement, so the same
statement always gives the same bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    Spacer,
    Table,
)

from ..eligibility.model import status_message
from ..eligibility.wording import say_once
from ..statement import canonical_json
from .document import (
    RULE,
    SHADE,
    TEXT_WIDTH,
    Attachment,
    DocumentInfo,
    Gettext,
    Pgettext,
    babel_locale,
    build_pdf,
    field_table,
    heading,
    is_bold,
    keep_with_next,
    markup,
    para,
    pdf_lang,
    styles,
    table_style,
)
from .returns import returns_section


def attachment_name(reference: str) -> str:
    """``statement-<reference>.json``, with anything unusual in the reference replaced."""
    return "statement-{}.json".format(re.sub(r"[^A-Za-z0-9._-]", "_", reference))


def render_receipt_pdf(
    statement: Mapping[str, Any],
    *,
    statement_hash: str,
    gettext: Gettext,
    locale: str,
    check_url: str | None = None,
    pgettext: Pgettext | None = None,
) -> bytes:
    """The acknowledgement of receipt of ``statement`` as PDF bytes, in the consumer's language.

    Shows the trader, the reference, the submission time in UTC and in the consumer's time
    zone, the consumer's details, each chosen line with its assessment, the statement in
    words, the labels the consumer was shown, that this is a receipt and not a decision, what
    happens next, and ``statement_hash``. The canonical JSON of the statement is embedded as
    ``statement-<reference>.json``. ``check_url`` (the public receipt check) is named beside the
    hash when given. The same arguments always give the same bytes.
    ``pgettext(context, message)`` translates the words that serve two roles ("Name" of the
    trader and of the consumer); without it they are translated without their context.
    """
    ctx = _Receipt(statement, gettext, babel_locale(locale), pgettext)
    return build_pdf(
        _receipt_story(ctx, statement_hash) + _check(ctx, check_url),
        _receipt_info(ctx, statement_hash),
        footer=ctx.footer,
        attachments=[_statement_attachment(ctx)],
    )


@dataclass(frozen=True)
class _Receipt:
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
        return _aware(datetime.fromisoformat(str(self.statement["submitted_at"])))

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
class _OwnStyles:
    """The receipt's styles beyond the shared ones."""

    reference: ParagraphStyle
    quote: ParagraphStyle
    item: ParagraphStyle


@functools.lru_cache(maxsize=1)
def _own_styles() -> _OwnStyles:
    """Made once: ``para`` memoises paragraphs under their style (``paragraphs.py``)."""
    st = styles()
    quote = ParagraphStyle("quote", st.body, leftIndent=8, fontName=st.strong.fontName)
    return _OwnStyles(
        reference=ParagraphStyle("reference", st.strong, fontSize=12),
        quote=quote,
        item=ParagraphStyle("item", quote, leftIndent=22, bulletIndent=12),
    )


@functools.lru_cache(maxsize=1024)
def _moment(instant: datetime, zone: ZoneInfo, locale: Locale) -> str:
    """An instant in words (the deadlines recur: every order of a day shares one)."""
    return format_datetime(instant, format="full", tzinfo=zone, locale=locale)


def _receipt_info(ctx: _Receipt, statement_hash: str) -> DocumentInfo:
    gettext = ctx.gettext
    return DocumentInfo(
        title=gettext("Acknowledgement of receipt of your withdrawal"),
        author=str(ctx.trader.get("name", "")),
        subject=gettext("Withdrawal statement %(reference)s") % {"reference": ctx.reference},
        lang=pdf_lang(ctx.locale),
        created=ctx.submitted_at,
        seed=b"\0".join([b"receipt", statement_hash.encode(), canonical_json(ctx.statement)]),
    )


def _statement_attachment(ctx: _Receipt) -> Attachment:
    return Attachment(
        name=attachment_name(ctx.reference),
        data=canonical_json(ctx.statement),
        mime_type="application/json",
        description=ctx.gettext("Your withdrawal statement as recorded (JSON)"),
    )


def _receipt_story(ctx: _Receipt, statement_hash: str) -> list[Flowable]:
    return [
        *_title(ctx),
        *_trader(ctx),
        *_submission(ctx),
        *_consumer(ctx),
        *_lines(ctx),
        *_declaration(ctx),
        *_labels(ctx),
        *_meaning(ctx),
        *_next_steps(ctx),
        *returns_section(ctx.statement, ctx.gettext, ctx.locale),
        *_fingerprint(ctx, statement_hash),
    ]


def _title(ctx: _Receipt) -> list[Flowable]:
    gettext, st = ctx.gettext, styles()
    intro = gettext(
        "We have received your withdrawal statement. This document is your acknowledgement "
        "of receipt on a durable medium: please keep it."
    )
    return [
        para(gettext("Acknowledgement of receipt of your withdrawal"), st.title),
        para(intro, st.body),
    ]


def _trader(ctx: _Receipt) -> list[Flowable]:
    gettext, pgettext, trader = ctx.gettext, ctx.pgettext, ctx.trader
    return [
        *heading(gettext("Trader")),
        field_table(
            [
                (pgettext("trader", "Name"), para(trader.get("name", ""), styles().body)),
                (
                    gettext("Address"),
                    para(trader.get("address", ""), styles().body, line_breaks=True),
                ),
                (pgettext("trader", "E-mail"), para(trader.get("email", ""), styles().body)),
            ]
        ),
    ]


def _submission(ctx: _Receipt) -> list[Flowable]:
    gettext = ctx.gettext
    zone = _zone(str(ctx.statement.get("timezone") or "UTC"))
    local_label = gettext("Your local time (%(zone)s)") % {"zone": zone.key}
    reference = para(ctx.reference, _own_styles().reference, memo=False)
    return [
        *heading(gettext("Your withdrawal")),
        field_table(
            [
                (gettext("Reference"), reference),
                (gettext("Submitted on (UTC)"), ctx.moment(ctx.submitted_at, ZoneInfo("UTC"))),
                (local_label, ctx.moment(ctx.submitted_at, zone)),
                (gettext("Recorded timestamp"), str(ctx.statement["submitted_at"])),
            ]
        ),
    ]


def _consumer(ctx: _Receipt) -> list[Flowable]:
    gettext, pgettext, statement = ctx.gettext, ctx.pgettext, ctx.statement
    rows: list[tuple[str, Flowable | str]] = [
        (pgettext("consumer", "Name"), str(statement.get("name", ""))),
        (pgettext("consumer", "E-mail"), str(statement.get("email", ""))),
    ]
    order_email = statement.get("order_email")
    if order_email and str(order_email).casefold() != str(statement.get("email", "")).casefold():
        rows.append((gettext("E-mail address of the order"), str(order_email)))
    if statement.get("order_matched"):
        rows.append((gettext("Order number"), str(statement.get("order_number") or "")))
    else:
        rows += _unmatched_contract(ctx)
    return [*heading(gettext("Your details")), field_table(rows)]


def _unmatched_contract(ctx: _Receipt) -> list[tuple[str, Flowable | str]]:
    gettext, statement, st = ctx.gettext, ctx.statement, styles()
    rows: list[tuple[str, Flowable | str]] = []
    if statement.get("order_number"):
        rows.append((gettext("Order number you gave"), str(statement["order_number"])))
    description = para(statement.get("contract_description") or "", st.body, line_breaks=True,
                       memo=False)
    note = gettext(
        "We could not match this withdrawal to an order in our records. We will identify "
        "the contract from your description; your withdrawal has been received all the same."
    )
    rows += [(gettext("Contract"), description), ("", para(note, st.small))]
    return rows


def _lines(ctx: _Receipt) -> list[Flowable]:
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


def _line_row(ctx: _Receipt, line: Mapping[str, Any]) -> list[Flowable | list[Flowable]]:
    st = styles()
    return [
        para(line.get("title", ""), st.body, memo=False),
        para(line.get("quantity", ""), st.numeric),
        para(ctx.money(line.get("unit_price", "")), st.numeric),
        _assessment(ctx, line.get("assessment") or {}),
    ]


def _assessment(ctx: _Receipt, assessment: Mapping[str, Any]) -> list[Flowable]:
    st = styles()
    return [
        para(_status_words(ctx.gettext, assessment.get("status")), st.strong),
        *(para(fact, st.body) for fact in _period_facts(ctx, assessment)),
        *(para(text, st.small) for text in _reasons(ctx.gettext, assessment.get("reasons") or [])),
    ]


def _period_facts(ctx: _Receipt, assessment: Mapping[str, Any]) -> list[str]:
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


def _instant(ctx: _Receipt, value: object, assessment: Mapping[str, Any]) -> str:
    """A deadline in words, in the zone the assessment computed it in."""
    moment = _aware(datetime.fromisoformat(str(value)))
    return ctx.moment(moment, _zone(str(assessment.get("deadline_timezone") or "UTC")))


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


def _declaration(ctx: _Receipt) -> list[Flowable]:
    gettext, quote = ctx.gettext, _own_styles().quote
    if not ctx.statement.get("order_matched"):
        words = [para(gettext("I hereby withdraw from the contract described above."), quote)]
    else:
        words = [
            para(gettext("I hereby withdraw from my contract for the following items:"), quote)
        ]
        words += [_item_bullet(line, quote) for line in ctx.statement.get("lines") or []]
    return [*heading(gettext("Your statement")), *words]


def _item_bullet(line: Mapping[str, Any], style: ParagraphStyle) -> Paragraph:
    item = f"{line.get('title', '')} × {line.get('quantity', '')}"
    return Paragraph(markup(item, bold=is_bold(style)), _own_styles().item, bulletText="•")


def _labels(ctx: _Receipt) -> list[Flowable]:
    gettext, labels = ctx.gettext, ctx.statement.get("labels") or {}
    body = styles().body  # the shop's and the law's words: they recur, kept by the memo
    rows: list[tuple[str, Flowable | str]] = [
        (gettext("Link to the withdrawal function"), para(labels.get("entry", ""), body)),
        (gettext("Confirmation button"), para(labels.get("confirm", ""), body)),
    ]
    if labels.get("overridden"):
        note = gettext("We chose these labels in place of the statutory wording.")
        rows.append(("", para(note, styles().small)))
    return [*heading(gettext("The labels you were shown")), field_table(rows)]


def _meaning(ctx: _Receipt) -> list[Flowable]:
    gettext = ctx.gettext
    if ctx.statement.get("lines"):
        text = gettext(
            "This document acknowledges receipt of your withdrawal. It is not a decision on your "
            "withdrawal: the assessment of each item above is provisional; we will examine your "
            "withdrawal and let you know."
        )
    else:  # an unknown order: nothing was assessed yet
        text = gettext(
            "This document acknowledges receipt of your withdrawal. It is not a decision on your "
            "withdrawal: we will identify the contract from your description, examine your "
            "withdrawal and let you know."
        )
    return [*heading(gettext("What this acknowledgement means")), para(text, styles().body)]


def _next_steps(ctx: _Receipt) -> list[Flowable]:
    gettext, st = ctx.gettext, styles()
    # Worded after the model instructions of Annex I(A) CRD, whose official translations exist.
    refund = gettext(
        "Where your withdrawal is valid, we shall reimburse to you all payments received from "
        "you without undue delay and in any event not later than 14 days from the day on which "
        "we were informed about your decision to withdraw. We will carry out such reimbursement "
        "using the same means of payment as you used for the initial transaction, unless you "
        "have expressly agreed otherwise; in any event, you will not incur any fees as a result "
        "of such reimbursement."
    )
    story = [*heading(gettext("What happens next")), para(refund, st.body)]
    if _has_digital_content(ctx.statement.get("lines") or []):
        stop = gettext(
            "Where your withdrawal is valid, please stop using the digital content; we may make "
            "it unusable, for example by deactivating the licence key."
        )
        story += [Spacer(0, 4), para(stop, st.body)]
    contact = gettext("Questions? Write to %(email)s and quote the reference %(reference)s.") % {
        "email": ctx.trader.get("email", ""),
        "reference": ctx.reference,
    }
    # The record that follows is short: it never goes to a page of its own.
    return [*story, Spacer(0, 4), keep_with_next(para(contact, st.body, memo=False))]


def _has_digital_content(lines: Iterable[Mapping[str, Any]]) -> bool:
    return any(line.get("kind") in ("digital-content", "digital-service") for line in lines)


def _fingerprint(ctx: _Receipt, statement_hash: str) -> list[Flowable]:
    gettext, st = ctx.gettext, styles()
    attached = gettext("Your statement as recorded is attached to this PDF as %(file)s.") % {
        "file": attachment_name(ctx.reference)
    }
    # Kept with the table below it and, through the flag the paragraph before it carries,
    # with the end of the previous section: never a section alone on the last page.
    title = heading(gettext("Record of your statement"), room=0)
    return [
        *map(keep_with_next, title),
        field_table(
            [
                (gettext("SHA-256 of the statement"),
                 para(statement_hash, st.fingerprint, memo=False)),
                ("", para(attached, st.small, memo=False)),
            ]
        ),
    ]


def _check(ctx: _Receipt, check_url: str | None) -> list[Flowable]:
    if not check_url:
        return []
    text = ctx.gettext("Anyone can check that this acknowledgement is genuine at %(url)s: "
                       "upload this PDF, or enter its reference and the SHA-256 above.")
    return [Spacer(0, 4), para(text % {"url": check_url}, styles().small)]


def _aware(instant: datetime) -> datetime:
    # The recorded timestamps are aware; a naive one can only be UTC from our own clock.
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # an unknown zone must not stop the acknowledgement
