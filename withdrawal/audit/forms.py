"""The audit area's forms: the list's filters (GET, no CSRF: they change nothing) and the
actions (POST, each with its CSRF token). Every field drops NUL and lone surrogates first
(``hostile.CleanForm``) and every text field has a length limit. The decision form carries a
prefix so that its ids stay unique beside the page's other forms."""

from __future__ import annotations

from datetime import date
from typing import Any

import wtforms
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..hostile import CleanForm
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_pgettext
from .queries import Filters

_MATCHED = {"yes": True, "no": False}
#: The dates a filter or a decision may name: wide enough for any statement or refund, and
#: far enough from the calendar's ends (year 1 and 9999) that a day added to the list's end,
#: or an instant in another zone, still exists.
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
#: WTForms' own message for a date it cannot read, translated by WTForms' catalogue (a name,
#: not a literal, so that our catalogue does not extract it).
INVALID_DATE = "Not a valid date value."


def plausible_date(_form: Any, field: Any) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(field.gettext(INVALID_DATE))


def _choices(*pairs: tuple[str, Any]) -> list[Any]:
    """Options as ``SelectChoice`` (WTForms 3.3+, where tuples are deprecated) or tuples."""
    make = getattr(wtforms, "SelectChoice", None)
    return [make(value, label) if make else (value, label) for value, label in pairs]


class FilterForm(CleanForm):
    """Search and filters of the statement list; read from the query string."""

    class Meta:
        csrf = False

    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=16)])
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)],
                        render_kw={"type": "email"})
    order_number = StringField(_l("Order number"), validators=[Optional(), Length(max=64)])
    name = StringField(_l("Name contains"), validators=[Optional(), Length(max=200)])
    since = DateField(_l("Submitted from"), validators=[Optional(), plausible_date])
    until = DateField(_l("Submitted until"), validators=[Optional(), plausible_date])
    matched = SelectField(_l("Order found"), choices=_choices(
        ("", lazy_pgettext("order found filter", "Any")), ("yes", _l("Found")),
        ("no", _l("Not found"))), default="")
    flag = StringField(_l("Flag"), validators=[Optional(), Length(max=64)],
                       render_kw={"list": "known-flags"})
    decision = SelectField(_l("Decision"), choices=_choices(
        ("", lazy_pgettext("decision filter", "Any")), ("undecided", _l("Undecided")),
        ("accepted", _l("Accepted")), ("rejected", _l("Rejected")), ("refunded", _l("Refunded")),
        ("key-revoked", _l("Key revoked")), ("returned", _l("Goods received back"))),
        default="")
    refund = SelectField(_l("Refund"), choices=_choices(
        ("", lazy_pgettext("refund filter", "Any")), ("due", _l("Due, not yet overdue")),
        ("overdue", _l("Overdue")), ("withheld", _l("Waiting for the goods"))), default="")

    def validate_until(self, field: Any) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self) -> Filters:
        """The validated filters (call after ``validate()``)."""
        return Filters(
            reference=self.reference.data or "", email=self.email.data or "",
            order_number=self.order_number.data or "", name=self.name.data or "",
            since=self.since.data, until=self.until.data,
            matched=_MATCHED.get(self.matched.data or ""), flag=self.flag.data or "",
            decision=self.decision.data or "", refund=self.refund.data or "",
        )


class DecideForm(CleanForm):
    """One decision on some lines of a statement (issue 14): the lines, the outcome and what
    it needs. Only the form's shape is checked here; whether the decision is complete and
    allowed is ``withdrawal.decisions``' to say (its problems become field errors)."""

    lines = SelectMultipleField(_l("Lines"), choices=[], widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput())
    outcome = RadioField(_l("Outcome"), choices=_choices(
        ("accepted", _l("Accept the withdrawal")),
        ("rejected", _l("Reject the withdrawal")),
        ("refunded", _l("Record the refund")),
        ("revoked", _l("Record that the key was revoked")),
        ("returned", _l("Record that the goods came back")),
        ("corrected", _l("Correct the latest decision"))),
        validators=[InputRequired(_l("Please choose the outcome."))])
    reason = StringField(
        _l("Reason"), validators=[Optional(), Length(max=200)],
        render_kw={"list": "rejection-reasons"},
        description=_l("Required to reject or correct; the consumer reads it."))
    amount = StringField(
        _l("Amount refunded"), validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
        description=_l("For a refund: what was paid back, e.g. 49.98."))
    means = StringField(
        _l("Means of payment"), validators=[Optional(), Length(max=200)],
        render_kw={"list": "payment-means"},
        description=_l("For a refund. Art. 13(1): the means the consumer paid with, unless "
                       "they expressly agreed otherwise (empty: that means)."))
    date = DateField(_l("Date"), validators=[Optional(), plausible_date],
                     description=_l("When the refund was made or the goods came back "
                                    "(empty: today)."))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)],
                         description=_l("Internal: the consumer does not see it."))


class ActionForm(CleanForm):
    """A button with nothing but its CSRF token: resend, verify now."""


#: Options for a choice field set at request time (the decision form's lines).
options = _choices
