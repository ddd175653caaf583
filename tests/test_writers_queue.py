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
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

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
