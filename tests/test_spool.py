"""The spool (issue 12, point 1): a statement the database cannot take is kept on disk, the
consumer gets the receipt page, and ``recover`` moves it into the chain later with its own
submission time and reference, once per submission key."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from support import Consumer, free_port

from withdrawal import spool
from withdrawal.signals import statement_submitted
from withdrawal.statement import Flag
from withdrawal.storage.statements import load_statement
from withdrawal.storage.tables import ledger, statements
from wsgi import create_app

KEY = "ab" * 32
REFUSED = "postgresql+psycopg://postgres@127.0.0.1:{port}/test"


def _content(reference: str = "W-AAAA-BBBB", at: str = "2026-11-30T10:00:00.123456+00:00"
             ) -> Any:
    return {"reference": reference, "submitted_at": at, "timezone": "Europe/Rome",
            "locale": "en", "name": "Ann", "email": "ann@example.com", "order_number": "x",
            "order_matched": False, "order_email": None, "contract_description": "a key",
            "currency": None, "trader": {"name": "T", "address": "A", "email": "t@e.x"},
            "lines": [], "labels": {"locale": "en", "entry": "e", "confirm": "c",
                                    "verified": True, "source": "s", "overridden": False},
            "flags": ["spooled"]}


def test_a_spooled_statement_is_one_private_file_written_whole(tmp_path: Path) -> None:
    statement = spool.SpooledStatement(KEY, _content(), "http://shop/")
    assert spool.keep(tmp_path / "spool", statement) is statement
    files = os.listdir(tmp_path / "spool")
    assert files == [KEY + ".json"]  # no temporary file left behind
    mode = (tmp_path / "spool" / files[0]).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert spool.find(tmp_path / "spool", KEY) == statement
    assert spool.find_reference(tmp_path / "spool", "W-AAAA-BBBB") == statement


def test_the_same_submission_key_is_spooled_once(tmp_path: Path) -> None:
    first = spool.SpooledStatement(KEY, _content("W-AAAA-AAAA"))
    second = spool.SpooledStatement(KEY, _content("W-BBBB-BBBB"))
    spool.keep(tmp_path, first)
    assert spool.keep(tmp_path, second) == first
    assert len(spool.waiting(tmp_path)) == 1


def test_every_name_a_spooled_statement_needs_is_made_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A power loss must not take the statement's directory entry, nor the spool directory
    itself, once the consumer was answered: a double click answers from the first click's
    file only after making its name durable too (its writer may not have yet)."""
    synced: list[Path] = []
    fsync_directory = spool._fsync_directory

    def recorded(folder: Path) -> None:
        synced.append(folder)
        fsync_directory(folder)

    monkeypatch.setattr(spool, "_fsync_directory", recorded)
    folder = tmp_path / "new" / "spool"
    spool.keep(folder, spool.SpooledStatement(KEY, _content("W-AAAA-AAAA")))
    assert synced == [tmp_path, tmp_path / "new", folder]
    synced.clear()
    spool.keep(folder, spool.SpooledStatement(KEY, _content("W-BBBB-BBBB")))
    assert synced == [folder]


@pytest.mark.parametrize("key", ["", "../../etc/passwd", "AB" * 32, "ab\x00" * 20])
def test_only_a_real_submission_key_names_a_file(tmp_path: Path, key: str) -> None:
    assert spool.find(tmp_path, key) is None
    with pytest.raises(ValueError):
        spool.keep(tmp_path, spool.SpooledStatement(key, _content()))


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    data = spool.SpooledStatement(KEY, _content()).to_bytes()
    with pytest.raises(ValueError):
        spool.SpooledStatement.from_bytes(data.replace(b"Ann", b"Bob"))
    with pytest.raises(ValueError):
        spool.SpooledStatement.from_bytes(data[:-10])


# --- the confirm step when the database is not there ------------------------------------


def _app(url: str, spool_dir: Path, **more: Any) -> Flask:
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WITHDRAWAL_DATABASE_URL": url,
        "WITHDRAWAL_SPOOL_DIR": str(spool_dir), "WITHDRAWAL_DELIVER_AFTER_COMMIT": False,
        "MAIL_SUPPRESS_SEND": True, **more,
    })


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def down(spool_dir: Path) -> Flask:
    """An app whose database refuses connections."""
    return _app(REFUSED.format(port=free_port()), spool_dir, WITHDRAWAL_DATABASE_TIMEOUT=1)


