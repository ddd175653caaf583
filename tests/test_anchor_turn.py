"""One process anchors at a time (``storage.turn``): several ``deliver --loop`` workers whose
rounds fall together (the same NOTIFY, the same deploy) record one anchor, ask the TSA once
and e-mail the witnesses once; ``flask withdrawal anchor`` waits for another process's
anchoring to end. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from evidence_support import TSA, record, serve_tsa
from flask import Flask
from sqlalchemy import func, select
from support import engine_of

from withdrawal.anchoring import service
from withdrawal.anchoring.service import AnchorReport, anchor_chain, anchor_if_due
from withdrawal.storage.tables import anchors, outbox
from withdrawal.storage.turn import ANCHOR_TURN, exclusive_turn


@pytest.fixture
def slow_tsa() -> Iterator[TSA]:
    with serve_tsa(delay=0.5) as served:  # long enough for every worker to ask at once
        yield served


def count(app: Flask, table: Any) -> int:
    with engine_of(app).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def at_once(app: Flask, work: Any, workers: int) -> list[Any]:
    """``work`` in ``workers`` threads (each a worker's round, in its app context) that
    start together."""
    start, results = threading.Barrier(workers), [None] * workers

    def run(index: int) -> None:
        with app.app_context():
            start.wait()
            results[index] = work()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_workers_whose_rounds_fall_together_anchor_once(
    app: Flask, slow_tsa: TSA, witness_dir: Path,
) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [
        f"rfc3161:{slow_tsa.url}", f"file:{witness_dir}", "mailto:witness@example.org"]
    record(app, acknowledge=False)
    reports = at_once(app, anchor_if_due, workers=3)
    anchored = [r for r in reports if isinstance(r, AnchorReport) and r.anchor is not None]
    assert len(anchored) == 1 and reports.count(None) == 2
    assert count(app, anchors) == 1 and len(slow_tsa.requests) == 1
    assert len(list(witness_dir.iterdir())) == 1 and count(app, outbox) == 1  # one e-mail


def test_a_worker_leaves_the_anchor_to_the_process_that_has_the_turn(
    app: Flask, tmp_path: Path,
) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [f"file:{tmp_path}"]
    record(app, acknowledge=False)
    with app.app_context():
        with exclusive_turn(engine_of(app), ANCHOR_TURN, "anchor") as mine:
            assert mine
            assert anchor_if_due() is None  # another worker's round meanwhile
            assert count(app, anchors) == 0
        report = anchor_if_due()  # the turn given back: the next round anchors
    assert report is not None and report.anchor is not None
    assert count(app, anchors) == 1


def test_the_anchor_command_waits_for_the_turn_and_fails_when_it_never_comes(
    app: Flask, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [f"file:{tmp_path}"]
    record(app, acknowledge=False)
    monkeypatch.setattr(service, "TURN_WAIT", 0.3)
    with app.app_context(), exclusive_turn(engine_of(app), ANCHOR_TURN, "anchor"):
        result = runner.invoke(args=["withdrawal", "anchor"])
    assert result.exit_code == 1
    assert "Nothing anchored: another process is anchoring the chain" in result.output
    assert count(app, anchors) == 0
    result = runner.invoke(args=["withdrawal", "anchor"])
    assert result.exit_code == 0 and "Anchored entry 1" in result.output


def test_the_anchor_command_anchors_once_the_other_process_has(
    app: Flask, slow_tsa: TSA,
) -> None:
    """Waiting, not racing: the command that waited finds the head anchored already."""
    app.config["WITHDRAWAL_WITNESSES"] = [f"rfc3161:{slow_tsa.url}"]
    record(app, acknowledge=False)
    reports = at_once(app, anchor_chain, workers=2)
    assert sorted(r.anchor is not None for r in reports) == [False, True]
    assert [r.skipped for r in reports if r.anchor is None] == [
        "nothing new since the anchor of entry 1"]
    assert count(app, anchors) == 1 and len(slow_tsa.requests) == 1


def test_the_turn_is_given_back_when_the_anchoring_fails(app: Flask, tmp_path: Path) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [f"file:{tmp_path / 'missing'}"]
    record(app, acknowledge=False)
    with app.app_context():
        assert anchor_chain().anchor is None  # the witness failed
        with exclusive_turn(engine_of(app), ANCHOR_TURN, "anchor") as mine:
            assert mine
