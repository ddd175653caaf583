"""Two corrections to ReportLab, made when the document modules are imported (ReportLab has
no setting for either; each replaces one module-level function that ReportLab looks up at
call time, and leaves everything else as ReportLab does it).

1. Characters beyond U+FFFF (emoji, rare ideographs) get a ToUnicode entry ReportLab writes
   as ``<1F642>``, which no reader accepts: the character drops out of the extracted text. It
   must be the UTF-16 surrogate pair, ``<D83DDE42>``.
2. The narrow no-break space (U+202F) does not break: French sets it before ":", ";", "?",
   "!" and inside guillemets, and Babel puts it in times ("10:30 AM"). ReportLab breaks lines
   at it and draws an ordinary word space instead; it is kept as a character of its word,
   like the no-break space (U+00A0), which ReportLab already keeps.
"""

from __future__ import annotations

import re
from typing import Any

from reportlab.pdfbase import ttfonts
from reportlab.platypus import paragraph

NARROW_NO_BREAK_SPACE = "\u202f"


def to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap with the lines of characters beyond U+FFFF corrected."""
    cmap = str(_reportlab_to_unicode_cmap(fontname, subset))
    for index, cp in enumerate(subset):
        if cp > 0xFFFF:
            utf16 = chr(cp).encode("utf-16-be").hex().upper()
            cmap = cmap.replace(f"<{index:02X}> <{cp:04X}>", f"<{index:02X}> <{utf16}>", 1)
    return cmap


_BREAKING = "".join(ch for ch in paragraph._wsc if ch not in "\u00a0" + NARROW_NO_BREAK_SPACE)
_split_at_breaking_space = re.compile(f"[{re.escape(_BREAKING)}]+").split


def split_words(text: Any, delim: Any = None) -> list[str]:
    """ReportLab's word split, which breaks at neither no-break space."""
    if delim is None and isinstance(text, str) and NARROW_NO_BREAK_SPACE in text:
        return _split_at_breaking_space(text)
    return list(_reportlab_split(text, delim))


_reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap
_reportlab_split = paragraph.split
ttfonts.makeToUnicodeCMap = to_unicode_cmap
paragraph.split = split_words
