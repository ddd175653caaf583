"""A worker's round sends its messages over one SMTP connection (issue 16, point 2), and a
connection the server dropped between two messages is opened again instead of failing the
message."""

from __future__ import annotations

from typing import Any

from flask import Flask
from support import Consumer, SMTPServer, settle

from withdrawal.delivery.smtp import Mailer
from withdrawal.delivery.worker import deliver_due


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