def _reference(html: str) -> str:
    match = re.search(r"<strong>(W-[0-9A-Z]{4}-[0-9A-Z]{4})</strong>", html)
    assert match, html
    return match.group(1)


def test_confirm_without_the_database_shows_the_receipt_and_keeps_the_statement(
    down: Flask, spool_dir: Path,
) -> None:
    response = Consumer(down.test_client()).withdraw(
        "Ann", "ann@example.com", "NO-SUCH-ORDER", description="A key for Photo Studio")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "will follow by e-mail to ann@example.com" in html
    kept = spool.find_reference(spool_dir, _reference(html))
    assert kept is not None
    assert kept.content["contract_description"] == "A key for Photo Studio"
    assert {Flag.SPOOLED, Flag.ALREADY_WITHDRAWN_UNCHECKED} <= set(kept.content["flags"])
    assert kept.link_base == "http://localhost/"


def test_steps_one_and_two_work_without_the_database(down: Flask, spool_dir: Path) -> None:
    consumer = Consumer(down.test_client())
    assert consumer.identify("Mario Rossi", "pending@demo.example", "1003").status_code == 302
    select = consumer.client.get("/withdrawal/select").get_data(as_text=True)
    assert "Photo Studio 2026" in select  # the order's lines, assessed without the database
    assert consumer.select(["1"]).status_code == 302
    response = consumer.confirm()
    assert response.status_code == 200
    kept = spool.find_reference(spool_dir, _reference(response.get_data(as_text=True)))
    assert kept is not None and kept.content["order_matched"]
    assert [line["title"] for line in kept.content["lines"]]


def test_the_spooled_receipt_is_in_the_consumers_language(down: Flask) -> None:
    client = down.test_client()
    client.get("/withdrawal/?lang=it")
    response = Consumer(client).withdraw("Ann", "ann@example.com", "X-1", description="x")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Recesso ricevuto" in html
    assert "will follow by e-mail" not in html


def test_a_double_click_during_an_outage_is_one_statement(
    down: Flask, spool_dir: Path,
) -> None:
    consumer = Consumer(down.test_client())
    assert consumer.identify("Ann", "ann@example.com", "X-2").status_code == 302
    assert consumer.select(None, "x").status_code == 302
    page = consumer.confirm_page()
    first = consumer.confirm(page)
    second = consumer.confirm(page)  # the draft is gone: the spool answers by its key
    assert first.status_code == second.status_code == 200
    assert _reference(first.get_data(as_text=True)) == _reference(
        second.get_data(as_text=True))
    assert len(spool.waiting(spool_dir)) == 1


