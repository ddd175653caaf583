"""The consumer's notice of a decision (``Purpose.DECISION_NOTICE``): which decision the outbox
entry is about (its ``event_seq``), the lines it names, and the refund as it stood right after
it: the amount and its last day (Art. 13(1)), or that it may wait for the goods (Art. 13(3))."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ..config import config_value
from ..decisions import WHOLE, decision_json, refund_of
from ..i18n import gettext
from ..state import state
from ..storage.decisions import load_decided
from ..storage.statements import StoredStatement


def notice_context(statement: StoredStatement, event_seq: int | None) -> dict[str, Any]:
    """What ``email/decision.txt`` and ``.html`` show: ``decision`` (as JSON), ``outcome``,
    ``decided_lines`` (the lines it names), ``refund`` (after it) and ``whole``."""
    with state().engine.connect() as conn:
        decided = load_decided(conn, statement.reference, upto=event_seq)
    if decided is None or not decided.folded.decisions:
        raise LookupError(f"no decision {event_seq} on statement {statement.reference}")
    entry = next((e for e in decided.folded.decisions if e.seq == event_seq),
                 decided.folded.decisions[-1])
    decided_on = entry.at.astimezone(ZoneInfo(str(config_value("TRADER_TIMEZONE")))).date()
    return {
        "decision": decision_json(entry), "outcome": entry.outcome.value,
        "decided_lines": [decided.folded.lines[line] for line in entry.lines],
        "refund": refund_of(decided.content, decided.folded, decided_on), "whole": WHOLE,
    }


def notice_subject(outcome: str, reference: str) -> str:
    """The notice's subject, in the current (the statement's) language."""
    subjects = {
        "accepted": gettext("Your withdrawal %(reference)s was accepted", reference=reference),
        "rejected": gettext("Your withdrawal %(reference)s was rejected", reference=reference),
        "refunded": gettext("Refund made for your withdrawal %(reference)s",
                            reference=reference),
        "revoked": gettext("Licence key revoked after your withdrawal %(reference)s",
                           reference=reference),
        "returned": gettext("We received the goods back: withdrawal %(reference)s",
                            reference=reference),
    }
    return subjects.get(outcome) or gettext(
        "A decision on your withdrawal %(reference)s was corrected", reference=reference)
