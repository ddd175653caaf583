"""``verify`` holds SQLite's name search table (FTS5, kept in step by triggers) to the index:
a row deleted or changed there, or a trigger dropped, would hide a statement from the audit
list's search by name. Kind ``names``; PostgreSQL's trigram index has nothing apart to check."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from audit.support import record as listed
from evidence_support import record
from flask import Flask
from support import engine_of

from withdrawal.audit import paging
from withdrawal.audit.queries import Filters, Scope
from withdrawal.audit.retention import purge
from withdrawal.storage.statements import utcnow
from withdrawal.storage.tables import NAME_SEARCH
from withdrawal.storage.verify import verify_chain

pytestmark = pytest.mark.sqlite_only


def problems(app: Flask) -> tuple[str, ...]:
    return verify_chain(engine_of(app)).problems


def change(app: Flask, sql: str) -> None:
    with engine_of(app).begin() as conn:
        conn.exec_driver_sql(sql)


def test_a_name_search_row_deleted_is_named(app: Flask) -> None:
    record(app)
    hidden = record(app, "Bea")
    assert problems(app) == ()
    change(app, f"DELETE FROM {NAME_SEARCH} WHERE rowid = 2")
    assert problems(app) == (f"statement {hidden} (entry 2) is missing from the name search",)


def test_a_name_search_row_changed_is_named(app: Flask) -> None:
    hidden = record(app)
    change(app, f"UPDATE {NAME_SEARCH} SET name = 'Someone else' WHERE rowid = 1")
    assert problems(app) == (f"statement {hidden} (entry 1): its name differs in the name search",)


def test_a_dropped_trigger_leaves_the_next_statement_named(app: Flask) -> None:
    record(app)
    change(app, "DROP TRIGGER withdrawal_name_search_insert")
    unsearchable = record(app, "Bea")
    assert problems(app) == (
        f"statement {unsearchable} (entry 2) is missing from the name search",)


def test_a_statement_whose_row_is_gone_is_hidden_from_the_search(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the check guards: past the latest statements the list looks through first, the
    search finds a name through the table only."""
    monkeypatch.setattr(paging, "RECENT", 0)
    reference = listed(app, name="Ann Quorra")
    scope = Scope(ZoneInfo("Europe/Berlin"), utcnow().date())
    assert _found(app, scope) == [reference]
    change(app, f"DELETE FROM {NAME_SEARCH} WHERE rowid = 1")
    assert _found(app, scope) == []
    assert problems(app) == (
        f"statement {reference} (entry 1) is missing from the name search",)


def _found(app: Flask, scope: Scope) -> list[str]:
    return [row.reference for row in
            paging.page(engine_of(app), Filters(name="quorra"), scope, size=50).rows]


def test_an_edited_index_name_is_the_index_check_alone(app: Flask) -> None:
    """The triggers carry an edit of the index row's name to the search table: one problem,
    named by the index check."""
    reference = record(app)
    change(app, "UPDATE withdrawal_statements SET name = 'Mallory' WHERE seq = 1")
    assert problems(app) == (
        f"statement {reference} (entry 1): index column 'name' differs from entry",)


def test_erased_statements_still_verify(app: Flask) -> None:
    for name in ("Ann", "Bea", "Cem"):
        record(app, name)
    purge(engine_of(app), utcnow() + timedelta(minutes=1), period="0d")
    assert problems(app) == ()
