"""``verify``'s check of the name search's trigram table on SQLite (``NAME_SEARCH``: an FTS5
table holding each statement's name under its entry's ``seq``, kept in step by triggers).

The audit list's name search narrows the statements to that table's rows holding the text
before it compares the names themselves (``audit/name_search.py``). A row deleted or changed
there, or a trigger dropped so that later statements get none, hides a statement from a search
by its name without touching the record: the compliance officer looking for a consumer's
statement would not find it. So every statement of a batch must have its row there, with the
name its index row has (the ``index`` check holds that name to the entry). A row there for no
statement finds nothing (the names themselves decide) and is not named.

PostgreSQL's trigram index is an index of the statements' own column: nothing apart from the
column to change, so nothing to check. A database without the table (SQLite without FTS5's
trigram tokenizer) searches by scanning."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, column, select, table, text

from .tables import NAME_SEARCH, statements

_names = table(NAME_SEARCH, column("rowid"), column("name"))


def has_name_table(conn: Connection) -> bool:
    """Whether this is SQLite with the name search's FTS5 table."""
    if conn.dialect.name != "sqlite":
        return False
    query = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name")
    return conn.execute(query, {"name": NAME_SEARCH}).first() is not None


def name_problems(conn: Connection, first: int, last: int) -> Iterator[str]:
    """The statements indexed under entries ``first``..``last`` whose name the name search
    does not hold as their index row has it."""
    query = (select(statements.c.reference, statements.c.seq, statements.c.name,
                    _names.c.name)
             .select_from(statements.outerjoin(_names, _names.c.rowid == statements.c.seq))
             .where(statements.c.seq >= first, statements.c.seq <= last)
             .order_by(statements.c.seq))
    for reference, seq, name, searched in conn.execute(query):
        if searched is None:
            yield f"statement {reference} (entry {seq}) is missing from the name search"
        elif searched != name:
            yield f"statement {reference} (entry {seq}): its name differs in the name search"
