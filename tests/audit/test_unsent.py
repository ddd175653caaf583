"""The overview says when messages wait unsent (issue 16, point 2): the web processes only
record what is owed, so a shop without a running worker sends nothing; a message due for
more than five minutes is named on the overview, in the auditor's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from audit.support import record
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from support import engine_of

from withdrawal.delivery.outbox import waiting
from withdrawal.storage.statements import utcnow
from withdrawal.storage.tables import outbox


def _due_for(app: Flask, minutes: float) -> None:
    with engine_of(app).begin() as conn:
        conn.execute(update(outbox).values(
            next_attempt_at=utcnow() - timedelta(minutes=minutes)))


@pytest.mark.parametrize(("minutes", "shown"), [
    pytest.param(0, False, id="just-owed-a-worker-is-on-it"),
    pytest.param(4, False, id="within-five-minutes"),
    pytest.param(6, True, id="six-minutes-no-worker"),
])
def test_the_overview_names_messages_left_unsent(
    app: Flask, auditor: FlaskClient, minutes: float, shown: bool,
) -> None:
    record(app, name="Una Unsent")
    record(app, name="Otto Other")
    _due_for(app, minutes)
    html = auditor.get("/withdrawal/audit/").get_data(as_text=True)
    assert ('id="unsent"' in html) is shown
    if shown:
        assert "2 messages have waited more than 5 minutes to be sent" in html
        assert "deliver --loop" in html


def test_sent_and_failed_messages_are_not_waiting(app: Flask) -> None:
    record(app)
    record(app)
    _due_for(app, 60)
    with engine_of(app).begin() as conn:
        first, second = (row.id for row in conn.execute(outbox.select()).all())
        conn.execute(update(outbox).where(outbox.c.id == first).values(status="sent"))
        conn.execute(update(outbox).where(outbox.c.id == second).values(status="failed"))
    assert waiting(engine_of(app), timedelta(minutes=5)).count == 0


def test_the_notice_speaks_the_auditors_language(app: Flask, auditor: FlaskClient) -> None:
    record(app)
    _due_for(app, 30)
    html = auditor.get("/withdrawal/audit/", headers={"Accept-Language": "de"}).get_data(
        as_text=True)
    assert "1 Nachricht wartet seit mehr als 5 Minuten auf den Versand" in html
