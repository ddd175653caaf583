"""Issue 16 point 5: the name search through a trigram index (an FTS5 trigram table on SQLite,
``pg_trgm`` on PostgreSQL) answers exactly what the plain scan answered: case-insensitive
"contains", LIKE wildcards and FTS5 syntax in the text taken literally, short texts too, and
a name changed (erased) afterwards is searched as it now is."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from audit.support import record
from flask import Flask
from sqlalchemy import event, select, text, update
from support import engine_of

from withdrawal.audit import paging
from withdrawal.audit.name_search import has_trigram_table
from withdrawal.audit.queries import Filters, Scope
from withdrawal.storage.tables import NAME_TRGM_INDEX, statements

NAMES = {"ann": "Ann Example", "alex": "Alexandra Exner", "quote": 'Seán O"Brien',
         "under": "a_b Trader", "plain": "axb Trader", "pct": "100% Real", "star": "Star*Shop"}


def _found(app: Flask, needle: str) -> list[str]:
    from zoneinfo import ZoneInfo

    scope = Scope(zone=ZoneInfo("Europe/Berlin"), today=date.today())
    found = paging.page(engine_of(app), Filters(name=needle), scope, size=50)
    return sorted(row.reference for row in found.rows)


@pytest.mark.parametrize(("needle", "expected"), [
    pytest.param("ex", ["alex", "ann"], id="shorter-than-a-trigram"),
    pytest.param("EXAMPLE", ["ann"], id="any-case"),
    pytest.param("n ex", ["ann"], id="across-a-space"),
    pytest.param('o"b', ["quote"], id="double-quote-literal"),
    pytest.param("seán", ["quote"], id="non-ascii"),
    pytest.param("a_b", ["under"], id="underscore-literal"),
    pytest.param("0%", ["pct"], id="percent-literal"),
    pytest.param("r*s", ["star"], id="fts-operator-literal"),
    pytest.param("trader OR real", [], id="no-fts-syntax"),
    pytest.param("nobody", [], id="none"),
])
def test_name_contains(app: Flask, needle: str, expected: list[str]) -> None:
    made = {key: record(app, name=name) for key, name in NAMES.items()}
    assert _found(app, needle) == sorted(made[key] for key in expected)


def test_a_changed_name_is_searched_as_it_is_now(app: Flask) -> None:
    reference = record(app, name="Erin Erased")
    with engine_of(app).begin() as conn:  # as the retention purge erases it
        conn.execute(update(statements).where(statements.c.reference == reference)
                     .values(name=""))
    assert _found(app, "erin") == []
    with engine_of(app).begin() as conn:
        conn.execute(update(statements).where(statements.c.reference == reference)
                     .values(name="Erin Again"))
    assert _found(app, "erin again") == [reference]


def test_the_search_uses_the_trigram_index(app: Flask) -> None:
    engine = engine_of(app)
    record(app, name="Ann Example")
    if engine.dialect.name == "sqlite":
        seen: list[str] = []

        def remember(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            seen.append(statement)

        assert has_trigram_table(engine)
        event.listen(engine, "before_cursor_execute", remember)
        try:
            _found(app, "example")
        finally:
            event.remove(engine, "before_cursor_execute", remember)
        assert any("withdrawal_name_search MATCH" in sql for sql in seen)
    else:
        with engine.connect() as conn:
            index = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n "
                                      "AND schemaname = current_schema()"),
                                 {"n": NAME_TRGM_INDEX}).scalar_one()
            # The operator class named with its schema: no search path needed.
            assert re.search(r"\(name (\w+\.)?gin_trgm_ops\)", index), index
            assert conn.execute(select(statements.c.name)).scalar_one() == "Ann Example"
