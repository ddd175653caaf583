"""Pages of the statement list and batches of the exports, newest first, by keyset: each page
continues from the last row's (``submitted_at``, ``seq``), never with OFFSET, so a deep page
costs what the first one does.

The order is read from an index: ``submitted_at`` of the statements, or, when the list is
filtered by a line's decision or refund, the same columns copied into
``withdrawal_line_decisions`` and its (state, submitted_at, seq) index (one row per statement:
its first matching line), so a rare state does not mean scanning every statement and a common
one does not mean sorting them all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Engine,
    Interval,
    Select,
    Subquery,
    and_,
    literal,
    or_,
    select,
)

from ..storage.tables import ledger, line_decisions, statements
from . import line_filters, name_search
from .queries import Filters, Scope, StatementRow, base_select, fetch, matching_seqs

PAGE_SIZE = 50
BATCH_SIZE = 1000

@dataclass(frozen=True)
class Order:
    """Newest first by (``at``, ``seq``): two columns of one table and its index."""

    at: Column[Any]
    seq: Column[Any]

    def newest_first(self) -> tuple[Any, ...]:
        return (self.at.desc(), self.seq.desc())

    def oldest_first(self) -> tuple[Any, ...]:
        return (self.at, self.seq)

    def older_than(self, at: datetime, seq: int) -> ColumnElement[bool]:
        """After (at, seq) in newest-first order; no row-value comparison, so that both
        backends use the index for the range."""
        return and_(self.at <= at, or_(self.at < at, self.seq < seq))

    def newer_than(self, at: datetime, seq: int) -> ColumnElement[bool]:
        return and_(self.at >= at, or_(self.at > at, self.seq > seq))


BY_STATEMENT = Order(statements.c.submitted_at, statements.c.seq)
BY_DECISION = Order(line_decisions.c.submitted_at, line_decisions.c.seq)


def order_for(filters: Filters) -> Order:
    if line_filters.is_driven(filters.decision, filters.refund):
        return BY_DECISION
    return BY_STATEMENT


@dataclass(frozen=True)
class Page:
    rows: list[StatementRow]
    newer: int | None  # cursor for the page of newer statements (?after=), if any
    older: int | None  # cursor for the page of older statements (?before=), if any


def _position(engine: Engine, seq: int | None) -> tuple[datetime, int] | None:
    """A cursor's place in the order: the statement's timestamp and ``seq``."""
    if seq is None:
        return None
    query = select(statements.c.submitted_at).where(statements.c.seq == seq)
    with engine.connect() as conn:
        at = conn.execute(query).scalar_one_or_none()
    return (at, seq) if at is not None else None


def page(
    engine: Engine, filters: Filters, scope: Scope, *, before: int | None = None,
    after: int | None = None, size: int = PAGE_SIZE,
) -> Page:
    """One page, newest first: the first, or the one older than the statement ``before`` or
    newer than the statement ``after`` (cursors are the statements' ``seq``)."""
    scope = indexed(engine, scope)
    # One row more than the page: whether the page has a next one in its own direction comes
    # with it, instead of a probe that would walk the whole index when there is none.
    order, limit = order_for(filters), size + 1
    newer_from, older_from = _position(engine, after), _position(engine, before)
    seek = Seek(engine, filters, scope, order)
    if newer_from is not None:
        rows = seek.rows(order.newer_than(*newer_from), limit, newest=False)
        newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        if not rows:
            return Page(rows, None, None)
        older = seek.exists(order.older_than(rows[-1].submitted_at, rows[-1].seq),
                            newest=True)
        return Page(rows, rows[0].seq if newer else None, rows[-1].seq if older else None)
    below = order.older_than(*older_from) if older_from is not None else None
    rows = seek.rows(below, limit, newest=True)
    older = len(rows) > size
    rows = rows[:size]
    if not rows:
        return Page(rows, None, None)
    newer = older_from is not None and seek.exists(
        order.newer_than(rows[0].submitted_at, rows[0].seq), newest=False)
    return Page(rows, rows[0].seq if newer else None, rows[-1].seq if older else None)


#: How many of the latest statements (past the cursor, as the other filters have them) a name
#: search looks through before it asks its trigram index: a text that one name in a hundred
#: holds fills a page among them.
RECENT = 5000

#: How many pages of the latest holders of a text's trigrams, in the chain's order, a name
#: search on SQLite reads (each in turn) before it sorts every holder (``Seek``); their ids
#: are parameters of the page's query (at most 16 × 51, within SQLite's oldest limit of 999).
CHAIN_ORDER = (4, 16)

#: How much later than a later entry's append an earlier entry's may be (one host's clock set
#: back): the margin of the name search in the chain's order.
CLOCK_STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class Seek:
    """The first rows of a list past a cursor, in one direction of its order.

    On SQLite a name search asks the FTS5 trigram table for every statement holding the
    text's trigrams, then sorts them by date: at a million statements a text that one name in
    40 holds ("anna") is 25 000 rows to sort for a page of 51 (75 ms). A common text fills a
    page among the latest statements, so the search first looks through the ``RECENT`` latest
    (read in order from the date index, the other filters applied) and keeps those whose name
    holds the text (13 ms). When that fills the page, it is the page: the latest statements
    are the first of the order, so their matches are the first matches. Else (a rarer text)
    the trigram table answers, as it did: it finds few (a name found once: 4 ms before,
    11 ms with the look first). PostgreSQL's planner makes this choice itself from the
    ``pg_trgm`` statistics (a common text walks the date index, a rare one the GIN index),
    so there the filters go to it as they are.

    A text common only among old statements ("consumer 1": one name in nine at a million,
    all but one in the oldest fifth) is then read from its latest holders in the chain's
    order (``_latest_in_chain``): 155–167 ms → 22 ms.

    On PostgreSQL the planner took the same text for a common one spread over time (it
    reckons the ``pg_trgm`` matches as spread evenly) and walked the date index backwards
    through 800 000 names to find them: 400–460 ms. There too the search now looks among the
    latest statements first, and when they do not fill the page, every match is found
    through the trigram index before the page is sorted out of them (``_sorted_apart``):
    70–80 ms, what the index's matches cost to read and re-check, however old they are."""

    engine: Engine
    filters: Filters
    scope: Scope
    order: Order

    def rows(self, past: ColumnElement[bool] | None, limit: int, *,
             newest: bool) -> list[StatementRow]:
        """The first ``limit`` matching rows ``past`` the cursor, with their entries."""
        rows: list[StatementRow] = []
        for found, whole in self._positions(past, limit, newest):
            rows = fetch(self.engine, _entries(found, newest))
            if len(rows) == limit or whole:
                break
        return rows

    def exists(self, past: ColumnElement[bool], *, newest: bool) -> bool:
        """Whether a matching row lies ``past`` the cursor."""
        with self.engine.connect() as conn:
            for found, whole in self._positions(past, 1, newest):
                if conn.execute(select(found.c.seq)).first() is not None:
                    return True
                if whole:
                    return False
        return False

    def _positions(self, past: ColumnElement[bool] | None, limit: int,
                   newest: bool) -> Iterator[tuple[Subquery, bool]]:
        """The page's positions, each with whether it is every match there is: first among
        the latest statements when the list searches a name through a trigram index
        (``RECENT``); then, on PostgreSQL, every match found through its index and sorted
        (``_sorted_apart``); on SQLite, among the latest holders of its trigrams in the
        chain's order (newest first only), then as the filters' own indexes find them."""
        needle = self.filters.name.strip()
        matching = _past(matching_seqs(self.filters, self.scope), past)
        if len(needle) < name_search.SHORTEST or not (self.scope.trigram_table
                                                      or self.scope.trigram_index):
            yield _first(matching, self.order, limit, newest), True
            return
        others = _past(matching_seqs(replace(self.filters, name=""), self.scope), past)
        if RECENT:
            yield _among_recent(others, needle, self.order, limit, newest), False
        if self.scope.trigram_index:
            yield _sorted_apart(matching, self.order, limit, newest), True
            return
        if newest:
            yield from self._latest_in_chain(others, needle, limit)
        yield _first(matching, self.order, limit, newest), True

    def _latest_in_chain(self, others: Select[Any], needle: str,
                         limit: int) -> Iterator[tuple[Subquery, bool]]:
        """The first matches among the ``count`` latest statements, in the chain's order,
        whose name holds the text's trigrams (FTS5 reads them backwards from its last row
        id and stops), kept only when their time is later than any statement before them
        in the chain can have: a statement's time is no later than its append (the same
        host's clock: SQLite is one host's), and no append of an earlier entry is later than
        the ``count``-th's but by ``CLOCK_STEP``. A statement recovered late from the spool
        lies among the latest in the chain with its own, earlier time: it is sorted in. A
        text held by many old names ("consumer 1") is answered from a few hundred rows
        instead of every holder sorted."""
        for pages in CHAIN_ORDER:
            count = pages * limit
            with self.engine.connect() as conn:
                holders = list(conn.execute(name_search.latest_holding(needle, count)).scalars())
                appended = (conn.execute(select(ledger.c.recorded_at)
                                         .where(ledger.c.seq == holders[-1])).scalar()
                            if len(holders) == count else None)
            walked = others.where(statements.c.seq.in_(holders),
                                  name_search.contains(statements.c.name, needle))
            if appended is None:  # fewer hold the trigrams: every match is among them
                yield _first(walked, self.order, limit, True), True
                return
            later = walked.where(self.order.at > appended + CLOCK_STEP)
            yield _first(later, self.order, limit, True), False


def _past(matching: Select[Any], past: ColumnElement[bool] | None) -> Select[Any]:
    return matching if past is None else matching.where(past)


def _direction(order: Order, newest: bool) -> tuple[Any, ...]:
    return order.newest_first() if newest else order.oldest_first()


def _first(matching: Select[Any], order: Order, limit: int, newest: bool) -> Subquery:
    """The positions (``seq``, ``at``) of the first ``limit`` of ``matching``
    (``matching_seqs``) in ``order``, newest first or oldest first."""
    return (matching.with_only_columns(order.seq.label("seq"), order.at.label("at"))
            .order_by(*_direction(order, newest)).limit(limit).subquery("page"))


def _sorted_apart(matching: Select[Any], order: Order, limit: int, newest: bool) -> Subquery:
    """``_first``, ordered by the time plus nothing: an expression no index holds, so that
    PostgreSQL finds every match through the name's trigram index and then sorts them,
    instead of walking the date index until the page is full (through every newer name,
    when the matches are old)."""
    apart = (order.at + literal(timedelta(0), Interval())).label("apart")
    direction = (apart.desc(), order.seq.desc()) if newest else (apart, order.seq)
    return (matching.with_only_columns(order.seq.label("seq"), order.at.label("at"))
            .order_by(*direction).limit(limit).subquery("page"))


def _among_recent(others: Select[Any], needle: str, order: Order, limit: int,
                  newest: bool) -> Subquery:
    """The positions of the first ``limit`` statements among the ``RECENT`` first of
    ``others`` (the list without its name search) whose name holds ``needle``, in any case,
    wildcards taken literally (``name_search.contains``). The LIMIT inside keeps
    both databases from moving the name's condition into the walk of the date index."""
    recent = (others.with_only_columns(order.seq.label("seq"), order.at.label("at"),
                                       statements.c.name.label("name"))
              .order_by(*_direction(order, newest)).limit(RECENT).subquery("recent"))
    return (select(recent.c.seq, recent.c.at)
            .where(name_search.contains(recent.c.name, needle))
            .order_by(*_again(recent, newest)).limit(limit).subquery("page"))


def _entries(found: Subquery, newest: bool) -> Select[Any]:
    """The rows at the positions ``found``, with their entries: the page's positions are
    found and ordered first and only those joined to the ledger, so no entry body is read,
    let alone sorted, for a row the page does not show ("refund overdue" at a million
    statements on SQLite, where the refund index finds every accepted line before the sort:
    107 ms, now 31 ms)."""
    return (select(statements, ledger.c.body, ledger.c.erased, ledger.c.hash)
            .select_from(found.join(statements, statements.c.seq == found.c.seq)
                         .join(ledger, ledger.c.seq == statements.c.seq))
            .order_by(*_again(found, newest)))


def _again(positions: Subquery, newest: bool) -> tuple[Any, ...]:
    """The order of a subquery of positions (``at``, ``seq``), newest first or oldest first."""
    if newest:
        return positions.c.at.desc(), positions.c.seq.desc()
    return positions.c.at, positions.c.seq


def indexed(engine: Engine, scope: Scope) -> Scope:
    """``scope`` knowing which trigram index the name search has here, if any."""
    table, index = name_search.indexes(engine)
    return replace(scope, trigram_table=table, trigram_index=index)


def iter_rows(
    engine: Engine, filters: Filters, scope: Scope, batch: int = BATCH_SIZE,
) -> Iterator[StatementRow]:
    """Every matching statement, newest first, read in keyset batches: memory stays flat
    whatever the number of rows, and no connection is held between batches."""
    scope = indexed(engine, scope)
    order, cursor = order_for(filters), None
    while True:
        query = base_select(filters, scope).order_by(*order.newest_first()).limit(batch)
        if cursor is not None:
            query = query.where(order.older_than(*cursor))
        rows = fetch(engine, query)
        for row in rows:
            row.today = scope.today
        yield from rows
        if len(rows) < batch:
            return
        cursor = (rows[-1].submitted_at, rows[-1].seq)