def test_without_database_and_spool_the_consumer_learns_how_else_to_withdraw(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the spool should be")
    app = _app(REFUSED.format(port=free_port()), blocked / "spool")
    client = app.test_client()
    client.get("/withdrawal/?lang=de")
    response = Consumer(client).withdraw("Ann", "ann@example.com", "X-3", description="x")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "support@demo.example" in html and "Via Roma 1" in html
    assert "/withdrawal/model-form.pdf" in html
    assert 'lang="de"' in html and "Internal Server Error" not in html
    # the draft is kept: once the fault is gone, confirming again records the statement
    assert "/withdrawal/confirm" in html


def test_any_other_fault_still_names_the_other_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _app(f"sqlite:///{tmp_path / 'w.sqlite3'}", tmp_path / "spool",
               PROPAGATE_EXCEPTIONS=False)

    def broken(*_args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("withdrawal.consumer.steps.look_up", broken)
    response = Consumer(app.test_client()).identify("Ann", "ann@example.com", "1")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "/withdrawal/model-form.pdf" in html and "support@demo.example" in html


# --- recovery ------------------------------------------------------------------------------


def test_recover_keeps_time_reference_and_key_and_owes_the_acknowledgement(
    down: Flask, spool_dir: Path, database_url: str,
) -> None:
    response = Consumer(down.test_client()).withdraw("Ann", "ann@example.com", "X-4",
                                                     description="x")
    reference = _reference(response.get_data(as_text=True))
    kept = spool.find_reference(spool_dir, reference)
    assert kept is not None
    back = _app(database_url, spool_dir)
    runner = back.test_cli_runner()
    assert "SPOOL 1 statements wait" in runner.invoke(args=["withdrawal", "verify"]).output
    result = runner.invoke(args=["withdrawal", "recover"])
    assert result.exit_code == 0 and "recovered 1" in result.output, result.output
    engine = back.extensions["withdrawal"].engine
    stored = load_statement(engine, reference)
    assert stored is not None and stored.content == kept.content
    assert stored.submitted_at.isoformat().startswith(kept.content["submitted_at"][:26])
    with engine.connect() as conn:
        recorded_at = conn.execute(select(ledger.c.recorded_at)
                                   .where(ledger.c.seq == stored.seq)).scalar_one()
        key = conn.execute(select(statements.c.submission_key)
                           .where(statements.c.reference == reference)).scalar_one()
    assert key == kept.submission_key
    assert recorded_at.replace(tzinfo=None) > stored.submitted_at.replace(tzinfo=None)
    assert spool.waiting(spool_dir) == []
    again = runner.invoke(args=["withdrawal", "recover"])
    assert "recovered 0" in again.output
    verify = runner.invoke(args=["withdrawal", "verify"])
    assert verify.exit_code == 0 and "OK 1 statements" in verify.output
    assert "SPOOL" not in verify.output
    # the receipt link now shows the recorded statement
    with back.test_request_context():
        from withdrawal.links import receipt_url

        url = receipt_url(reference)
    assert back.test_client().get(url).status_code == 200
    engine.dispose()


def test_recover_is_idempotent_when_the_statement_reached_the_database_anyway(
    database_url: str, spool_dir: Path,
) -> None:
    app = _app(database_url, spool_dir)
    response = Consumer(app.test_client()).withdraw("Ann", "ann@example.com", "X-5",
                                                    description="x")
    assert response.status_code == 302
    engine = app.extensions["withdrawal"].engine
    with engine.connect() as conn:
        row = conn.execute(select(statements.c.reference, statements.c.submission_key)).one()
    spool.keep(spool_dir, spool.SpooledStatement(row.submission_key, _content(row.reference)))
    result = app.test_cli_runner().invoke(args=["withdrawal", "recover"])
    assert "recovered 0, already recorded 1" in result.output
    assert spool.waiting(spool_dir) == []
    engine.dispose()


def test_a_statement_the_database_refuses_stays_and_the_newer_ones_are_recorded(
    down: Flask, spool_dir: Path, database_url: str,
) -> None:
    """Recovery goes oldest first: a file whose statement the database refuses (here two
    lines under one id) must not hold back every statement spooled after it."""
    consumer = Consumer(down.test_client())
    consumer.identify("Mario Rossi", "pending@demo.example", "1003")
    consumer.select(["1"])
    refused = spool.find_reference(spool_dir, _reference(consumer.confirm().get_data(
        as_text=True)))
    assert refused is not None
    spool.remove(spool_dir / f"{refused.submission_key}.json")
    content = refused.content.copy()
    content["lines"] = content["lines"] * 2
    spool.keep(spool_dir, spool.SpooledStatement(KEY, content))  # the older one
    later = Consumer(down.test_client()).withdraw("Ann", "ann@example.com", "X-8",
                                                  description="x")
    reference = _reference(later.get_data(as_text=True))
    back = _app(database_url, spool_dir)
    result = back.test_cli_runner().invoke(args=["withdrawal", "recover"])
    assert result.exit_code == 1, result.output
    assert "recovered 1, already recorded 0, refused 1" in result.output
    assert f"REFUSED {KEY}.json: IntegrityError" in result.output
    assert load_statement(back.extensions["withdrawal"].engine, reference) is not None
    assert [path.name for path in spool.waiting(spool_dir)] == [f"{KEY}.json"]  # kept
    back.extensions["withdrawal"].engine.dispose()


def test_a_statement_committed_after_its_consumer_was_answered_from_the_spool_tells_the_shop(
    database_url: str, spool_dir: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """The confirm's transaction committed just after the request's deadline: the consumer
    got the spooled receipt, the web process never told the shop. Recovery finds the key
    recorded under the same reference, not from a spool, and tells the shop then; once."""
    app = _app(database_url, spool_dir)
    told: list[str] = []

    def receiver(sender: Any, reference: str, **_: Any) -> None:
        told.append(reference)

    engine = app.extensions["withdrawal"].engine
    statement_submitted.connect(receiver)
    try:
        response = Consumer(app.test_client()).withdraw("Ann", "ann@example.com", "X-9",
                                                        description="x")
        assert response.status_code == 302 and len(told) == 1
        with engine.connect() as conn:
            row = conn.execute(select(statements.c.reference,
                                      statements.c.submission_key)).one()
        late = spool.SpooledStatement(row.submission_key, _content(row.reference))
        spool.keep(spool_dir, late)
        app.test_cli_runner().invoke(args=["withdrawal", "recover"])
        assert told == [row.reference] * 2  # the web process's answer, then recovery's
        recovered = spool.SpooledStatement("cd" * 32, _content("W-CCCC-CCCC"))
        tell = lambda reference, _c: told.append(reference)  # noqa: E731
        for _second_recoverer in range(2):  # the same file read by two: told once
            spool.keep(spool_dir, recovered)
            spool.recover(engine, spool_dir, recipients=lambda _c: [], recorded=tell)
        assert told == [row.reference] * 2 + ["W-CCCC-CCCC"]
        # a second click's, spooled while the first one's was being recorded from the spool
        spool.keep(spool_dir, spool.SpooledStatement("cd" * 32, _content("W-DDDD-DDDD")))
        with caplog.at_level("WARNING", logger="withdrawal.spool"):
            spool.recover(engine, spool_dir, recipients=lambda _c: [], recorded=tell)
        assert "W-DDDD-DDDD was recorded already as W-CCCC-CCCC" in caplog.text
        assert told == [row.reference] * 2 + ["W-CCCC-CCCC"]
    finally:
        statement_submitted.disconnect(receiver)
        engine.dispose()


def test_a_taken_reference_is_reissued_and_flagged(database_url: str, spool_dir: Path) -> None:
    app = _app(database_url, spool_dir)
    response = Consumer(app.test_client()).withdraw("Ann", "ann@example.com", "X-6",
                                                    description="x")
    assert response.status_code == 302
    engine = app.extensions["withdrawal"].engine
    with engine.connect() as conn:
        taken = conn.execute(select(statements.c.reference)).scalar_one()
    spool.keep(spool_dir, spool.SpooledStatement(KEY, _content(taken)))
    result = app.test_cli_runner().invoke(args=["withdrawal", "recover"])
    assert "recovered 1" in result.output
    with engine.connect() as conn:
        reissued = conn.execute(select(statements.c.reference)
                                .where(statements.c.submission_key == KEY)).scalar_one()
    stored = load_statement(engine, reissued)
    assert reissued != taken and stored is not None
    assert Flag.REFERENCE_REISSUED in stored.content["flags"]
    engine.dispose()


def test_the_receipt_link_of_a_waiting_statement_shows_the_spooled_receipt(
    down: Flask, spool_dir: Path, tmp_path: Path,
) -> None:
    response = Consumer(down.test_client()).withdraw("Ann", "ann@example.com", "X-7",
                                                     description="x")
    reference = _reference(response.get_data(as_text=True))
    for app in (down, _app(f"sqlite:///{tmp_path / 'up.sqlite3'}", spool_dir)):
        with app.test_request_context():
            from withdrawal.links import receipt_url

            url = receipt_url(reference)
        page = app.test_client().get(url)
        assert page.status_code == 200 and reference in page.get_data(as_text=True)
        assert app.test_client().get(url + "/withdrawal.pdf").status_code == 503
    with down.test_request_context():
        from withdrawal.links import receipt_url

        unknown = receipt_url("W-0000-0000")
    assert down.test_client().get(unknown).status_code == 503  # cannot tell: not a 404
