"""Anchoring the chain's head for the app: ``flask withdrawal anchor`` and, every
``WITHDRAWAL_ANCHOR_INTERVAL`` seconds, ``flask withdrawal deliver --loop``.

The head (entry, hash) is read without holding the chain's lock, the witnesses are contacted
(TSAs first, so that each file also holds their tokens), and then the ``chain-anchored``
event, the anchor and its e-mails are recorded in one transaction. Appends in the meantime do
no harm: the anchored entry stays where it is.

One process anchors at a time (``storage.turn``): workers whose rounds fall together leave
the interval's anchor to the one that has the turn, and ``flask withdrawal anchor`` waits for
it to end."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from ..config import config_value
from ..state import state
from ..storage.anchors import (
    Anchor,
    current_head,
    latest_anchor,
    news_since,
    record_anchor,
)
from ..storage.statements import utcnow
from ..storage.turn import ANCHOR_TURN, exclusive_turn
from .rfc3161 import TimestampError, request_token
from .witnesses import Witness, parse_witnesses, write_anchor_file

log = logging.getLogger(__name__)

#: Seconds ``flask withdrawal anchor`` waits for another process's anchoring to end.
TURN_WAIT = 60.0
#: Why nothing was anchored when that wait ran out.
BUSY = "another process is anchoring the chain"


@dataclass
class AnchorReport:
    anchor: Anchor | None = None
    skipped: str = ""  # why nothing was anchored
    failed: dict[str, str] = field(default_factory=dict)  # witness URL -> error


def anchor_chain(wait: float | None = None) -> AnchorReport:
    """Anchor the head with every configured witness (call inside an app context), once
    another process's anchoring has ended (up to ``wait`` seconds, default ``TURN_WAIT``):
    its anchor then usually leaves nothing new to anchor."""
    witnesses = parse_witnesses(config_value("WITNESSES"))
    if not witnesses:
        return AnchorReport(skipped="no witnesses configured (WITHDRAWAL_WITNESSES)")
    engine = state().engine
    with exclusive_turn(engine, ANCHOR_TURN, "anchor",
                        wait=TURN_WAIT if wait is None else wait) as mine:
        if not mine:
            return AnchorReport(skipped=BUSY)
        return _anchor(engine, witnesses)


def _anchor(engine: Engine, witnesses: list[Witness]) -> AnchorReport:
    """Anchor the head with ``witnesses`` (in the anchoring turn)."""
    head = current_head(engine)
    last = latest_anchor(engine)
    if head.seq == 0:
        return AnchorReport(skipped="the chain is empty")
    if last is not None and not news_since(engine, last):
        return AnchorReport(skipped=f"nothing new since the anchor of entry {last.head_seq}")
    now = utcnow()
    report, done, tokens = AnchorReport(), {}, {}
    for witness in (w for w in witnesses if w.scheme == "rfc3161"):
        try:
            tokens[witness.url] = request_token(witness.target, bytes.fromhex(head.hash))
            done[witness.url] = "token"
        except TimestampError as exc:
            report.failed[witness.url] = str(exc)
    claim = {"seq": head.seq, "hash": head.hash, "anchored_at": now.isoformat(),
             "tokens": {url: base64.b64encode(t).decode() for url, t in sorted(tokens.items())}}
    for witness in (w for w in witnesses if w.scheme == "file"):
        try:
            done[witness.url] = str(write_anchor_file(witness.target, claim))
        except OSError as exc:
            report.failed[witness.url] = f"{exc.__class__.__name__}: {exc}"
    mail_to = [w.target for w in witnesses if w.scheme == "mailto"]
    done.update((w.url, "queued") for w in witnesses if w.scheme == "mailto")
    if not done:
        report.skipped = "no witness took the anchor"
        return report
    report.anchor = record_anchor(engine, head, anchored_at=now, witnesses=done,
                                  failed=report.failed, tokens=tokens, mail_to=mail_to)
    return report


def anchor_if_due() -> AnchorReport | None:
    """Anchor when witnesses are configured and the latest anchor is older than
    ``WITHDRAWAL_ANCHOR_INTERVAL`` seconds; never raises (the worker goes on delivering)."""
    if not config_value("WITNESSES"):
        return None
    try:
        witnesses, engine = parse_witnesses(config_value("WITNESSES")), state().engine
        with exclusive_turn(engine, ANCHOR_TURN, "anchor") as mine:
            if not mine:  # another worker anchors now: its anchor is this interval's
                return None
            last = latest_anchor(engine)  # asked in the turn: not one anchored just before
            interval = timedelta(seconds=float(config_value("ANCHOR_INTERVAL")))
            if last is not None and utcnow() - last.anchored_at < interval:
                return None
            return _anchor(engine, witnesses)
    except Exception:  # a witness or the database failing must not stop deliveries
        log.exception("anchoring the chain failed")
        return None

