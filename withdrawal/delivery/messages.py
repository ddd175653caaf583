"""The e-mails owed for a statement, composed in the consumer's language: the acknowledgement
with its PDF (Art. 11a(4)), the short notice to the order's address when it differs (R22), the
shop's copy (``WITHDRAWAL_NOTIFY``) and the notice of each decision (``notices.py``). No
advertising, ever."""

from __future__ import annotations

import time
from email.charset import QP, Charset
from email.mime.text import MIMEText
from email.utils import make_msgid, parseaddr
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message

from ..config import config_value
from ..i18n import gettext, text_language
from ..labels import StatutoryLabels
from ..links import receipt_token
from ..receipt.issue import check_url
from ..statement import Purpose, StatementContent
from ..storage.statements import StoredStatement
from ..templating import base_context
from .notices import notice_context, notice_subject


class FrozenMessage(Message):
    """Renders its bytes once, so what is sent is exactly what is kept as ``.eml``."""

    _frozen: bytes | None = None

    def _mimetext(self, text: str | None, subtype: str = "plain") -> MIMEText:
        # Flask-Mail sends UTF-8 bodies as 8bit without wrapping; a long paragraph then breaks
        # SMTP's 998-character line limit. Quoted-printable keeps every line short.
        utf8 = Charset("utf-8")
        utf8.body_encoding = QP
        return MIMEText(text or "", _subtype=subtype, _charset=utf8)  # type: ignore[arg-type]

    def as_bytes(self) -> bytes:
        if self._frozen is None:
            self._frozen = super().as_bytes()
        return self._frozen

    def as_string(self) -> str:
        return self.as_bytes().decode("utf-8", "replace")


def sender() -> str:
    configured = config_value("MAIL_SENDER") or current_app.config.get("MAIL_DEFAULT_SENDER")
    if isinstance(configured, tuple):
        configured = f"{configured[0]} <{configured[1]}>"
    return str(configured or config_value("TRADER_EMAIL"))


#: The templates of the messages that are not the acknowledgement (``receipt``).
TEMPLATES = {Purpose.ORDER_NOTICE: "notice", Purpose.DECISION_NOTICE: "decision"}


def compose(
    statement: StoredStatement, purpose: str, recipient: str, *, pdf: bytes | None,
    link_base: str | None, event_seq: int | None = None,
) -> FrozenMessage:
    """The message for one outbox entry (``event_seq``: the decision a notice is about)."""
    content = statement.content
    locale = _locale_for(purpose, content)
    text_lang = text_language(locale)
    with force_locale(locale):
        context = {**_context(statement, purpose, link_base), "text_lang": text_lang}
        subject = _subject(purpose, content)
        if purpose == Purpose.DECISION_NOTICE:
            context.update(notice_context(statement, event_seq))
            subject = notice_subject(context["outcome"], statement.reference)
        template = TEMPLATES.get(Purpose(purpose), "receipt")
        message = FrozenMessage(
            subject=subject,
            recipients=[_addressee(purpose, content, recipient)],
            body=render_template(f"withdrawal/email/{template}.txt", **context),
            html=render_template(f"withdrawal/email/{template}.html", **context),
            sender=sender(),
            reply_to=config_value("TRADER_EMAIL") or None,
            date=time.time(),
            extra_headers={"Auto-Submitted": "auto-generated",
                           "Content-Language": _content_language(text_lang, locale)},
        )
    message.msgId = make_msgid(domain=message_domain())
    if pdf is not None and purpose != Purpose.ORDER_NOTICE:
        message.attach(f"withdrawal-{statement.reference}.pdf", "application/pdf", pdf)
    return message


def _content_language(text_lang: str, locale: str) -> str:
    """The message's languages: its text's, and the statutory labels' where those differ (a
    language with only its labels: English text quoting them, ``en, el``)."""
    return text_lang if text_lang == locale else f"{text_lang}, {locale}"


def _locale_for(purpose: str, content: StatementContent) -> str:
    if purpose == Purpose.SHOP_COPY:
        return str(config_value("DEFAULT_LOCALE"))
    return str(content.get("locale") or config_value("DEFAULT_LOCALE"))


def _subject(purpose: str, content: StatementContent) -> str:
    reference = content["reference"]
    if purpose == Purpose.ORDER_NOTICE:
        return gettext("A withdrawal statement was sent for your order %(number)s",
                       number=content.get("order_number") or "")
    if purpose == Purpose.SHOP_COPY:
        return gettext("Copy: withdrawal statement %(reference)s", reference=reference)
    return gettext("Acknowledgement of receipt of your withdrawal %(reference)s",
                   reference=reference)


def _addressee(
    purpose: str, content: StatementContent, recipient: str,
) -> str | tuple[str, str]:
    """The consumer's name as display name: Flask-Mail encodes it, so it cannot add a header."""
    if purpose in (Purpose.ACKNOWLEDGEMENT, Purpose.DECISION_NOTICE):
        return (" ".join(str(content["name"]).split()), recipient)
    return recipient


def _context(statement: StoredStatement, purpose: str, link_base: str | None) -> dict[str, Any]:
    content = statement.content
    zone = content.get("timezone") or config_value("TRADER_TIMEZONE")
    base = base_context()
    recorded = content.get("labels")  # the e-mail shows the labels the record keeps
    return {
        **base,
        "labels": StatutoryLabels.from_json(recorded) if recorded else base["labels"],
        "content": content,
        "statement": statement,
        "purpose": purpose,
        "local_zone": zone,
        "receipt_link": _receipt_link(statement.reference, link_base),
        "check_url": check_url(link_base),
    }


def _receipt_link(reference: str, link_base: str | None) -> str | None:
    if not link_base:
        return None
    prefix = str(config_value("URL_PREFIX")).strip("/")
    return f"{link_base.rstrip('/')}/{prefix}/receipt/{receipt_token(reference)}"


def message_domain() -> str:
    """The domain of the shop's Message-IDs: the sender's."""
    address = parseaddr(sender())[1]
    return address.rpartition("@")[2] or "localhost"
