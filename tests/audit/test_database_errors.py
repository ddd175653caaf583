"""An audit page or API request the database refused or failed answers 503 with Retry-After,
saying whether anything can have been recorded, never a bare 500 (``withdrawal/
database_errors.py``). Real locks and a real dropped connection, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from audit.support import record
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from sqlalchemy import text
from support import csrf_token, engine_of, head_held

from withdrawal.storage.statements import events_of

TOKEN = "erp-token-0123456789abcdef"
API = "/withdrawal/api/v1"
P = "/withdrawal/audit/statements"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_DATABASE_TIMEOUT": 0.3,
            "WITHDRAWAL_API_TOKENS": {"erp": TOKEN}}


def decide(auditor: FlaskClient, reference: str, outcome: str, page: str | None = None) -> Any:
    """``page``: the statement's page read before (a lock held for a second is then the
    POST's alone, however slow a loaded machine reads the page)."""
    page = page or auditor.get(f"{P}/{reference}").get_data(as_text=True)
    return auditor.post(f"{P}/{reference}/decisions", data={
        "decide-csrf_token": csrf_token(page), "decide-outcome": outcome,
        "decide-lines": ["1"]})


def decisions(app: Flask, reference: str) -> list[dict[str, Any]]:
    return [e for e in events_of(engine_of(app), reference) if e["type"] == "decision"]


def test_a_decision_the_database_refused_says_nothing_was_recorded(
    app: Flask, auditor: FlaskClient,
) -> None:
    reference = record(app)
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    with head_held(app, 1.0):
        response = decide(auditor, reference, "accepted", page)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Nothing was done" in page and "nothing was recorded" in page
    assert decisions(app, reference) == []
    assert decide(auditor, reference, "accepted").status_code == 302  # and it goes through


def test_an_api_decision_the_database_refused_is_a_503_with_recorded_false(
    app: Flask, client: FlaskClient,
) -> None:
    reference = record(app)
    with head_held(app, 1.0):
        response = client.post(f"{API}/statements/{reference}/decisions",
                               json={"outcome": "accepted"},
                               headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["recorded"] is False
    assert "nothing was recorded" in response.get_json()["error"]
    assert decisions(app, reference) == []
    document = client.get(f"{API}/openapi.json").get_json()
    answers = document["paths"]["/statements/{reference}/decisions"]["post"]["responses"]
    schema = {**answers["503"]["content"]["application/json"]["schema"],
              "components": document["components"]}
    Draft202012Validator(schema).validate(response.get_json())


@pytest.mark.postgres_only
def test_a_page_the_database_does_not_answer_is_a_503(
    app: Flask, auditor: FlaskClient,
) -> None:
    """A table locked by another session (a long migration, say): the read times out."""
    record(app)
    locked, done = threading.Event(), threading.Event()

    def lock() -> None:
        with engine_of(app).begin() as conn:
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text("LOCK TABLE withdrawal_statements IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            done.wait(5)

    holder = threading.Thread(target=lock)
    holder.start()
    locked.wait(5)
    try:
        response = auditor.get("/withdrawal/audit/statements")
    finally:
        done.set()
        holder.join()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Not available right now" in page and "did not answer" in page


@pytest.mark.postgres_only
def test_a_write_whose_connection_was_lost_may_have_been_recorded(
    app: Flask, auditor: FlaskClient,
) -> None:
    """The app's connection is ended while it waits for the head (its COMMIT, in another
    case, could have taken effect): the page says to look before trying again."""
    reference = record(app)
    stop = threading.Event()

    def end_the_waiting_session() -> None:
        with engine_of(app).connect() as conn:
            while not stop.is_set():
                ended = conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database() "
                    "AND query LIKE 'UPDATE withdrawal_chain_head%'")).all()
                conn.commit()
                if ended:
                    return
                time.sleep(0.02)

    ender = threading.Thread(target=end_the_waiting_session)
    page = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    with head_held(app, 1.0):
        ender.start()
        response = decide(auditor, reference, "accepted", page)
        stop.set()
        ender.join()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "This may have been done" in page and "Look at the statement" in page
