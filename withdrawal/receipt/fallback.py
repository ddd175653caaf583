"""Fonts for what Noto Sans lacks: Chinese, Japanese and Korean (Noto Sans SC, JP, KR and TC,
from the ``justmytype-intl-cjk`` package), symbols (Noto Sans Symbols) and emoji (Noto Emoji,
monochrome; both from ``manimgx-fonts``).

ReportLab has no per-glyph fallback, so :func:`font_runs` cuts a text into runs by the first
font of the chain that has each character, and ``document.markup`` wraps each run in
``<font name=...>``. The fallback fonts are variable fonts of up to 17 MB: each run gets a
static font of its own, cut to the run's characters at the wanted weight (a few kilobytes),
registered with ReportLab under a name derived from its content. The PDF embeds only those
glyphs, with their Unicode mapping (ToUnicode), so the text can still be extracted.

Nothing here is loaded until a text needs it: a face costs about a second once per process
(and its outlines stay in memory: some 100 MB with Chinese, Japanese, Korean, symbols and
emoji all loaded), each new glyph a few milliseconds. A face whose package is missing is left
out of the chain (logged once): its characters then print as the base font's empty box, and
the receipt still goes out.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont as FontToolsFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from . import reportlab_fixes  # noqa: F401  # ToUnicode of characters beyond U+FFFF

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Face:
    """One fallback font file: ``package`` ships it at ``path``."""

    key: str
    package: str
    path: str


FACES: dict[str, Face] = {
    face.key: face
    for face in (
        Face("sc", "justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"),
        Face("jp", "justmytype_intl_cjk", "fonts/ofl/notosansjp/NotoSansJP[wght].ttf"),
        Face("kr", "justmytype_intl_cjk", "fonts/ofl/notosanskr/NotoSansKR[wght].ttf"),
        Face("tc", "justmytype_intl_cjk", "fonts/ofl/notosanstc/NotoSansTC[wght].ttf"),
        Face("symbols", "manimgx_fonts", "NotoSansSymbols[wght].ttf"),
        Face("emoji", "manimgx_fonts", "NotoEmoji[wght].ttf"),
    )
}

REGULAR_WEIGHT, BOLD_WEIGHT = 400, 700

# Blocks where a CJK face comes first: Hangul Jamo, the CJK radicals to Yi (kana, CJK
# punctuation, the unified ideographs), Hangul, compatibility ideographs, vertical and small
# forms, half- and full-width forms, and the supplementary ideographic planes.
_CJK_BLOCKS = (
    (0x1100, 0x11FF), (0x2E80, 0xA4CF), (0xA960, 0xA97F), (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)
_KANA = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))

#: How many run fonts stay registered with ReportLab; older ones unused for a while go.
CAPACITY = 512
_IDLE_BEFORE_EVICTION = 300.0  # seconds: far longer than any one PDF takes to build

_lock = threading.RLock()



def _within(cp: int, blocks: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= cp <= high for low, high in blocks)


def cjk_preference(text: str) -> tuple[str, ...]:
    """The CJK faces in the order a text's script suggests: kana means Japanese, Hangul
    Korean, otherwise the ideographs are set in their Simplified Chinese forms."""
    points = [ord(ch) for ch in text]
    if any(_within(cp, _KANA) for cp in points):
        return ("jp", "sc", "kr", "tc")
    if any(_within(cp, _HANGUL) for cp in points):
        return ("kr", "sc", "jp", "tc")
    return ("sc", "jp", "kr", "tc")


def chain_for(cp: int, cjk: tuple[str, ...]) -> tuple[str, ...]:
    """The fallback faces to try for ``cp``, best first."""
    if _within(cp, _CJK_BLOCKS):
        return (*cjk, "symbols", "emoji")
    return ("symbols", "emoji", *cjk)


def font_runs(text: str, covered: frozenset[int], *, bold: bool) -> list[tuple[str | None, str]]:
    """``text`` cut into runs of ``(font name, text)``: ``None`` where the base font has the
    characters (``covered``), else the name of a registered font that has them."""
    if text.isascii() or covered.issuperset(map(ord, text)):
        return [(None, text)]
    keys = _face_keys(text, covered)
    if not any(keys):
        return [(None, text)]
    weight = BOLD_WEIGHT if bold else REGULAR_WEIGHT
    runs: list[tuple[str | None, str]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or keys[index] != keys[start]:
            key, chunk = keys[start], text[start:index]
            runs.append((run_font(key, weight, chunk) if key else None, chunk))
            start = index
    return runs


def _face_keys(text: str, covered: frozenset[int]) -> list[str | None]:
    cjk = cjk_preference(text)
    keys: list[str | None] = []
    for ch in text:
        cp = ord(ch)
        previous = keys[-1] if keys else None
        if previous and _joins(ch) and cp in _cmap(previous):
            keys.append(previous)  # a variation selector or joiner stays with its emoji
        elif cp in covered or ch in "\n\t":
            keys.append(None)
        else:
            keys.append(next((key for key in chain_for(cp, cjk) if cp in _cmap(key)), None))
    return keys


def _joins(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me", "Cf")


def _cmap(key: str) -> frozenset[int]:
    source = _source(key)
    return source.covered if source else frozenset()


class _Source:
    """A fallback face as fontTools reads it, with its outlines at each weight."""

    def __init__(self, data: Any) -> None:
        font = FontToolsFont(data, lazy=True, recalcTimestamp=False)
        # Plain glyph names: deriving them from the cmap (these fonts have none) takes seconds.
        count = font["maxp"].numGlyphs
        font.setGlyphOrder([".notdef", *(f"g{index}" for index in range(1, count))])
        self.font = font
        self.cmap: dict[int, str] = font.getBestCmap()
        self.covered = frozenset(self.cmap)
        self._glyph_sets: dict[int, Any] = {}

    def glyph_set(self, weight: int) -> Any:
        if weight not in self._glyph_sets:
            axes = {axis.axisTag: axis for axis in self.font["fvar"].axes}
            wght = axes["wght"]
            location = {"wght": min(max(weight, wght.minValue), wght.maxValue)}
            self._glyph_sets[weight] = self.font.getGlyphSet(location=location)
        return self._glyph_sets[weight]


@functools.cache
def _source(key: str) -> _Source | None:
    face = FACES[key]
    with _lock:
        try:
            path = resources.files(face.package).joinpath(face.path)
            with path.open("rb") as handle:
                return _Source(io.BytesIO(handle.read()))
        except (ModuleNotFoundError, FileNotFoundError, OSError, KeyError) as exc:
            log.warning("fallback font %s unavailable (%s: %s): its characters print as boxes",
                        key, face.package, exc)
            return None


@functools.lru_cache(maxsize=4096)
def _outline(key: str, weight: int, cp: int) -> tuple[DecomposingRecordingPen, int]:
    """One glyph's outline (components resolved) and advance at ``weight``."""
    source = _source(key)
    assert source is not None  # only asked for characters a loaded face covers
    with _lock:
        glyphs = source.glyph_set(weight)
        glyph = glyphs[source.cmap[cp]]
        pen = DecomposingRecordingPen(glyphs)
        glyph.draw(pen)
        return pen, round(glyph.width)


