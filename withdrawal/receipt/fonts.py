"""The fonts embedded in every PDF: static Noto Sans Regular and Bold, cut from the variable
Noto Sans that the ``fontpkg-noto-sans`` package ships.

Noto Sans covers the Latin, Greek and Cyrillic alphabets, so one family serves every official EU
language. ReportLab can only embed static TrueType outlines, hence the instancing. Instancing the
full variable font takes several seconds, so the font is first cut down to the Latin, Greek and
Cyrillic blocks (and its layout tables, which ReportLab does not use, are dropped); that brings
both instances to under 2 s. The instances are kept on disk (``font_cache.py``), so that cost
is paid once per machine and font version, not once per process: a fresh process reads them
back in a few milliseconds.
Characters outside those blocks (Chinese, Japanese, Korean, symbols, emoji) are set in the
fallback fonts of ``fallback.py``, loaded only when a text needs them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import threading
from pathlib import Path
from typing import Any

import fontpkg  # type: ignore[import-untyped]  # ships no type information
import fontTools
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from . import font_cache

FAMILY = "WithdrawalNotoSans"
REGULAR = FAMILY
BOLD = FAMILY + "-Bold"

# Unicode blocks kept: Latin (Basic, Latin-1, Extended-A/B, IPA for ə, Extended Additional),
# spacing and combining marks, Greek and Coptic, Greek Extended, Cyrillic and its Supplement,
# general punctuation (incl. U+202F, which Babel puts in dates), currency symbols (€),
# letterlike symbols (№), arrows, the minus sign and the replacement character.
_BLOCKS = (
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x0250, 0x02AF),
    (0x02B0, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x052F),
    (0x1E00, 0x1FFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x215F),
    (0x2190, 0x21FF),
    (0x2212, 0x2212),
    (0xFFFD, 0xFFFD),
)

# Bump when the way the instances are cut changes: the cached files are named by it.
RECIPE = 1

_register_lock = threading.Lock()


def register_fonts() -> tuple[str, str]:
    """Register the embedded fonts with ReportLab (idempotent, thread-safe) and return the
    names of the regular and the bold face. ``<b>`` in Paragraph markup maps to the bold one."""
    with _register_lock:
        if REGULAR not in pdfmetrics.getRegisteredFontNames():
            _register(REGULAR, 400)
            _register(BOLD, 700)
            _reduced_variable_font.cache_clear()  # only needed to cut the two instances
            # Only the regular/bold pair exists: italic requests fall back rather than fail.
            addMapping(FAMILY, 0, 0, REGULAR)
            addMapping(FAMILY, 1, 0, BOLD)
            addMapping(FAMILY, 0, 1, REGULAR)
            addMapping(FAMILY, 1, 1, BOLD)
    return REGULAR, BOLD


def base_coverage() -> frozenset[int]:
    """The code points the embedded Noto Sans draws; the rest go to ``fallback``'s fonts."""
    regular, _ = register_fonts()
    return _coverage(regular)


@functools.cache
def _coverage(name: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


def _register(name: str, weight: int) -> None:
    pdfmetrics.registerFont(TTFont(name, io.BytesIO(static_instance(weight))))


@functools.lru_cache(maxsize=2)
def static_instance(weight: int) -> bytes:
    """A static TrueType instance of Noto Sans at ``weight`` (normal width), as bytes: read
    from the cache on disk, cut (and kept there) when it is not."""
    return font_cache.cached(f"NotoSans-{weight}", cache_key(weight), lambda: _cut(weight))


def cache_key(weight: int) -> str:
    """What the instance's bytes depend on: the variable font, fontTools and the recipe."""
    recipe = {
        "font": _variable_font_digest(),
        "fonttools": fontTools.version,
        "recipe": RECIPE,
        "blocks": _BLOCKS,
        "weight": weight,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


@functools.cache
def _variable_font_digest() -> str:
    return hashlib.sha256(_variable_font_path().read_bytes()).hexdigest()


def _cut(weight: int) -> bytes:
    from fontTools.ttLib import TTFont as FontToolsFont
    from fontTools.varLib import instancer  # imported here: slow, and only needed to cut

    font = FontToolsFont(io.BytesIO(_reduced_variable_font()), recalcTimestamp=False)
    instancer.instantiateVariableFont(
        font, {"wght": weight, "wdth": 100}, inplace=True, updateFontNames=True
    )
    return _save(font)


@functools.lru_cache(maxsize=1)
def _reduced_variable_font() -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont as FontToolsFont

    # recalcTimestamp=False keeps head.modified as shipped: the embedded subset, and so the
    # PDF, must be the same bytes in every process.
    font = FontToolsFont(_variable_font_path(), recalcTimestamp=False)
    for tag in ("GSUB", "GPOS", "GDEF"):  # ReportLab does not shape; reading them is slow
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[cp for low, high in _BLOCKS for cp in range(low, high + 1)])
    subsetter.subset(font)
    return _save(font)


def _variable_font_path() -> Path:
    return Path(fontpkg.path("Noto Sans", weight=400, style="normal"))


def _save(font: Any) -> bytes:
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
