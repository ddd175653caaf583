"""``verify`` walks the record in one streamed pass: its memory does not grow with the number
of statements or of kept documents (peaks are compared, never timings)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from bench import _fill
from withdrawal.storage import verify, verify_walk
from withdrawal.storage.engine import make_engine
from withdrawal.storage.schema import upgrade_schema

DOCUMENT = 64 * 1024  # each statement keeps a PDF this big


def _peak(folder: Path, count: int) -> tuple[int, verify.Verification]:
    engine = make_engine(f"sqlite:///{folder}/record-{count}.sqlite3")
    upgrade_schema(engine)
    _fill.fill(engine, count, documents_every=1)
    verify.verify_chain(engine, check_bytes=True)  # warm: compiled queries, caches
    tracemalloc.start()
    try:
        result = verify.verify_chain(engine, check_bytes=True)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        engine.dispose()
    return peak, result


def test_verify_memory_does_not_grow_with_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_fill, "DOCUMENT_SIZE", DOCUMENT)
    monkeypatch.setattr(verify_walk, "BATCH", 20)  # several batches even for the small record
    small, checked_small = _peak(tmp_path, 50)
    large, checked_large = _peak(tmp_path, 500)
    assert checked_small.ok and checked_large.ok
    assert (checked_small.documents, checked_large.documents) == (50, 500)
    # 450 more documents of 64 KiB would be 28 MiB if they were held together; a batch of
    # entries (20) with their documents read one at a time stays well under 1 MiB more.
    assert large - small < 1024 * 1024, (small, large)


def test_only_the_walk_itself_is_streamed(tmp_path: Path) -> None:
    """``yield_per`` set on a connection stays on it for every later query (SQLAlchemy 2):
    each batch's index, lines and documents queries became server-side cursors on
    PostgreSQL, and the four-document stream's fetch size stuck to the rest of the walk. It
    is set on the streamed statements alone (PostgreSQL, 100 000 statements: 17.6 → 13.0 s)."""
    from sqlalchemy import event

    engine = make_engine(f"sqlite:///{tmp_path / 'options.sqlite3'}")
    upgrade_schema(engine)
    _fill.fill(engine, 30, documents_every=3)
    streamed: dict[str, Any] = {}

    def remember(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any,
                 _many: bool) -> None:
        streamed[statement.split("FROM", 1)[-1][:40]] = context.execution_options.get(
            "yield_per")

    event.listen(engine, "before_cursor_execute", remember)
    assert verify.verify_chain(engine, check_bytes=True).ok
    event.remove(engine, "before_cursor_execute", remember)
    engine.dispose()
    lines = [size for sql, size in streamed.items()
             if sql.startswith(" withdrawal_statement_lines")]
    assert lines and set(lines) == {None}, streamed
