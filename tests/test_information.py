"""The pre-contract information sentence on the withdrawal function (Art. 6(1)(h); Annex I(A)
point 3 as replaced by Directive (EU) 2023/2673): legal text in its own catalogue, Italian as
enacted, the function's address inserted, a Jinja global for the shop's templates (R16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, render_template_string
from support import TRADER_CONFIG

import withdrawal
from withdrawal import Order, Withdrawal, withdrawal_information
from withdrawal.i18n import COMPLETE_LANGUAGES
from withdrawal.information import ADDRESS, INFORMATION, information_for

#: D.Lgs. 209/2025, art. 1, lett. g, as quoted in the reference (docs/labels.md).
ITALIAN_AS_ENACTED = (
    "È inoltre possibile esercitare il diritto di recesso online su [inserire l'indirizzo "
    "Internet o un'altra spiegazione adeguata in merito a dove è disponibile la funzione di "
    "recesso]. Se si utilizza questa funzione online, trasmetteremo senza indebito ritardo un "
    "avviso di ricevimento del recesso su un supporto durevole (ad esempio tramite posta "
    "elettronica), compresi il suo contenuto e la data e l'ora della sua trasmissione."
)

#: The German model instructions' acknowledgement clause as quoted in commentary.
GERMAN_QUOTED = ("unverzüglich eine Eingangsbestätigung mit Informationen zum Inhalt der "
                 "Widerrufserklärung sowie dem Datum und der Uhrzeit ihres Eingangs")

#: language, a phrase that must be there (the function online, the acknowledgement), verified.
SENTENCES = [
    pytest.param("it", "avviso di ricevimento", True, id="annexIA3-it-enacted-verified"),
    pytest.param("de", "Eingangsbestätigung", False, id="annexIA3-de-commentary-unverified"),
    pytest.param("en", "acknowledgement of receipt", False, id="annexIA3-en-unverified"),
    pytest.param("es", "acuse de recibo", False, id="annexIA3-es-unverified"),
    pytest.param("fr", "accusé de réception", False, id="annexIA3-fr-unverified"),
    pytest.param("nl", "ontvangstbevestiging", False, id="annexIA3-nl-unverified"),
    pytest.param("pl", "potwierdzenie otrzymania", False, id="annexIA3-pl-unverified"),
    pytest.param("pt", "aviso de receção", False, id="annexIA3-pt-unverified"),
]


class NoOrders:
    def find_order(self, number: str, email: str) -> Order | None:
        return None


@pytest.fixture
def shop(tmp_path: Path) -> Flask:
    app = Flask("shop", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY="s", WITHDRAWAL_URL_PREFIX="/recesso",
                      **TRADER_CONFIG,
                      WITHDRAWAL_DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}")
    Withdrawal(app, order_source=NoOrders())
    return app


def test_italian_is_exactly_as_enacted() -> None:
    assert INFORMATION["it"].model_text == ITALIAN_AS_ENACTED
    assert INFORMATION["it"].verified
    assert "D.Lgs. 209/2025" in INFORMATION["it"].source


def test_german_follows_the_model_instructions_quoted_in_commentary() -> None:
    german = INFORMATION["de"]
    assert GERMAN_QUOTED in german.text
    assert not german.verified and "commentary" in german.source


def test_every_complete_language_has_its_sentence() -> None:
    assert set(INFORMATION) == set(COMPLETE_LANGUAGES)


@pytest.mark.parametrize(("lang", "phrase", "verified"), SENTENCES)
def test_each_sentence_has_one_address_its_source_and_its_mark(
    lang: str, phrase: str, verified: bool,
) -> None:
    sentence = INFORMATION[lang]
    assert sentence.text.count(ADDRESS) == 1 and phrase in sentence.text
    assert sentence.verified is verified
    assert sentence.source and ("unverified" in sentence.source) is not verified
    assert sentence.instruction.startswith("[") and sentence.instruction.endswith("]")
    address = "https://shop.example/withdrawal/"
    assert sentence.with_address(address) == sentence.text.replace(ADDRESS, address)


@pytest.mark.parametrize(("locale", "expected"), [
    pytest.param("it_IT", "it", id="regional-locale"),
    pytest.param("sv", "en", id="language-without-a-sentence-english"),
    pytest.param("xx", "en", id="unknown-locale-english"),
])
def test_languages_without_a_sentence_get_english(locale: str, expected: str) -> None:
    assert information_for(locale).locale == expected


def test_is_exported_by_the_package() -> None:
    assert "withdrawal_information" in withdrawal.__all__


def test_default_address_is_the_external_url_of_step_one(shop: Flask) -> None:
    with shop.test_request_context("/terms", base_url="https://shop.example",
                                   headers={"Accept-Language": "it"}):
        text = withdrawal_information()
    assert text == ITALIAN_AS_ENACTED.replace(
        INFORMATION["it"].instruction, "https://shop.example/recesso/")


def test_locale_and_url_given(shop: Flask) -> None:
    with shop.test_request_context("/"):
        text = withdrawal_information("fr", "https://boutique.example/retractation")
    assert text.startswith("Vous pouvez également exercer votre droit de rétractation en ligne "
                           "à l'adresse https://boutique.example/retractation.")


def test_jinja_global_for_the_shops_templates_is_escaped(shop: Flask) -> None:
    with shop.test_request_context("/", headers={"Accept-Language": "de"}):
        html = render_template_string(
            "<p>{{ withdrawal_information(url='https://shop.example/w?a=1&b=<2>') }}</p>")
    assert "Sie können Ihr Widerrufsrecht auch online unter https://shop.example/w?a=1&amp;b=" \
           "&lt;2&gt; ausüben." in html


def test_the_sentences_are_not_in_the_gettext_catalogues() -> None:
    translations = Path(__file__).resolve().parents[1] / "translations"
    catalogues = "".join(p.read_text(encoding="utf-8")
                         for p in translations.glob("*/LC_MESSAGES/withdrawal.po"))
    for sentence in INFORMATION.values():
        first = sentence.text.split(ADDRESS)[0]
        assert first not in catalogues, sentence.locale
