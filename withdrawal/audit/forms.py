"""The audit area's forms: the list's filters (GET, no CSRF: they change nothing) and the
actions (POST, each with its CSRF token). Decision forms carry a prefix so that several can
share a page with unique ids."""

from __future__ import annotations

from typing import Any

import wtforms
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..i18n import lazy_gettext as _l
from ..i18n import lazy_pgettext
from .context import today
from .queries import Filters

_MATCHED = {"yes": True, "no": False}


def _choices(*pairs: tuple[str, Any]) -> list[Any]:
    """Options as ``SelectChoice`` (WTForms 3.3+, where tuples are deprecated) or tuples."""
    make = getattr(wtforms, "SelectChoice", None)
    return [make(value, label) if make else (value, label) for value, label in pairs]


class FilterForm(FlaskForm):  # type: ignore[misc]
    """Search and filters of the statement list; read from the query string."""

    class Meta:
        csrf = False

    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=16)])
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)],
                        render_kw={"type": "email"})
    order_number = StringField(_l("Order number"), validators=[Optional(), Length(max=64)])
    name = StringField(_l("Name contains"), validators=[Optional(), Length(max=200)])
    since = DateField(_l("Submitted from"), validators=[Optional()])
    until = DateField(_l("Submitted until"), validators=[Optional()])
    matched = SelectField(_l("Order found"), choices=_choices(
        ("", lazy_pgettext("order found filter", "Any")), ("yes", _l("Found")),
        ("no", _l("Not found"))), default="")
    flag = StringField(_l("Flag"), validators=[Optional(), Length(max=64)],
                       render_kw={"list": "known-flags"})
    decision = SelectField(_l("Decision"), choices=_choices(
        ("", lazy_pgettext("decision filter", "Any")), ("undecided", _l("Undecided")),
        ("accepted", _l("Accepted")), ("rejected", _l("Rejected")), ("refunded", _l("Refunded")),
        ("key-revoked", _l("Key revoked"))), default="")
    refund = SelectField(_l("Refund"), choices=_choices(
        ("", lazy_pgettext("refund filter", "Any")),
        ("due", _l("Due, not yet overdue")), ("overdue", _l("Overdue"))),
        default="")

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


def _note() -> Any:
    """A fresh note field, declared last in each form so that it comes last."""
    return TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class AcceptForm(FlaskForm):  # type: ignore[misc]
    """Accept the withdrawal: the refund falls due 14 days after the statement."""

    note = _note()


class RejectForm(FlaskForm):  # type: ignore[misc]
    reason = StringField(
        _l("Reason"), validators=[DataRequired(_l("Please give the reason.")), Length(max=200)],
        render_kw={"list": "rejection-reasons"},
        description=_l("For example: Art. 16(m) exclusion, or submitted after the period."),
    )
    note = _note()


class RefundForm(FlaskForm):  # type: ignore[misc]
    refunded_on = DateField(_l("Refunded on"),
                            validators=[DataRequired(_l("Please give the date."))])
    means_of_payment = StringField(
        _l("Means of payment"),
        validators=[DataRequired(_l("Please give the means of payment.")), Length(max=200)],
        description=_l("Art. 13(1): the means the consumer paid with, unless they expressly "
                       "agreed otherwise."),
        render_kw={"list": "payment-means"},
    )
    note = _note()


    def validate_refunded_on(self, field: Any) -> None:
        if field.data and field.data > today():
            raise ValidationError(_l("A refund is recorded once made: the date is in the future."))


class RevokeForm(FlaskForm):  # type: ignore[misc]
    """The licence key was revoked (Art. 13(8): the trader may stop further use)."""

    note = _note()


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button with nothing but its CSRF token: resend, verify now."""


DECISION_FORMS: dict[str, type[FlaskForm]] = {
    "accepted": AcceptForm, "rejected": RejectForm, "refunded": RefundForm,
    "key-revoked": RevokeForm,
}


def decision_form(kind: str, **kwargs: Any) -> Any:
    """The form for one kind of decision, with its field ids prefixed by the kind."""
    return DECISION_FORMS[kind](prefix=kind, **kwargs)
