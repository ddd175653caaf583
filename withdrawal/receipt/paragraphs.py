"""Paragraphs laid out once per process. Most of a receipt's paragraphs (the headings, the
field labels, the refund sentence, the note that this is no decision) are the same in every
receipt of a language, and a warm receipt spent about half its time parsing their markup
and breaking their lines again. A paragraph set in the base fonts only keeps both, per
process, in two bounded memos:

- its parsed fragments, per (markup, style, bullet);
- its broken lines, per (markup, style, bullet) and width: ReportLab's line breaking depends
  on nothing else.

What a memo holds is shared by every receipt that sets the same text and only read after it
is made, so the same text gives the same bytes whether it was laid out now or before. The one
place ReportLab changes a layout is when it splits a paragraph (between pages, or inside a
table cell): the paragraph is then laid out again from a private copy of its fragments, at
the width it was last laid out at, before it is split.

Not memoised: a statement's own data (``document.para(..., memo=False)``: names, addresses,
references, the hash; they would not recur, and no memo should hold personal data), a text
set partly in a fallback font (``fallback.py`` may unregister such a font after a while),
and a paragraph made from another one's fragments (a split's halves).
The styles used as keys must live as long as the process (``document.styles()`` and the
receipt's own cached styles); a memo keeps its keys' styles alive, so an identity is never
reused for another style.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import _FUZZ

#: Entries each memo keeps: a receipt sets about 40 fixed texts per language and about 25
#: that change with each statement, so the fixed texts of every language in use stay.
CAPACITY = 2048

#: What ``Paragraph.wrap`` leaves on the paragraph: the layout a memo keeps.
_LAYOUT = ("width", "height", "blPara", "frags", "_wrapWidths", "_width_max",
           "_splitLongWordCount", "_hyphenations")


class Memo:
    """A thread-safe LRU map of at most ``capacity`` entries."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[Any]:
        with self._lock:
            return list(self._entries)


PARSED = Memo()
LAID_OUT = Memo()


def clear() -> None:
    """Forget every memoised paragraph (tests)."""
    PARSED.clear()
    LAID_OUT.clear()


class SteadyParagraph(Paragraph):  # type: ignore[misc]  # ReportLab ships no types
    """A ``Paragraph`` that takes its parsed fragments and its line breaks from the memos
    when ``steady`` (its markup uses only the base fonts)."""

    def __init__(self, text: str | None, style: ParagraphStyle, bulletText: str | None = None,
                 frags: list[Any] | None = None, caseSensitive: int = 1,
                 encoding: str = "utf8", *, steady: bool = False) -> None:
        self._key: tuple[Any, ...] | None = (
            (text, style, bulletText) if steady and frags is None else None)
        super().__init__(text, style, bulletText, frags, caseSensitive, encoding)

    def _setup(self, text: Any, style: Any, bulletText: Any, frags: Any, cleaner: Any) -> None:
        if self._key is None:
            super()._setup(text, style, bulletText, frags, cleaner)
            return
        parsed = PARSED.get(self._key)
        if parsed is None:
            super()._setup(text, style, bulletText, frags, cleaner)
            made = self.__dict__
            parsed = (made["text"], made["frags"], made["style"], made["bulletText"])
            PARSED.put(self._key, parsed)
        self.text, self.frags, self.style, self.bulletText = parsed
        self._source = parsed[1]
        self.debug = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._key is None or availWidth < _FUZZ:
            return super().wrap(availWidth, availHeight)  # type: ignore[no-any-return]
        key = (self._key, availWidth)
        layout = LAID_OUT.get(key)
        if layout is None:
            size = super().wrap(availWidth, availHeight)
            LAID_OUT.put(key, {name: self.__dict__[name] for name in _LAYOUT
                               if name in self.__dict__})
            return size  # type: ignore[no-any-return]
        self.__dict__.update(layout)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        if self._key is not None and "blPara" in self.__dict__:
            # Splitting may change the lines: the same layout again, from a private copy. At
            # the width it was laid out at: a table splits a cell at its width with the
            # padding, which ReportLab's own split ignores, using the lines it has.
            self._key = None
            self.frags = copy.deepcopy(self._source)
            del self.blPara
            super().wrap(self.width, availHeight)
        return super().split(availWidth, availHeight)  # type: ignore[no-any-return]
