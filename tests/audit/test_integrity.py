"""Issue point 7: every audit page shows the latest chain verification; "verify now" runs
one and keeps its result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from audit.support import record
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from support import csrf_token, engine_of, rewrite_entry

from withdrawal.audit.integrity import latest_check, verify_and_store
from withdrawal.storage.tables import verifications

A = "/withdrawal/audit"
PAGES = ("/", "/statements", "/integrity")


def verify(auditor: FlaskClient) -> str:
    page = auditor.get(f"{A}/integrity").get_data(as_text=True)
    response = auditor.post(f"{A}/integrity/verify", data={"csrf_token": csrf_token(page)},
                            follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_page_says_when_the_chain_was_never_verified(
    app: Flask, auditor: FlaskClient,
) -> None:
    reference = record(app)
    for path in (*PAGES, f"/statements/{reference}"):
        assert "The chain has not been verified yet." in auditor.get(A + path).get_data(
            as_text=True)


def test_verify_now_keeps_the_result_and_every_page_shows_it(
    app: Flask, auditor: FlaskClient,
) -> None:
    record(app)
    record(app)
    html = verify(auditor)
    assert "The chain is intact: 2 statements, 2 entries." in html
    check = latest_check(engine_of(app))
    assert check is not None and check.ok and check.checked_by == "clara"
    for path in PAGES:
        page = auditor.get(A + path).get_data(as_text=True)
        assert "intact, 2 statements in 2 entries" in page and 'class="integrity ok"' in page


def test_a_broken_chain_is_shown_as_an_alert(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app)
    rewrite_entry(app, email="someone@else.example")
    html = verify(auditor)
    assert "The chain is broken" in html and reference in html
    page = auditor.get(f"{A}/").get_data(as_text=True)
    assert 'class="integrity broken" role="alert"' in page
    assert "does not match its hash" in page


def test_an_old_result_is_marked_stale(app: Flask, auditor: FlaskClient) -> None:
    verify_and_store(engine_of(app), by="cron")
    with engine_of(app).begin() as conn:
        conn.execute(update(verifications).values(
            checked_at=datetime.now(UTC) - timedelta(days=2)))
    assert "more than a day old" in auditor.get(f"{A}/").get_data(as_text=True)


def test_verify_without_csrf_does_nothing(app: Flask, auditor: FlaskClient) -> None:
    assert auditor.post(f"{A}/integrity/verify").status_code == 400
    assert latest_check(engine_of(app)) is None


def test_integrity_page_lists_the_history(app: Flask, auditor: FlaskClient) -> None:
    verify_and_store(engine_of(app), by="cron")
    verify(auditor)
    html = auditor.get(f"{A}/integrity").get_data(as_text=True)
    assert html.count(">intact<") == 2 and "cron" in html and "clara" in html
