"""Issue 16, point 3: `verify --jobs N` walks ranges of the chain in processes of their own and
reports exactly what one walk reports: the same problems (a change at a range's first or last
entry included), the same counts; and it reads the caller's snapshot. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from evidence_support import record
from flask import Flask
from sqlalchemy import delete, update
from support import engine_of, rewrite_entry

from withdrawal.statement import EventType
from withdrawal.storage import verify_ranges
from withdrawal.storage.statements import append_event
from withdrawal.storage.tables import ledger, outbox, statement_lines, statements
from withdrawal.storage.verify import verify_chain

JOBS = 3


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "witness").mkdir()
    return {**app_config, "WITHDRAWAL_WITNESSES": [f"file:{tmp_path / 'witness'}"]}


@pytest.fixture
def twelve(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Nine statements and three events: entries 1 to 12, walked as 1–4, 5–8 and 9–12."""
    monkeypatch.setattr(verify_ranges, "PER_RANGE", 1)
    made: dict[str, str] = {}
    for number in range(1, 10):
        made[f"s{number}"] = record(app, name=f"Person{number}")
        if number in (3, 6, 9):
            append_event(engine_of(app), made["s1"], EventType.RESEND_REQUESTED, {"n": number})
    return made


def _delete_entry(app: Flask, seq: int) -> None:
    """An insider deletes an entry, its index row kept (foreign keys switched off)."""
    with engine_of(app).connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")
        conn.execute(delete(ledger).where(ledger.c.seq == seq))
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        else:
            conn.exec_driver_sql("SET session_replication_role = DEFAULT")


def _set(app: Flask, seq: int, **values: Any) -> None:
    with engine_of(app).begin() as conn:
        conn.execute(update(ledger).where(ledger.c.seq == seq).values(**values))


def _drop_index_row(app: Flask, reference: str) -> None:
    with engine_of(app).begin() as conn:
        for table in (statement_lines, outbox, statements):
            conn.execute(delete(table).where(table.c.reference == reference))


def _anchor_then_change(app: Flask, runner: Any, seq: int) -> None:
    assert runner.invoke(args=["withdrawal", "anchor"]).exit_code == 0
    _set(app, seq, hash="f" * 64)


Tamper = Callable[[Flask, dict[str, str], Any], None]
TAMPERS: dict[str, Tamper] = {
    "clean": lambda app, made, runner: None,
    "a-range-first-entry-edited": lambda app, made, runner: rewrite_entry(app, 5, name="M"),
    "a-range-first-entry-relinked": lambda app, made, runner: _set(app, 9, prev_hash="0" * 64),
    "a-range-last-entry-deleted": lambda app, made, runner: _delete_entry(app, 8),
    "a-range-first-entry-deleted": lambda app, made, runner: _delete_entry(app, 5),
    "the-first-entry-deleted": lambda app, made, runner: _delete_entry(app, 1),
    "an-index-row-dropped-in-the-last-range": lambda app, made, runner: _drop_index_row(
        app, made["s8"]),
    "an-anchored-head-changed": lambda app, made, runner: _anchor_then_change(app, runner, 12),
}


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_ranges_report_what_one_walk_reports(
    app: Flask, runner: Any, twelve: dict[str, str], tamper: Tamper,
) -> None:
    tamper(app, twelve, runner)
    walked: list[int] = []
    one_walk = verify_chain(engine_of(app), check_bytes=True)
    in_ranges = verify_chain(engine_of(app), check_bytes=True, jobs=JOBS,
                             progress=walked.append)
    assert in_ranges == one_walk
    assert len(walked) == JOBS and sum(walked) == one_walk.entries  # a batch per range
    assert one_walk.ok == (tamper is TAMPERS["clean"])


def test_ranges_read_the_callers_snapshot(app: Flask, twelve: dict[str, str]) -> None:
    """A statement recorded while the ranges walk is left to the next run, as one walk
    leaves it."""
    recorded: list[str] = []

    def meanwhile(_walked: int) -> None:
        if not recorded:
            recorded.append(record(app, name="Late"))

    result = verify_chain(engine_of(app), jobs=JOBS, progress=meanwhile)
    assert recorded and result.ok and result.entries == 12, result.problems
    assert verify_chain(engine_of(app), jobs=JOBS).entries == 13


def test_the_command_takes_jobs(app: Flask, runner: Any, twelve: dict[str, str]) -> None:
    result = runner.invoke(args=["withdrawal", "verify", "--jobs", str(JOBS)])
    assert result.exit_code == 0, result.output
    assert "OK 9 statements" in result.output


def test_a_short_chain_is_walked_in_this_process(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Below ``PER_RANGE`` entries per range a process costs more than it saves."""
    for number in range(3):
        record(app, name=f"P{number}")
    started: list[Any] = []
    monkeypatch.setattr(verify_ranges, "_run", lambda tasks, progress: started.append(tasks))
    assert verify_chain(engine_of(app), jobs=JOBS).ok and started == []


def test_a_check_that_cannot_go_to_another_process_says_so(
    app: Flask, twelve: dict[str, str],
) -> None:
    """A seal check that does not pickle (a lambda) cannot be handed to a range's process:
    the caller hears why, and no process is left behind."""
    with pytest.raises(Exception, match="pickle"):
        verify_chain(engine_of(app), check_bytes=True, jobs=JOBS,
                     seal_check=lambda pdf: [])
