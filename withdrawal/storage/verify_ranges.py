"""``verify --jobs N``: the chain walked in N ranges of entries at once, each in a process of
its own (issue 16, point 3: about 50 µs of Python per entry, so a million entries is a minute
on one CPU), and the ranges joined in chain order as if one walk had read them.

- **One snapshot.** The caller's connection reads one snapshot (``engine.one_snapshot``). On
  PostgreSQL it exports it (``pg_export_snapshot``) and every range reads exactly that snapshot
  (``SET TRANSACTION SNAPSHOT``). On SQLite each range reads the database as it is when it
  starts; it walks entries up to the last one the caller's snapshot holds, which no later write
  changes but a purge under retention, which keeps every hash (an entry's erased field keeps
  its digest) and so gives the same verdict. The outbox is the one thing a range reads that
  later writes change (a bounce fails a sent row): counts that then differ from the caller's
  are noted, not reported (``verify_outbox.unbacked_rows``).
- **Joined in chain order.** A range after the first does not know the entry before its first
  one: it hands back that entry's place (``Boundary``), and the join checks its link against
  the previous range's last entry, with the whole walk's words. The first problem of each kind
  is the first in chain order; counts, hours and documents add up; an anchored head a range did
  not find goes back to the caller, who names it as the whole walk does.
- **Only what pays.** A chain of fewer than ``PER_RANGE`` entries per range, or an in-memory
  SQLite database, is walked here, in this process."""

from __future__ import annotations

import multiprocessing
import queue
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from .documents import SealCheck
from .engine import make_engine, one_snapshot
from .tables import ledger
from .verify_documents import DocumentTally
from .verify_walk import BATCH, Claims, Walk, walk_entries

#: The fewest entries worth a process of their own (starting one takes about a second).
PER_RANGE = 20 * BATCH

#: How often the caller looks whether a range's process died without a word (seconds).
WATCH = 1.0

_SNAPSHOT = re.compile(r"^[0-9A-Fa-f-]+$")


@dataclass(frozen=True)
class Task:
    """One range of entries to walk, and what its process needs to walk it."""

    url: str
    seqs: tuple[int, int]
    first: bool  # the chain's first range: it starts from the genesis hash
    snapshot: str | None  # PostgreSQL's exported snapshot
    claims: Claims
    check_bytes: bool
    seal_check: SealCheck | None


@dataclass
class Part:
    """What one range's walk found."""

    walk: Walk
    claims: Claims  # anchored heads of its range it did not find
    matched: int
    read: int
    sealed: int


