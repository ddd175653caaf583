"""The acknowledgement of receipt on a durable medium (Art. 11a(4) CRD) as a PDF.

Pure: no Flask. The caller passes ``gettext`` bound to the consumer's locale; every English
string here, in ``receipt_lines`` (the items' table) and in ``receipt_context`` (the footer) is
a literal ``gettext("...")`` call so that ``pybabel extract`` finds it. The document's dates
are pinned to the submission time and its /ID to the statement, so the same statement always
gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer

from ..labels import text_language
from ..statement import canonical_json
from .document import (
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
)
from .receipt_context import ReceiptContext, own_styles, zone_named
from .receipt_lines import lines_section
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
    ctx = ReceiptContext(statement, gettext, babel_locale(locale), pgettext)
    return build_pdf(
        _receipt_story(ctx, statement_hash) + _check(ctx, check_url),
        _receipt_info(ctx, statement_hash),
        footer=ctx.footer,
        attachments=[_statement_attachment(ctx)],
    )


def _receipt_info(ctx: ReceiptContext, statement_hash: str) -> DocumentInfo:
    gettext = ctx.gettext
    return DocumentInfo(
        title=gettext("Acknowledgement of receipt of your withdrawal"),
        author=str(ctx.trader.get("name", "")),
        subject=gettext("Withdrawal statement %(reference)s") % {"reference": ctx.reference},
        lang=text_language(pdf_lang(ctx.locale)),  # English text where only labels exist
        created=ctx.submitted_at,
        seed=b"\0".join([b"receipt", statement_hash.encode(), canonical_json(ctx.statement)]),
    )


def _statement_attachment(ctx: ReceiptContext) -> Attachment:
    return Attachment(
        name=attachment_name(ctx.reference),
        data=canonical_json(ctx.statement),
        mime_type="application/json",
        description=ctx.gettext("Your withdrawal statement as recorded (JSON)"),
    )


def _receipt_story(ctx: ReceiptContext, statement_hash: str) -> list[Flowable]:
    return [
        *_title(ctx),
        *_trader(ctx),
        *_submission(ctx),
        *_consumer(ctx),
        *lines_section(ctx),
        *_declaration(ctx),
        *_labels(ctx),
        *_meaning(ctx),
        *_next_steps(ctx),
        *returns_section(ctx.statement, ctx.gettext, ctx.locale),
        *_fingerprint(ctx, statement_hash),
    ]


def _title(ctx: ReceiptContext) -> list[Flowable]:
    gettext, st = ctx.gettext, styles()
    intro = gettext(
        "We have received your withdrawal statement. This document is your acknowledgement "
        "of receipt on a durable medium: please keep it."
    )
    return [
        para(gettext("Acknowledgement of receipt of your withdrawal"), st.title),
        para(intro, st.body),
    ]


def _trader(ctx: ReceiptContext) -> list[Flowable]:
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


def _submission(ctx: ReceiptContext) -> list[Flowable]:
    gettext = ctx.gettext
    zone = zone_named(str(ctx.statement.get("timezone") or "UTC"))
    local_label = gettext("Your local time (%(zone)s)") % {"zone": zone.key}
    reference = para(ctx.reference, own_styles().reference, memo=False)
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


def _consumer(ctx: ReceiptContext) -> list[Flowable]:
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


def _unmatched_contract(ctx: ReceiptContext) -> list[tuple[str, Flowable | str]]:
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


def _declaration(ctx: ReceiptContext) -> list[Flowable]:
    gettext, quote = ctx.gettext, own_styles().quote
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
    return Paragraph(markup(item, bold=is_bold(style)), own_styles().item, bulletText="•")


def _labels(ctx: ReceiptContext) -> list[Flowable]:
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


def _meaning(ctx: ReceiptContext) -> list[Flowable]:
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


def _next_steps(ctx: ReceiptContext) -> list[Flowable]:
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


def _fingerprint(ctx: ReceiptContext, statement_hash: str) -> list[Flowable]:
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


def _check(ctx: ReceiptContext, check_url: str | None) -> list[Flowable]:
    if not check_url:
        return []
    text = ctx.gettext("Anyone can check that this acknowledgement is genuine at %(url)s: "
                       "upload this PDF, or enter its reference and the SHA-256 above.")
    return [Spacer(0, 4), para(text % {"url": check_url}, styles().small)]
