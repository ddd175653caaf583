"""How the reasons of one line read together: a sentence that several of them end with (for
instance that the Art. 16(m) exception "therefore cannot remove your right of withdrawal") is
said once, after the last fact that leads to it.

Pure text: it works on the translated messages, in any language whose sentences end with
".", "!" or "?" followed by a space. The recorded reasons stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A sentence ends at ".", "!" or "?" before a space, unless a number or a bracket follows
# ("Art. 16(m)", "No. 1182/71" stay one sentence).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\s\d(])")

#: Shorter sentences ("Please note.") may repeat on purpose; only longer ones are merged.
MIN_WORDS = 6


def sentences(text: str) -> list[str]:
    """``text`` cut into its sentences."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


def say_once(texts: Sequence[str]) -> list[str]:
    """``texts`` with each sentence of :data:`MIN_WORDS` words or more kept only in the last
    text that says it; the list keeps its length and order (a text may become empty)."""
    said: set[str] = set()
    kept_backwards: list[str] = []
    for text in reversed(texts):
        kept = []
        for sentence in sentences(text):
            key = " ".join(sentence.split())
            if len(key.split()) >= MIN_WORDS and key in said:
                continue
            kept.append(sentence)
            said.add(key)
        kept_backwards.append(" ".join(kept))
    return kept_backwards[::-1]
