"""The language switcher: on every step and on the receipt, plain links (no JavaScript) naming
each official language in itself; the chosen language is marked and sticks in the session."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from support import Consumer

from withdrawal.i18n import COMPLETE_LANGUAGES
from withdrawal.labels import LANGUAGES

#: Translations do not depend on the database.
pytestmark = pytest.mark.sqlite_only

LINK = re.compile(
    r'<a href="\?lang=(\w\w)" lang="\1" hreflang="\1"\s*(aria-current="true")?>([^<]+)</a>'
)

#: A few endonyms, written out so that a change in how names are made shows up here.
ENDONYMS = {
    "bg": "Български", "de": "Deutsch", "el": "Ελληνικά", "es": "Español", "fr": "Français",
    "ga": "Gaeilge", "hu": "Magyar", "it": "Italiano", "mt": "Malti", "nl": "Nederlands",
    "pl": "Polski", "pt": "Português", "sv": "Svenska",
}


def switcher(page: str) -> dict[str, tuple[str, bool]]:
    nav = page.split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]
    return {code: (name, bool(current)) for code, current, name in LINK.findall(nav)}


def pages(consumer: Consumer, lang: str) -> dict[str, str]:
    client = consumer.client
    shown = {"identify": client.get(f"/withdrawal/?lang={lang}").get_data(as_text=True)}
    consumer.identify("Maria Rossi", "mixed@demo.example", "1008")
    shown["select"] = client.get("/withdrawal/select").get_data(as_text=True)
    consumer.select(["1"])
    shown["confirm"] = consumer.confirm_page()
    location = consumer.confirm(shown["confirm"]).headers["Location"]
    shown["receipt"] = client.get(location).get_data(as_text=True)
    return shown


@pytest.mark.parametrize("lang", ["it", "pl", "el"])
def test_every_step_has_the_switcher_naming_each_language_in_itself(
    consumer: Consumer, lang: str
) -> None:
    for step, page in pages(consumer, lang).items():
        links = switcher(page)
        assert list(links) == list(LANGUAGES), step
        for code, name in ENDONYMS.items():
            assert links[code][0] == name, (step, code)
        assert [code for code, (_, current) in links.items() if current] == [lang], step
        text_lang = lang if lang in COMPLETE_LANGUAGES else "en"  # labels carry their own
        assert f'<html lang="{text_lang}">' in page, step
        assert "<script" not in page, step


def test_switching_on_a_later_step_keeps_the_draft_and_sticks(consumer: Consumer) -> None:
    client: FlaskClient = consumer.client
    client.get("/withdrawal/?lang=de")
    consumer.identify("Maria Rossi", "mixed@demo.example", "1008")
    page = client.get("/withdrawal/select?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Choisir les produits" in page
    assert 'value="1"' in page, "the draft is still there after switching"
    consumer.select(["1"])
    confirm = consumer.confirm_page()
    assert '<html lang="fr">' in confirm and "Confirmer la rétractation" in confirm
    with client.session_transaction() as session:
        assert session["withdrawal_locale"] == "fr"


def test_the_recorded_statement_keeps_the_language_it_was_made_in(consumer: Consumer) -> None:
    consumer.client.get("/withdrawal/?lang=nl")
    location = consumer.withdraw("Maria Rossi", "mixed@demo.example", "1008", ["1"])
    page = consumer.client.get(location.headers["Location"] + "?lang=de").get_data(as_text=True)
    # The page follows the switch; the labels recorded with the statement stay the Dutch ones.
    assert '<html lang="de">' in page
    assert "Hier de overeenkomst herroepen" in page and "Herroeping bevestigen" in page
