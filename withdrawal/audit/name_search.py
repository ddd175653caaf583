"""The list's name search: the statements whose name contains the text, in any case, LIKE
wildcards in it taken literally (SQLAlchemy's ``icontains``: ``name ILIKE '%' || :text || '%'
ESCAPE '/'`` on PostgreSQL, ``lower(name) LIKE lower(...)`` on SQLite).

At a million statements that condition alone scans every name. On PostgreSQL migration 0017's
``pg_trgm`` GIN index on ``name`` serves the same condition as it stands. On SQLite the FTS5
trigram table (``withdrawal_name_search``) first narrows the statements to those holding the
text's trigrams as a phrase, and the same condition then decides on those few, so the answer
is exactly the scan's: the FTS5 table folds case more widely than SQLite's ASCII ``lower()``,
never less. A text of fewer than three characters has no trigram and scans.

Where each index is there (``indexes``) decides how a page of a search is found
(``paging.Seek``)."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    column,
    literal_column,
    select,
    table,
    text,
)

from ..storage.tables import NAME_SEARCH, NAME_TRGM_INDEX, statements
from ..storage.verify_names import has_name_table

#: Characters the FTS5 trigram tokenizer needs to find a phrase.
SHORTEST = 3

_names = table(NAME_SEARCH, column("rowid"))
_found: WeakKeyDictionary[Engine, tuple[bool, bool]] = WeakKeyDictionary()


def indexes(engine: Engine) -> tuple[bool, bool]:
    """Whether this database has SQLite's FTS5 trigram table, and whether it has
    PostgreSQL's ``pg_trgm`` index on the names (asked once per engine: migration 0017
    leaves either out where the database cannot make it, and the search then scans)."""
    if engine not in _found:
        with engine.connect() as conn:
            _found[engine] = (has_name_table(conn), _has_trgm_index(conn))
    return _found[engine]


def has_trigram_table(engine: Engine) -> bool:
    """Whether this SQLite database has the FTS5 trigram table (asked once per engine)."""
    return indexes(engine)[0]


def _has_trgm_index(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    query = text("SELECT 1 FROM pg_indexes WHERE indexname = :name "
                 "AND schemaname = current_schema()")
    return conn.execute(query, {"name": NAME_TRGM_INDEX}).first() is not None


def contains(name: ColumnElement[str], needle: str) -> ColumnElement[bool]:
    """``name`` holds ``needle``, in any case, LIKE wildcards in it taken literally."""
    return name.icontains(needle, autoescape=True)


def latest_holding(needle: str, count: int) -> Select[Any]:
    """The ``seq`` of the ``count`` latest statements in the chain's order whose name holds
    ``needle``'s trigrams (at least ``SHORTEST`` characters): FTS5 walks its row ids
    backwards and stops there."""
    return _holding(needle).order_by(_names.c.rowid.desc()).limit(count)


def _holding(needle: str) -> Select[Any]:
    """The ``seq`` (row id) of every statement whose name holds ``needle``'s trigrams, as
    a phrase: the text as an FTS5 string, no operators inside."""
    phrase = '"' + needle.replace('"', '""') + '"'
    return select(_names.c.rowid).where(literal_column(NAME_SEARCH).op("MATCH")(phrase))


def conditions(needle: str, trigram_table: bool) -> list[ColumnElement[bool]]:
    """The WHERE clauses for "the name contains ``needle``" (already stripped, not empty)."""
    found = contains(statements.c.name, needle)
    if not trigram_table or len(needle) < SHORTEST:
        return [found]
    return [statements.c.seq.in_(_holding(needle)), found]
