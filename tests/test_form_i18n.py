"""WTForms' own messages come from its catalogue parsed once per process and language
(``withdrawal.form_i18n``), not once per request as Flask-WTF does."""

from __future__ import annotations

from flask import Flask
from support import MakeApp

from withdrawal.consumer.forms import IdentifyForm
from withdrawal.form_i18n import wtforms_catalogue


def _not_a_valid_choice(app: Flask, language: str) -> str:
    with app.test_request_context("/withdrawal/", headers={"Accept-Language": language}):
        form = IdentifyForm()
        translations = form.meta.get_translations(form)  # None: WTForms' English
        message = "Not a valid choice."
        return message if translations is None else str(translations.gettext(message))


def test_wtforms_catalogue_is_parsed_once_per_language(app: Flask) -> None:
    wtforms_catalogue.cache_clear()
    assert [_not_a_valid_choice(app, "de") for _ in range(3)] == ["Keine gültige Auswahl."] * 3
    assert wtforms_catalogue.cache_info().misses == 1
    assert _not_a_valid_choice(app, "fr") != "Not a valid choice."  # its own language
    assert wtforms_catalogue.cache_info().misses == 2


def test_wtforms_i18n_can_still_be_turned_off(make_app: MakeApp) -> None:
    app = make_app(WTF_I18N_ENABLED=False)
    assert _not_a_valid_choice(app, "de") == "Not a valid choice."
