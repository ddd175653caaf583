"""Reasons read together (eligibility.wording.say_once): a long sentence several reasons of
one line end with is said once, after the last fact; nothing else changes."""

from __future__ import annotations

import pytest

from withdrawal.eligibility import say_once
from withdrawal.eligibility.reasons import (
    DIGITAL_ACKNOWLEDGEMENT_MISSING,
    DIGITAL_CONFIRMATION_MISSING,
    DIGITAL_CONSENT_MISSING,
)
from withdrawal.eligibility.wording import sentences

CONCLUSION = ("The exception for digital content therefore cannot remove your right of "
              "withdrawal, and if you withdraw in time you do not have to pay anything for it, "
              "even if you have used it.")


def test_art16m_conditions_missing_say_the_conclusion_once_after_the_last() -> None:
    texts = [r.message for r in (DIGITAL_CONSENT_MISSING, DIGITAL_ACKNOWLEDGEMENT_MISSING,
                                 DIGITAL_CONFIRMATION_MISSING)]
    said = say_once(texts)
    assert " ".join(said).count(CONCLUSION) == 1
    assert said[2].endswith(CONCLUSION)
    assert said[0] == texts[0].replace(" " + CONCLUSION, "")
    assert said[1] == texts[1].replace(" " + CONCLUSION, "")


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(["One fact here. Short one.", "Other fact. Short one."],
                     ["One fact here. Short one.", "Other fact. Short one."],
                     id="short-sentences-may-repeat"),
        pytest.param(["A fact (Art. 16(m) of the Directive) applies here today.",
                      "Art. 16(m) of the Directive applies here today as well."],
                     ["A fact (Art. 16(m) of the Directive) applies here today.",
                      "Art. 16(m) of the Directive applies here today as well."],
                     id="art-abbreviation-is-no-sentence-end"),
        pytest.param(["Nur dies. Die Ausnahme greift deshalb nicht für diese Inhalte.",
                      "Anderes. Die Ausnahme greift deshalb nicht für diese Inhalte."],
                     ["Nur dies.", "Anderes. Die Ausnahme greift deshalb nicht für diese Inhalte."],
                     id="any-language-with-full-stops"),
        pytest.param([], [], id="no-reasons"),
    ],
)
def test_say_once(texts: list[str], expected: list[str]) -> None:
    assert say_once(texts) == expected


def test_sentences_keep_their_punctuation() -> None:
    assert sentences("Vous pouvez vous rétracter\u202f! Est-ce clair\u202f? Oui.") == [
        "Vous pouvez vous rétracter\u202f!", "Est-ce clair\u202f?", "Oui."]
