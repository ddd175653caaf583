"""The three steps' forms. Labels come from the package's own translation domain; Flask-WTF
adds the CSRF token to each."""

from __future__ import annotations

from typing import Any

from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..form_i18n import FlaskForm  # WTForms' catalogue cached per process
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_pgettext


def no_control_characters(_form: Any, field: Any) -> None:
    """A line break in a name or e-mail could smuggle a header into the acknowledgement."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data or ""):
        raise ValidationError(_l("Please use a single line without special characters."))


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class IdentifyForm(FlaskForm):
    """Step 1: the only required fields the law allows (Art. 11a(2)(a)-(c), R5)."""

    name = StringField(
        lazy_pgettext("consumer", "Name"), filters=[_strip],
        validators=[DataRequired(_l("Please enter your name.")), Length(max=200),
                    no_control_characters],
        render_kw={"autocomplete": "name"},
    )
    email = StringField(
        _l("E-mail address"), filters=[_strip],
        validators=[DataRequired(_l("Please enter your e-mail address.")), Length(max=254),
                    no_control_characters,
                    Email(_l("Please enter a valid e-mail address."),
                          check_deliverability=False)],
        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email"},
    )
    order_number = StringField(
        _l("Order number"), filters=[_strip],
        validators=[DataRequired(_l("Please enter your order number.")), Length(max=64),
                    no_control_characters],
    )


class MultiCheckboxField(SelectMultipleField):
    """One checkbox per order line."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SelectForm(FlaskForm):
    """Step 2: the lines of a found order, or a description of a contract that was not found."""

    lines = MultiCheckboxField(_l("Products"), choices=[], validate_choice=True)
    description = TextAreaField(
        _l("Describe your contract (optional)"), filters=[_strip],
        validators=[Optional(), Length(max=1000)],
        description=_l("For example what you bought and when."),
    )


class ConfirmForm(FlaskForm):
    """Step 3: the confirmation function. The submission key ties the POST to the draft the
    summary showed; the server checks it against the session, never trusts it for content."""

    key = HiddenField()
