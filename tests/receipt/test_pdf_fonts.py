"""The embedded fonts: static Noto Sans instances that cover every EU alphabet."""

from __future__ import annotations

import io
import platform

import pytest
from fontTools.ttLib import TTFont
from reportlab.pdfbase import pdfmetrics

from withdrawal.receipt.fonts import register_fonts, static_instance

# A sample of letters from each official EU language's alphabet beyond ASCII.
EU_LETTERS = "ÄÖÜßẞàâçéèêëîïôûùÿœæÅØåøÁÉÍÓÚÑñ¿¡ąćęłńóśźżčďěňřšťůžľĺŕőűãõșțăîâđāēīūķļņģėįųŋħġċżĦĠĊŻ€"
GREEK = "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ"
CYRILLIC = "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЬЮЯабвгдежзийклмнопрстуфхцчшщъьюяѝ"


@pytest.mark.parametrize("weight", [400, 700])
def test_static_instance_covers_every_eu_alphabet(weight: int) -> None:
    font = TTFont(io.BytesIO(static_instance(weight)))
    assert "fvar" not in font and "gvar" not in font  # static outlines ReportLab can embed
    cmap = font.getBestCmap()
    missing = [ch for ch in EU_LETTERS + GREEK + CYRILLIC + "\u202f—•×·’“”" if ord(ch) not in cmap]
    assert not missing
    assert font["OS/2"].usWeightClass == weight


def test_register_fonts_is_idempotent_and_returns_the_names() -> None:
    regular, bold = register_fonts()
    assert register_fonts() == (regular, bold)
    assert {regular, bold} <= set(pdfmetrics.getRegisteredFontNames())
    assert regular != bold


@pytest.mark.skipif(
    platform.python_implementation() != "CPython"
    or platform.machine() not in {"x86_64", "AMD64", "aarch64", "arm64"},
    reason="rl-accel is a dependency only where it ships a wheel (pyproject.toml)",
)
def test_reportlab_runs_with_its_c_accelerator() -> None:
    # Without rl-accel ReportLab falls back to pure Python for these (27 % of a receipt).
    from reportlab.lib import rl_accel

    for name in ("fp_str", "escapePDF", "instanceStringWidthTTF", "calcChecksum"):
        assert getattr(rl_accel, name).__module__ == "_rl_accel", name
