"""``flask withdrawal verify``: walk the chain and the indexes built from it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from .chain import GENESIS, iter_entries, recompute
from .tables import chain_head, statements

#: Index columns that must equal the statement's recorded content.
_INDEXED = ("name", "email", "order_number", "locale")


@dataclass(frozen=True)
class Verification:
    ok: bool
    statements: int
    entries: int
    problem: str = ""


def verify_chain(engine: Engine) -> Verification:
    """Check every link; stop at the first broken one and name it."""
    with engine.connect() as conn:
        count, entries, problem = 0, 0, ""
        for problem_or_row in _walk(conn):
            if isinstance(problem_or_row, str):
                problem = problem_or_row
                break
            entries += 1
            count += problem_or_row.kind == "statement"
        problem = problem or _check_head(conn, entries) or _check_index(conn)
    return Verification(not problem, count, entries, problem)


def _walk(conn: Connection) -> Iterator[Row[Any] | str]:
    prev, expected_seq = GENESIS, 1
    for row in iter_entries(conn):
        where = f"entry {row.seq} ({row.kind} {row.reference})"
        if row.seq != expected_seq:
            yield f"entry {expected_seq} is missing (next is {row.seq})"
            return
        if row.prev_hash != prev:
            yield f"{where}: does not link to entry {row.seq - 1}"
            return
        if recompute(row) != row.hash:
            yield f"{where}: content does not match its hash"
            return
        yield row
        prev, expected_seq = row.hash, expected_seq + 1


def _check_head(conn: Connection, entries: int) -> str:
    head = conn.execute(select(chain_head.c.seq)).scalar_one_or_none()
    if head is not None and head != entries:
        return f"chain head says {head} entries, the ledger holds {entries}"
    return ""


def _check_index(conn: Connection) -> str:
    from .tables import ledger

    rows = conn.execute(
        select(statements, ledger.c.body, ledger.c.erased)
        .join(ledger, ledger.c.seq == statements.c.seq)
        .order_by(statements.c.seq)
    )
    for row in rows:
        content = json.loads(row.body).get("content", {})
        erased = json.loads(row.erased) if row.erased else {}
        if "content" in erased:
            continue
        for column in _INDEXED:
            if getattr(row, column) != content.get(column):
                return f"statement {row.reference}: index column {column!r} differs from entry"
    return ""
