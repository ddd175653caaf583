"""A worker's round sends its messages over one SMTP connection (issue 16, point 2), and a
connection the server dropped between two messages is opened again instead of failing the
message."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from support import Consumer, SMTPServer, settle

from withdrawal.delivery.smtp import Mailer
from withdrawal.delivery.worker import deliver_due
from withdrawal.storage.tables import outbox


def test_a_round_sends_every_message_over_one_connection(
    make_app: Any, smtp_server: SMTPServer,
) -> None:
    app: Flask = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=False)
    for n in range(3):
        Consumer(app.test_client()).withdraw(f"C{n}", f"c{n}@example.com", f"X-{n}",
                                             description="a licence key")
    with app.app_context():
        report = deliver_due()
    assert len(report.sent) == 6  # three acknowledgements, three shop copies
    assert len(smtp_server.messages) == 6 and smtp_server.greetings == 1


def test_a_dropped_connection_is_opened_again(
    make_app: Any, smtp_server: SMTPServer,
) -> None:
    app: Flask = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=False)
    with app.app_context():
        from flask_mail import Message

        mailer = Mailer(app.extensions["mail"])
        try:
            first = mailer.send(Message("one", sender="a@shop.example", recipients=["b@x.example"],
                                        body="1"))
            mailer._connection.host.close()  # type: ignore[union-attr]  # the server hung up
            second = mailer.send(Message("two", sender="a@shop.example",
                                         recipients=["b@x.example"], body="2"))
        finally:
            mailer.close()
    settle(app)
    assert first and first.startswith("250") and second and second.startswith("250")
    assert len(smtp_server.messages) == 2 and smtp_server.greetings == 2


def test_mail_max_emails_opens_a_new_connection_after_the_reply_is_read(
    make_app: Any, smtp_server: SMTPServer,
) -> None:
    """Flask-Mail reconnects inside ``send`` once a connection reaches MAIL_MAX_EMAILS,
    after the server took the message: the reply was then read from the new connection (none)
    and a failure to reconnect counted the message sent as failed."""
    app: Flask = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=False, MAIL_MAX_EMAILS=2)
    for n in range(2):
        Consumer(app.test_client()).withdraw(f"C{n}", f"c{n}@example.com", f"X-{n}",
                                             description="a licence key")
    with app.app_context():
        assert len(deliver_due().sent) == 4  # two acknowledgements, two shop copies
    with app.extensions["withdrawal"].engine.connect() as conn:
        replies = conn.execute(select(outbox.c.smtp_reply)).scalars().all()
    assert len(replies) == 4 and all(reply and reply.startswith("250") for reply in replies)
    assert len(smtp_server.messages) == 4 and smtp_server.greetings == 2


def test_a_connection_dropped_after_data_began_is_not_sent_again_at_once(
    make_app: Any, smtp_server: SMTPServer, monkeypatch: Any,
) -> None:
    """The server took the message and hung up before its reply: sending it again at once
    would deliver a second copy that the chain never records; the failure is recorded
    instead and the retry waits its backoff."""
    import smtplib

    from flask_mail import Message

    take = smtp_server.handle_DATA

    async def hang_up_on_the_second(server: Any, session: Any, envelope: Any) -> str:
        answer = await take(server, session, envelope)
        if len(smtp_server.messages) == 2:
            server.transport.close()
        return answer

    monkeypatch.setattr(smtp_server, "handle_DATA", hang_up_on_the_second)
    app: Flask = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=False)
    with app.app_context():
        mailer = Mailer(app.extensions["mail"])
        try:
            mailer.send(Message("one", sender="a@shop.example", recipients=["b@x.example"],
                                body="1"))
            with pytest.raises(smtplib.SMTPServerDisconnected):
                mailer.send(Message("two", sender="a@shop.example",
                                    recipients=["b@x.example"], body="2"))
            third = mailer.send(Message("three", sender="a@shop.example",
                                        recipients=["b@x.example"], body="3"))
        finally:
            mailer.close()
    assert third and third.startswith("250")
    assert [m.message()["Subject"] for m in smtp_server.messages] == ["one", "two", "three"]
