"""Validation messages in the consumer's language: WTForms' own messages through Flask-WTF's
``WTF_I18N_ENABLED`` (following our locale choice), ours through the ``withdrawal`` domain."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from i18n.support import TRANSLATED, context_translator, html, shown, translator
from support import Consumer, csrf_token
from wtforms import StringField
from wtforms.i18n import get_translations as wtforms_catalogue
from wtforms.validators import Length

#: Translations do not depend on the database.
pytestmark = pytest.mark.sqlite_only

TOO_LONG = "Field cannot be longer than %(max)d character."
TOO_LONG_PLURAL = "Field cannot be longer than %(max)d characters."


def identify(client: FlaskClient, lang: str, **fields: str) -> str:
    page = client.get(f"/withdrawal/?lang={lang}").get_data(as_text=True)
    response = client.post("/withdrawal/", data={"csrf_token": csrf_token(page), **fields})
    assert response.status_code == 400
    return str(response.get_data(as_text=True))


def test_wtforms_length_message_in_italian(client: FlaskClient) -> None:
    page = identify(client, "it", name="x" * 201, email="maria@example.com", order_number="1")
    assert "Il valore non può essere più lungo di 200 caratteri." in page
    assert "Field cannot be longer" not in page


def test_wtforms_length_between_message_follows_our_locale_choice(app: Flask) -> None:
    class Short(FlaskForm):  # type: ignore[misc]
        code = StringField(validators=[Length(min=2, max=5)])

    # No switcher, no host selector: Accept-Language decides, as for the package's pages.
    with app.test_request_context("/withdrawal/", method="POST", data={"code": "x"},
                                  headers={"Accept-Language": "it-IT, it;q=0.9"}):
        form = Short(meta={"csrf": False})
        assert not form.validate()
        assert form.code.errors == [
            "La lunghezza del valore deve essere compresa tra 2 e 5 caratteri."
        ]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_wtforms_messages_are_translated_in_every_complete_language(
    client: FlaskClient, lang: str
) -> None:
    expected = wtforms_catalogue([lang]).ngettext(TOO_LONG, TOO_LONG_PLURAL, 254) % {"max": 254}
    assert expected != TOO_LONG_PLURAL % {"max": 254}
    page = identify(client, lang, name="Ann", email="a" * 250 + "@x.eu", order_number="1")
    assert html(expected) in page


@pytest.mark.parametrize("lang", TRANSLATED)
def test_our_own_messages_and_labels_are_translated(client: FlaskClient, lang: str) -> None:
    _ = translator(lang)
    page = identify(client, lang, name="", email="", order_number="")
    for msgid in ("Please enter your name.", "Please enter your e-mail address.",
                  "Please enter your order number.", "Please correct the following:",
                  "E-mail address", "Order number"):
        assert _(msgid) != msgid, msgid
        assert shown(_(msgid), page), msgid
    assert shown(context_translator(lang)("consumer", "Name"), page)
    page = identify(client, lang, name="Ann\u0007", email="ann@example.com", order_number="1")
    assert shown(_("Please use a single line without special characters."), page)


def test_choosing_no_product_is_answered_in_the_language(consumer: Consumer) -> None:
    consumer.client.get("/withdrawal/?lang=pl")
    assert consumer.identify("Anna Nowak", "mixed@demo.example", "1008").status_code == 302
    response = consumer.select([])
    assert response.status_code == 400
    assert html(translator("pl")("Please choose at least one product.")) in response.get_data(
        as_text=True)


def test_wtforms_i18n_is_left_enabled(app: Flask) -> None:
    assert app.config.get("WTF_I18N_ENABLED", True) is True
