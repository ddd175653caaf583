"""The evidence bundle's anchor: the first anchor whose head is the statement's entry or a
later one, with what proves the statement is in it.

Files: ``anchor.json`` (head entry, hash, time, tokens as witnesses got it), the headers of
every entry from the statement's to the anchored head (``anchor-path.json``: each links to
the one before, the last hashes to the anchored hash), the RFC 3161 tokens
(``anchor-token-N.tsr``, DER) and the file witness's own copy when it can be read
(``anchor-witness.json``). ``check.py`` checks all of it with the standard library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..statement import canonical_json
from ..storage.anchors import Anchor, anchor_covering
from ..storage.engine import Source, connected
from ..storage.tables import ledger
from .proof import entry_header


def anchor_files(source: Source, seq: int) -> tuple[dict[str, bytes], dict[str, Any] | None]:
    """The anchor's files by name, and what manifest.json says about it (None: no anchor
    covers entry ``seq`` yet)."""
    anchor = anchor_covering(source, seq)
    if anchor is None:
        return {}, None
    files = {"anchor.json": canonical_json(anchor.as_json()),
             "anchor-path.json": canonical_json(_path(source, seq, anchor))}
    tokens = {}
    for number, (url, token) in enumerate(sorted(anchor.tokens.items()), start=1):
        name = f"anchor-token-{number}.tsr"
        files[name], tokens[name] = token, url
    witness = _witness_copy(anchor)
    if witness is not None:
        files["anchor-witness.json"] = witness
    return files, {
        "seq": anchor.head_seq, "hash": anchor.head_hash,
        "anchored_at": anchor.anchored_at.isoformat(), "event_seq": anchor.event_seq,
        "witnesses": anchor.witnesses, "tokens": tokens, "path": "anchor-path.json",
        "witness_file": "anchor-witness.json" if witness is not None else None,
    }


def _path(source: Source, seq: int, anchor: Anchor) -> list[dict[str, Any]]:
    query = (select(ledger).where(ledger.c.seq > seq, ledger.c.seq <= anchor.head_seq)
             .order_by(ledger.c.seq))
    with connected(source) as conn:
        return [entry_header(row) for row in conn.execute(query)]


def _witness_copy(anchor: Anchor) -> bytes | None:
    """The anchor file a ``file:`` witness wrote, when this machine can read it."""
    for url, detail in sorted(anchor.witnesses.items()):
        if url.startswith("file:"):
            try:
                return Path(detail).read_bytes()
            except OSError:
                continue
    return None
