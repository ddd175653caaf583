"""SMTP connections that remember the server's reply to the end of DATA.

That reply ("250 2.0.0 Ok: queued as 4XyZ1") is the server's receipt for the message and names
its queue id, which the server's own logs and a later bounce refer to; ``smtplib``'s
``sendmail`` drops it, so ``data()`` keeps it here."""

from __future__ import annotations

import smtplib
from typing import Any


class _RecordsReply:
    last_data_reply: tuple[int, bytes] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        reply: tuple[int, bytes] = super().data(msg)  # type: ignore[misc]
        self.last_data_reply = reply
        return reply


class RecordingSMTP(_RecordsReply, smtplib.SMTP):
    """``smtplib.SMTP`` keeping ``last_data_reply``."""


class RecordingSMTPSSL(_RecordsReply, smtplib.SMTP_SSL):
    """``smtplib.SMTP_SSL`` keeping ``last_data_reply``."""


def reply_text(host: object) -> str | None:
    """``250 2.0.0 Ok: queued as 4XyZ1``, or None when nothing was sent (sending suppressed)."""
    reply = getattr(host, "last_data_reply", None)
    if reply is None:
        return None
    code, text = reply
    return f"{code} {text.decode('utf-8', 'replace')}"
