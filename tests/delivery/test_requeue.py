"""Operations on messages that failed for good (issue 17): the worker's log names the
recipient, and ``flask withdrawal requeue REFERENCE`` (or ``--failed``) puts them back in the
outbox, each recorded as a ``resend-requested`` event; on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from support import Consumer, SMTPServer, settle

from withdrawal.statement import ERASED
from withdrawal.storage.statements import events_of
from withdrawal.storage.tables import outbox
from withdrawal.storage.verify import verify_chain


def engine_of(app: Flask) -> Any:
    return app.extensions["withdrawal"].engine


def rows(app: Flask) -> list[Any]:
    with engine_of(app).connect() as conn:
        return list(conn.execute(select(outbox).order_by(outbox.c.id)).all())


def failed_for_good(app: Flask, consumer: Consumer, client: FlaskClient,
                    email: str = "noconsent@demo.example", number: str = "1002") -> str:
    response = consumer.withdraw("Ann", email, number, ["1"])
    settle(app)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    match = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", page)
    assert match
    return match.group(0)


def test_the_failure_log_names_purpose_reference_and_recipient(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    smtp_server.answer = "550 5.1.1 No such user"
    with caplog.at_level(logging.WARNING, logger="withdrawal.delivery.worker"):
        reference = failed_for_good(app, consumer, client)
    assert (f"acknowledgement {reference} to noconsent@demo.example failed (attempt 1, final): "
            "SMTP 550") in caplog.text
    assert f"shop-copy {reference} to orders@demo.example failed" in caplog.text


def test_requeue_puts_the_final_failures_of_a_statement_back_and_records_it(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer, runner: Any,
) -> None:
    smtp_server.answer = "550 5.1.1 No such user"
    reference = failed_for_good(app, consumer, client)
    other = failed_for_good(app, consumer, client, "pending@demo.example", "1003")
    assert {r.status for r in rows(app)} == {"failed"}
    result = runner.invoke(args=["withdrawal", "requeue", reference])
    assert result.exit_code == 0, result.output
    assert "2 requeued" in result.output
    assert f"requeued acknowledgement {reference} to noconsent@demo.example" in result.output
    pending = [r for r in rows(app) if r.status == "pending"]
    assert {(r.reference, r.purpose) for r in pending} == {
        (reference, "acknowledgement"), (reference, "shop-copy")}
    events = [e for e in events_of(engine_of(app), reference) if e["type"] == "resend-requested"]
    assert {e["data"]["purpose"] for e in events} == {"acknowledgement", "shop-copy"}
    failed_ids = {r.id for r in rows(app) if r.reference == reference and r.status == "failed"}
    assert {e["data"]["requeued_outbox_id"] for e in events} == failed_ids
    assert all(e["data"]["by"] == "flask withdrawal requeue" for e in events)
    assert not [e for e in events_of(engine_of(app), other) if e["type"] == "resend-requested"]
    # The server accepts mail again: the worker sends what was put back, once.
    smtp_server.answer = "250 OK"
    sent = runner.invoke(args=["withdrawal", "deliver"])
    assert "sent 2" in sent.output
    assert [m.rcpt_tos for m in smtp_server.messages] == [["noconsent@demo.example"],
                                                          ["orders@demo.example"]]
    assert verify_chain(engine_of(app)).ok


def test_requeue_failed_takes_every_statement_and_never_twice(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer, runner: Any,
) -> None:
    smtp_server.answer = "550 5.1.1 No such user"
    first = failed_for_good(app, consumer, client)
    second = failed_for_good(app, consumer, client, "pending@demo.example", "1003")
    result = runner.invoke(args=["withdrawal", "requeue", "--failed"])
    assert result.exit_code == 0 and "4 requeued" in result.output
    assert {r.reference for r in rows(app) if r.status == "pending"} == {first, second}
    again = runner.invoke(args=["withdrawal", "requeue", "--failed"])
    assert again.exit_code == 0 and "0 requeued" in again.output


def test_an_erased_address_is_not_requeued(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer, runner: Any,
) -> None:
    smtp_server.answer = "550 5.1.1 No such user"
    reference = failed_for_good(app, consumer, client)
    with engine_of(app).begin() as conn:  # as the retention purge leaves it
        conn.execute(update(outbox).where(outbox.c.reference == reference)
                     .values(recipient=ERASED))
    result = runner.invoke(args=["withdrawal", "requeue", reference])
    assert result.exit_code == 0 and "0 requeued" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["W-0000-0000"], "no statement W-0000-0000", id="unknown-reference"),
        pytest.param([], "Give a REFERENCE or --failed", id="neither"),
        pytest.param(["W-0000-0000", "--failed"], "Give a REFERENCE or --failed", id="both"),
    ],
)
def test_requeue_refuses_what_it_cannot_do(runner: Any, args: list[str], message: str) -> None:
    result = runner.invoke(args=["withdrawal", "requeue", *args])
    assert result.exit_code != 0 and message in result.output


def test_requeue_has_help_and_an_example(runner: Any) -> None:
    result = runner.invoke(args=["withdrawal", "requeue", "--help"])
    assert "failed for good" in result.output
    assert "flask --app wsgi withdrawal requeue --failed" in result.output