_registered: OrderedDict[str, float] = OrderedDict()


def run_font(key: str, weight: int, text: str) -> str:
    """The name of a registered font with the characters of ``text`` from face ``key``."""
    points = sorted({ord(ch) for ch in text})
    digest = hashlib.sha256(",".join(map(str, points)).encode()).hexdigest()[:12]
    name = f"WithdrawalFallback-{key}-{weight}-{digest}"
    with _lock:
        fresh = name not in _registered
        if fresh:
            font = subset_font(key, weight, points, name)
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(font)))
        _registered[name] = time.monotonic()
        _registered.move_to_end(name)
        if fresh:
            _evict_idle()
    return name


def subset_font(key: str, weight: int, points: list[int], name: str) -> bytes:
    """A static TrueType font named ``name`` with only ``points`` of face ``key``."""
    source = _source(key)
    assert source is not None
    names = [".notdef", *(f"u{cp:04X}" for cp in points)]
    outlines = {"u" + f"{cp:04X}": _outline(key, weight, cp) for cp in points}
    outlines[".notdef"] = (DecomposingRecordingPen(None), source.font["hmtx"][".notdef"][0])
    glyphs = {}
    for glyph_name, (recording, _advance) in outlines.items():
        pen = TTGlyphPen(None)
        recording.replay(pen)
        glyphs[glyph_name] = pen.glyph()
    return _build(source, name, names, points, glyphs, outlines)


def _build(source: _Source, name: str, names: list[str], points: list[int],
           glyphs: dict[str, Any], outlines: dict[str, tuple[Any, int]]) -> bytes:
    head, hhea, os2 = source.font["head"], source.font["hhea"], source.font["OS/2"]
    builder = FontBuilder(head.unitsPerEm, isTTF=True)
    # Fixed dates: the same text must give the same font, and so the same PDF bytes.
    builder.setupHead(unitsPerEm=head.unitsPerEm, created=head.created, modified=head.modified)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({cp: f"u{cp:04X}" for cp in points})
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    builder.setupHorizontalMetrics({
        glyph: (advance, getattr(glyf[glyph], "xMin", 0))
        for glyph, (_pen, advance) in outlines.items()
    })
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
    builder.setupNameTable({"familyName": name, "styleName": "Regular", "psName": name})
    builder.setupOS2(fsType=0, sTypoAscender=os2.sTypoAscender,
                     sTypoDescender=os2.sTypoDescender, usWinAscent=os2.usWinAscent,
                     usWinDescent=os2.usWinDescent)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _evict_idle() -> None:
    """Forget the run fonts unused for a while once there are more than :data:`CAPACITY`:
    every consumer's name would otherwise stay registered for the life of the process."""
    now = time.monotonic()
    while len(_registered) > CAPACITY:
        name, used = next(iter(_registered.items()))
        if now - used < _IDLE_BEFORE_EVICTION:
            return  # busy: better a few more fonts than one pulled from a PDF being built
        del _registered[name]
        _unregister(name)


def _unregister(name: str) -> None:
    # ReportLab has no call for this: these are the tables registerFont filled in.
    from reportlab.lib import fonts

    getattr(pdfmetrics, "_fonts", {}).pop(name, None)
    getattr(pdfmetrics, "_dynFaceNames", {}).pop(name, None)
    lowered = name.lower()
    getattr(fonts, "_ps2tt_map", {}).pop(lowered, None)
    for bold in (0, 1):
        for italic in (0, 1):
            getattr(fonts, "_tt2ps_map", {}).pop((lowered, bold, italic), None)