def walk_in_ranges(
    conn: Connection, jobs: int, walk: Walk, tally: DocumentTally, claims: Claims,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Walk the ledger that ``conn``'s snapshot holds in up to ``jobs`` ranges at once and add
    what they found to ``walk`` and ``tally``, as ``walk_entries`` would have."""
    tasks = _tasks(conn, jobs, tally, claims)
    if len(tasks) < 2:
        walk_entries(conn, walk, tally, claims, progress)
        return
    walk.one_snapshot = conn.dialect.name == "postgresql"  # each SQLite range reads its own
    for part in _run(tasks, progress):
        _join(walk, tally, claims, part)


def _tasks(conn: Connection, jobs: int, tally: DocumentTally, claims: Claims) -> list[Task]:
    lowest, highest = conn.execute(select(func.min(ledger.c.seq), func.max(ledger.c.seq))).one()
    url = conn.engine.url
    if lowest is None or url.get_backend_name() == "sqlite" and url.database in (None, "",
                                                                                 ":memory:"):
        return []
    lowest = min(lowest, 1)
    count = min(jobs, (highest - lowest + 1) // PER_RANGE)
    if count < 2:
        return []
    snapshot = None
    if conn.dialect.name == "postgresql":
        snapshot = str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
    size = -(-(highest - lowest + 1) // count)
    tasks = []
    for start in range(lowest, highest + 1, size):
        seqs = (start, min(start + size - 1, highest))
        mine = {seq: claims.pop(seq) for seq in [s for s in claims if seqs[0] <= s <= seqs[1]]}
        tasks.append(Task(url.render_as_string(hide_password=False), seqs, start == lowest,
                          snapshot, mine, tally.check_bytes, tally.seal_check))
    return tasks


def _run(tasks: list[Task], progress: Callable[[int], None] | None) -> list[Part]:
    """Each task in a process of its own; their parts in chain order."""
    context = multiprocessing.get_context("spawn")  # no forked copy of the caller's engine
    messages: Any = context.Queue()
    processes = [context.Process(target=walk_range, args=(index, task, messages), daemon=True)
                 for index, task in enumerate(tasks)]
    for process in processes:
        process.start()
    parts: dict[int, Part] = {}
    try:
        while len(parts) < len(tasks):
            try:
                kind, index, value = messages.get(timeout=WATCH)
            except queue.Empty:
                _check_alive(processes, parts, tasks)
                continue
            if kind == "walked" and progress is not None:
                progress(value)
            elif kind == "done":
                parts[index] = value
            elif kind == "failed":
                raise RuntimeError(f"verify: the walk of {_entries(tasks[index])} failed:\n"
                                   f"{value}")
    finally:
        for process in processes:
            if process.pid is None:  # never started (a task that would not pickle)
                continue
            if process.is_alive() and len(parts) < len(tasks):
                process.terminate()
            process.join()
    return [parts[index] for index in range(len(tasks))]


def _check_alive(processes: list[Any], parts: dict[int, Part], tasks: list[Task]) -> None:
    for index, process in enumerate(processes):
        if index not in parts and not process.is_alive():
            raise RuntimeError(f"verify: the walk of {_entries(tasks[index])} stopped "
                               f"(exit code {process.exitcode})")


def _entries(task: Task) -> str:
    return f"entries {task.seqs[0]} to {task.seqs[1]}"


def walk_range(index: int, task: Task, messages: Any) -> None:
    """A range's process: walk ``task``'s entries in the caller's snapshot, say how far it
    got after each batch, and hand back its ``Part`` (or why it failed)."""
    engine = make_engine(task.url)
    try:
        with engine.connect() as opened:
            conn = _in_snapshot(opened, task.snapshot)
            walk = Walk() if task.first else Walk(last_seq=task.seqs[0] - 1, last_hash=None)
            tally = DocumentTally(task.check_bytes, task.seal_check)
            claims = dict(task.claims)
            walk_entries(conn, walk, tally, claims,
                         lambda walked: messages.put(("walked", index, walked)), task.seqs)
        messages.put(("done", index, Part(walk, claims, tally.matched, tally.read,
                                          tally.sealed)))
    except Exception:  # noqa: BLE001 - the caller reports it, with its traceback
        messages.put(("failed", index, traceback.format_exc()))
    finally:
        engine.dispose()


def _in_snapshot(conn: Connection, snapshot: str | None) -> Connection:
    """``conn`` reading the caller's snapshot (PostgreSQL), or one of its own (SQLite)."""
    conn = one_snapshot(conn)
    if conn.dialect.name != "postgresql":
        return conn
    if snapshot is None or not _SNAPSHOT.match(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    return conn


def _join(walk: Walk, tally: DocumentTally, claims: Claims, part: Part) -> None:
    """Add ``part`` (the next range in chain order) to the walk so far."""
    found = part.walk
    if found.first is not None:
        walk.add("chain", walk.link(found.first))
    for kind, message in found.problems.items():
        walk.problems.setdefault(kind, message)
    walk.statements += found.statements
    walk.hours.update(found.hours)
    walk.outcomes.add(found.outcomes)
    if found.entries:
        walk.entries += found.entries
        walk.last_seq, walk.last_hash = found.last_seq, found.last_hash
    tally.matched += part.matched
    tally.read += part.read
    tally.sealed += part.sealed
    claims.update(part.claims)
