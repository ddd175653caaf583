"""Signals a shop connects to, e.g. to revoke a licence key or start a refund.

Each is sent with the Flask app as sender (``current_app._get_current_object()``).
"""

from __future__ import annotations

import logging
from typing import Any

from blinker import NamedSignal, Namespace

log = logging.getLogger(__name__)

_signals = Namespace()

statement_submitted = _signals.signal("statement-submitted")
"""A statement was recorded. Keyword args: ``reference``, ``statement`` (its content)."""

receipt_delivered = _signals.signal("receipt-delivered")
"""An acknowledgement (or a copy) was accepted by the SMTP server. Keyword args:
``reference``, ``purpose``, ``recipient``, ``message_id``."""

receipt_failed = _signals.signal("receipt-failed")
"""A delivery attempt failed. Keyword args: ``reference``, ``purpose``, ``recipient``,
``error``, ``attempts``, ``final`` (no more retries)."""

decision_recorded = _signals.signal("decision-recorded")
"""An auditor recorded a decision. Keyword args: ``reference``, ``decision``, ``data``."""

refund_overdue = _signals.signal("refund-overdue")
"""A refund was not recorded by its last day (Art. 13(1)) and the trader may not withhold it
any longer (Art. 13(3)); sent once per overdue refund, by the delivery worker's loop. Keyword
args: ``reference``, ``lines`` (the overdue line ids), ``refund_due`` (ISO date),
``outstanding`` (the amount still owed, as text, or None) and ``currency``."""


def tell_the_shop(signal: NamedSignal, sender: Any, *, reference: str, **data: Any) -> None:
    """Send ``signal`` to the shop's receivers. A receiver that fails is logged, never
    raised: what was recorded stands, and a worker goes on with its other messages."""
    try:
        signal.send(sender, reference=reference, **data)
    except Exception:
        log.exception("a %s receiver failed for %s", signal.name, reference)
