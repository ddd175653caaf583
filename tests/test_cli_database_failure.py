"""A command the database fails says so and exits 2, never 1: ``verify``'s exit 1 says the
record is broken and ``recover``'s a spool file is damaged, which a database that failed
mid-way proves nothing about. Real failures (SQLite interrupted, PostgreSQL's session ended)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from evidence_support import record
from flask import Flask
from support import database_fails_at

from withdrawal import spool

KEY = "cd" * 32


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_SPOOL_DIR": str(tmp_path / "spool")}


def test_verify_that_the_database_fails_exits_2_and_finds_nothing_broken(
    app: Flask, runner: Any,
) -> None:
    record(app)
    record(app, "Bea")
    with database_fails_at(app, "FROM withdrawal_statement_lines"):
        result = runner.invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 2
    assert "FAILED verify could not finish, the database failed" in result.output
    assert "nothing was found broken: run it again" in result.output
    assert "BROKEN" not in result.output
    assert runner.invoke(args=["withdrawal", "verify"]).exit_code == 0


def test_recover_that_the_database_fails_exits_2_and_keeps_the_spool(
    app: Flask, runner: Any, tmp_path: Path,
) -> None:
    content: Any = {"reference": "W-AAAA-BBBB", "submitted_at": "2026-11-30T10:00:00+00:00",
               "timezone": "Europe/Rome", "locale": "en", "name": "Ann",
               "email": "ann@example.com", "order_number": "x", "order_matched": False,
               "order_email": None, "contract_description": "a key", "currency": None,
               "trader": {"name": "T", "address": "A", "email": "t@e.x"}, "lines": [],
               "labels": {"locale": "en", "entry": "e", "confirm": "c", "verified": True,
                          "source": "s", "overridden": False}, "flags": ["spooled"]}
    spool.keep(tmp_path / "spool", spool.SpooledStatement(KEY, content))
    with database_fails_at(app, "INSERT INTO withdrawal_ledger"):
        result = runner.invoke(args=["withdrawal", "recover"])
    assert result.exit_code == 2
    assert "FAILED recover could not finish" in result.output
    assert len(spool.waiting(tmp_path / "spool")) == 1
    result = runner.invoke(args=["withdrawal", "recover"])
    assert result.exit_code == 0 and "recovered 1" in result.output
