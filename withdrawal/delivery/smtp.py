"""SMTP connections that remember the server's reply to the end of DATA, and a mailer that
keeps one connection open for a worker's round.

That reply ("250 2.0.0 Ok: queued as 4XyZ1") is the server's receipt for the message and names
its queue id, which the server's own logs and a later bounce refer to; ``smtplib``'s
``sendmail`` drops it, so ``data()`` keeps it here."""

from __future__ import annotations

import smtplib
from typing import Any

from flask_mail import Connection, Message

#: Seconds to wait for the SMTP server before an attempt counts as failed.
SMTP_TIMEOUT = 30


class _RecordsReply:
    last_data_reply: tuple[int, bytes] | None = None
    #: Whether the message's DATA began: past it, a dropped connection may have delivered it.
    data_began = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.data_began = True
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


class TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a silent server cannot hang a worker.

    Flask-Mail counts the messages of a connection and, at ``MAIL_MAX_EMAILS``, quits and
    connects again inside ``send``, after the server took the message: a failure there
    would count a message sent as failed (and send it again), and the server's reply would
    be read from the new connection. The count stays at zero here; ``Mailer`` keeps it and
    closes the connection after the reply is read."""

    @property
    def num_emails(self) -> int:
        return 0

    @num_emails.setter
    def num_emails(self, _value: int) -> None:
        pass

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        mail = self.mail
        cls = RecordingSMTPSSL if mail.use_ssl else RecordingSMTP
        host = cls(mail.server, mail.port, timeout=SMTP_TIMEOUT)
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host


class Mailer:
    """One SMTP connection for the messages of a round, opened at the first and closed by
    ``close``: no connect, greeting and login per message. A message that fails closes it
    (the server's state is unknown); one that fails because the server dropped the idle
    connection before its DATA is sent once more on a new one (after DATA began the server
    may have taken it: the failure is recorded and the retry waits its backoff)."""

    def __init__(self, mail: Any) -> None:
        self.mail = mail
        self._connection: TimeoutConnection | None = None
        self._sent = 0  # on this connection (MAIL_MAX_EMAILS)

    def send(self, message: Message) -> str | None:
        """Send; the server's reply to the end of DATA (None when sending is suppressed)."""
        reused = self._connection is not None
        if isinstance(host := self._host(), _RecordsReply):
            host.data_began = False
        try:
            return self._send(message)
        except smtplib.SMTPServerDisconnected:
            began = isinstance(host := self._host(), _RecordsReply) and host.data_began
            self.close()
            if not reused or began:
                raise
            return self._send(message)
        except BaseException:
            self.close()
            raise

    def _send(self, message: Message) -> str | None:
        if self._connection is None:
            self._connection = TimeoutConnection(self.mail).__enter__()
        self._connection.send(message)
        reply = reply_text(self._connection.host)
        self._sent += 1
        if self._sent == self.mail.max_emails:  # the next message opens a new connection
            self.close()
        return reply

    def _host(self) -> object:
        return self._connection.host if self._connection is not None else None

    def close(self) -> None:
        connection, self._connection, self._sent = self._connection, None, 0
        if connection is not None and connection.host is not None:
            try:
                connection.host.quit()
            except (smtplib.SMTPException, OSError):  # already gone
                connection.host.close()
