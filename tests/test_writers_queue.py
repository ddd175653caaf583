"""SQLite's writers queue for their turn (``storage/writers.py``): a write transaction holds
the lock file beside the database from its first write to its commit or rollback, a reader
never takes it, a writer of another thread or process waits for it and goes on when it is
left, and one that waits past the engine's timeout fails as SQLite would ("database is
locked", a refusal ``storage/transient.py`` tries again) without leaving the queue stuck."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from withdrawal.storage import writers
from withdrawal.storage.engine import make_engine
from withdrawal.storage.transient import refused

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    path = tmp_path / "queue.sqlite3"
    engine = make_engine(f"sqlite:///{path}", timeout=5)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine, Path(f"{path}.write-lock")
    engine.dispose()


def held_elsewhere(lock: Path) -> bool:
    """Whether another holder has the lock file (tried from a descriptor of our own)."""
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@pytest.mark.parametrize("end", ["commit", "rollback", "error"])
def test_a_write_transaction_holds_the_queue_until_it_ends(
    database: tuple[Engine, Path], end: str,
) -> None:
    engine, lock = database
    with engine.connect() as conn:
        conn.begin()
        conn.execute(text("SELECT count(*) FROM t"))
        assert not held_elsewhere(lock)  # a read takes no place in the queue
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert held_elsewhere(lock)
        if end == "commit":
            conn.commit()
        elif end == "rollback":
            conn.rollback()
        else:
            with pytest.raises(OperationalError):
                conn.execute(text("INSERT INTO nowhere VALUES (1)"))
            conn.rollback()
        assert not held_elsewhere(lock)


def test_a_writer_of_another_thread_waits_for_its_turn(database: tuple[Engine, Path]) -> None:
    engine, _lock = database
    order: list[str] = []
    second_asks = threading.Event()

    def second() -> None:
        second_asks.set()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            order.append("second wrote")

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second)
        thread.start()
        second_asks.wait()
        thread.join(0.3)
        assert thread.is_alive()  # waiting for the first to commit
        order.append("first commits")
    thread.join(10)
    assert order == ["first commits", "second wrote"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2


def _holder(lock: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def _leave(process: subprocess.Popen[str]) -> None:
    process.communicate("\n", timeout=10)  # its lock ends with it; the pipes are closed


def test_a_writer_waits_for_another_process_and_goes_on_when_it_leaves(
    database: tuple[Engine, Path],
) -> None:
    engine, lock = database
    holder = _holder(lock)
    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.3)  # the other process has the turn
    _leave(holder)
    assert done.wait(10)
    thread.join()


def test_past_the_timeout_the_write_is_refused_and_the_queue_is_not_left_stuck(
    tmp_path: Path,
) -> None:
    path = tmp_path / "short.sqlite3"
    engine = make_engine(f"sqlite:///{path}", timeout=0.3)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = _holder(Path(f"{path}.write-lock"))
    try:
        with pytest.raises(OperationalError) as refusal, engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert refused(refusal.value)  # "database is locked": a worker tries it again
    finally:
        _leave(holder)
    # The wait given up on gets its turn once the holder leaves, and leaves it at once.
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalars().all() == [2]
    assert not held_elsewhere(Path(f"{path}.write-lock"))
    engine.dispose()


def test_a_database_in_memory_has_no_queue() -> None:
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert conn.connection.dbapi_connection.gate is None  # type: ignore[union-attr]


def _child_writes(url: str, ask: int, tell: int) -> None:
    """In a forked child: a write while the parent holds the queue, then one after it says
    it left; each outcome told the parent."""
    engine = make_engine(url, timeout=0.3)
    for n in (2, 3):
        if n == 3:
            os.read(ask, 1)
        try:
            with engine.begin() as conn:
                conn.execute(text(f"INSERT INTO t VALUES ({n})"))
            os.write(tell, b"w")
        except OperationalError:
            os.write(tell, b"l")


def test_a_child_forked_while_its_parent_writes_queues_as_a_process_of_its_own(
    database: tuple[Engine, Path],
) -> None:
    """The child gets gates of its own: the parent's, copied with the parent's turn held,
    would keep it waiting for good. (The parent holds its turn without a transaction open:
    SQLite's own locks must not be held across a fork.)"""
    engine, lock = database
    engine.dispose()
    gate = writers.gate_for(str(lock).removesuffix(".write-lock"))
    assert gate is not None
    to_child, from_parent = os.pipe()
    from_child, to_parent = os.pipe()
    gate.enter(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            _child_writes(str(engine.url), to_child, to_parent)
        finally:
            os._exit(0)
    try:
        assert os.read(from_child, 1) == b"l"  # the parent's turn: "database is locked"
    finally:
        gate.leave()
    os.write(from_parent, b"g")
    assert os.read(from_child, 1) == b"w"
    os.waitpid(pid, 0)
    for fd in (to_child, from_parent, from_child, to_parent):
        os.close(fd)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t ORDER BY x")).scalars().all() == [3]
