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


# Newest first once recorded; the last one recorded late (as a statement recovered from the
# spool is): its submission lies between older statements, out of the chain's order.
SPREAD = [("Ann A", 9), ("Bob", 8), ("Ann B", 7), ("Ann C", 6), ("Cid", 5), ("ann d", 4),
          ("Dan", 3), ("Ann E", 2), ("Ann F", 1), ("Ann Late", 6.5)]


def _every_page(app: Flask, filters: Filters, size: int) -> tuple[list[str], list[str]]:
    """Every page from the first by its "older" cursors, then back by the "newer" ones."""
    from zoneinfo import ZoneInfo

    engine, scope = engine_of(app), Scope(zone=ZoneInfo("Europe/Berlin"), today=date.today())
    down: list[str] = []
    up: list[str] = []
    found = paging.page(engine, filters, scope, size=size)
    down.extend(row.reference for row in found.rows)
    while found.older is not None:
        found = paging.page(engine, filters, scope, before=found.older, size=size)
        down.extend(row.reference for row in found.rows)
    up.extend(reversed([row.reference for row in found.rows]))
    while found.newer is not None:
        found = paging.page(engine, filters, scope, after=found.newer, size=size)
        up.extend(reversed([row.reference for row in found.rows]))
    return down, up


@pytest.mark.parametrize("needle", ["ann", "bob", "nobody"])
@pytest.mark.parametrize("recent", [1, 3, 5, 100])
def test_a_name_found_among_the_latest_statements_pages_as_the_index_does(
    app: Flask, monkeypatch: pytest.MonkeyPatch, needle: str, recent: int,
) -> None:
    """A name search looks through the ``RECENT`` latest statements past the cursor before it
    asks its trigram index (issue 16, point 5: a text one name in 40 holds, 75 ms at a
    million on SQLite). Every page, in both directions, with a statement recorded out of the
    chain's order, and with another filter, is what the trigram index alone answers."""
    made = {name: record(app, name=name, days_ago=days) for name, days in SPREAD}
    newest_first = [made[name] for name, _days in sorted(SPREAD, key=lambda s: s[1])
                    if needle in name.lower()]
    filters = Filters(name=needle)
    monkeypatch.setattr(paging, "RECENT", 0)  # the index alone
    assert _every_page(app, filters, size=2) == (newest_first, newest_first[::-1])
    monkeypatch.setattr(paging, "RECENT", recent)
    assert _every_page(app, filters, size=2) == (newest_first, newest_first[::-1])
    with_others = Filters(name=needle, matched=True)
    assert _every_page(app, with_others, size=2) == (newest_first, newest_first[::-1])


def _page_asking(app: Flask, needle: str) -> tuple[paging.Page, list[str]]:
    """The first page (of two rows) of a search for ``needle``, and the SQL it asked."""
    from zoneinfo import ZoneInfo

    seen: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = engine_of(app)
    event.listen(engine, "before_cursor_execute", remember)
    try:
        scope = Scope(zone=ZoneInfo("Europe/Berlin"), today=date.today())
        return paging.page(engine, Filters(name=needle), scope, size=2), seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


@pytest.mark.parametrize(("needle", "index_asked"), [
    pytest.param("ann", False, id="common-text-latest-statements-fill-the-page"),
    pytest.param("bob", True, id="rare-text-the-index-answers"),
])
def test_a_common_text_does_not_ask_the_index(
    app: Flask, needle: str, index_asked: bool,
) -> None:
    """Both databases look among the latest statements first. When those do not fill the
    page, SQLite asks its FTS5 table; PostgreSQL orders the matches by an expression no
    index holds, so that its trigram index finds them all before they are sorted: left to
    itself, it walked the date index backwards through every newer name (issue 16, point 5:
    "consumer 1" at a million, 400-460 ms, now 70-80 ms)."""
    for name, days in SPREAD:
        record(app, name=name, days_ago=days)
    found, seen = _page_asking(app, needle)
    assert found.rows
    pages = [sql for sql in seen if ") AS page JOIN withdrawal_statements" in sql]
    assert "AS recent" in pages[0]
    assert (len(pages) == 2 and "AS recent" not in pages[1]) == index_asked, pages
    assert len(pages) == (2 if index_asked else 1)
    if index_asked and engine_of(app).dialect.name == "sqlite":
        assert any("withdrawal_name_search MATCH" in sql for sql in seen), seen
    elif index_asked:
        assert "ORDER BY withdrawal_statements.submitted_at + " in pages[1], pages[1]


@pytest.mark.parametrize("needle", ["ann", "bob", "nobody"])
@pytest.mark.parametrize("pages", [(1,), (1, 2), (2, 4), ()])
def test_a_name_found_in_the_chain_s_order_pages_as_the_index_does(
    app: Flask, monkeypatch: pytest.MonkeyPatch, needle: str, pages: tuple[int, ...],
) -> None:
    """On SQLite a name search also reads the latest holders of the text's trigrams in the
    chain's order, keeping the matches later than anything before them can be (issue 16,
    point 5: "consumer 1", held by one name in nine, all of them old). Every page, in both
    directions, with a statement recovered late from the spool (appended now, submitted 6.5
    days ago), and with another filter, is what the trigram table alone answers."""
    made = {name: record(app, name=name, days_ago=days, recorded_then=name != "Ann Late")
            for name, days in SPREAD}
    newest_first = [made[name] for name, _days in sorted(SPREAD, key=lambda s: s[1])
                    if needle in name.lower()]
    monkeypatch.setattr(paging, "RECENT", 0)
    monkeypatch.setattr(paging, "CHAIN_ORDER", pages)
    for filters in (Filters(name=needle), Filters(name=needle, matched=True)):
        assert _every_page(app, filters, size=2) == (newest_first, newest_first[::-1])


@pytest.mark.sqlite_only
def test_a_text_many_old_names_hold_is_answered_from_the_latest_holders(app: Flask) -> None:
    """Twelve old holders of "ann" (none among the latest statements), a page of two: the
    four latest holders in the chain's order answer it; no query sorts every holder."""
    for n in range(12):
        record(app, name=f"Ann {n}", days_ago=100 - n, recorded_then=True)
    for n in range(4):
        record(app, name=f"Bob {n}", days_ago=10 - n, recorded_then=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paging, "RECENT", 3)
        patch.setattr(paging, "CHAIN_ORDER", (2, 20))
        found, seen = _page_asking(app, "ann")
    assert [row.name for row in found.rows] == ["Ann 11", "Ann 10"]
    pages = [sql for sql in seen if ") AS page JOIN withdrawal_statements" in sql]
    assert len(pages) == 2 and "AS recent" in pages[0], pages
    assert "MATCH" not in pages[1]  # the holders read first, not every holder sorted
    assert [sql for sql in seen if "ORDER BY withdrawal_name_search.rowid DESC" in sql]
