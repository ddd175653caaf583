"""The spool: statements the database could not take, kept on the web server's own disk until
``flask withdrawal recover`` moves them into the chain. A statement is never lost because the
database is down, locked, read-only or silent (design.md: the consumer's statement is never
lost).

One file per statement, named after its submission key, so a double click spools it once:
written to a temporary name in the same directory, fsynced, linked to its final name (which
fails if it exists, so the first one spooled is kept), the temporary name removed and the
directory fsynced; only then is the consumer answered. A file holds everything the statement's
record needs: the content built at the instant of confirmation (reference, submission time,
labels, locale, the order's lines as assessed then), the submission key and the link base.

Pure file handling and the recovery loop: no Flask.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from .statement import Flag, StatementContent, canonical_json, content_hash
from .storage.statements import Recipient, load_statement, record_spooled
from .storage.transient import unreachable

log = logging.getLogger(__name__)

SUFFIX = ".json"
TEMPORARY_PREFIX = ".tmp-"
#: A temporary file this old was left by a process that stopped while writing it.
STALE_SECONDS = 60
_FORMAT = 1
_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class SpooledStatement:
    """A statement waiting in the spool."""

    submission_key: str
    content: StatementContent
    link_base: str | None = None

    def to_bytes(self) -> bytes:
        return canonical_json({
            "format": _FORMAT, "submission_key": self.submission_key,
            "link_base": self.link_base, "content": self.content,
            "content_sha256": content_hash(self.content),
        })

    @classmethod
    def from_bytes(cls, data: bytes) -> SpooledStatement:
        """Raises ValueError for a file that is not a complete spooled statement."""
        try:
            raw: dict[str, Any] = json.loads(data)
            statement = cls(raw["submission_key"], raw["content"], raw.get("link_base"))
            intact = raw["format"] == _FORMAT and raw["content_sha256"] == content_hash(
                statement.content)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a spooled statement: {exc}") from exc
        if not intact:
            raise ValueError("the content does not match its SHA-256")
        return statement


def keep(directory: str | Path, statement: SpooledStatement) -> SpooledStatement:
    """Spool ``statement`` durably; returns it, or the one spooled first under its key.
    Raises OSError when the spool cannot be written."""
    folder = Path(directory)
    _make_durably(folder)
    final = _path(folder, statement.submission_key)
    handle, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=SUFFIX, dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(statement.to_bytes())
            file.flush()
            os.fsync(file.fileno())
        if not _link(temporary, final):  # a double click: the first one's statement
            first = read(final)
            _fsync_directory(folder)  # its writer may not have made the name durable yet
            return first
    finally:
        Path(temporary).unlink(missing_ok=True)
    _fsync_directory(folder)
    return statement


def _make_durably(folder: Path) -> None:
    """Create the spool directory (and its missing parents), each new entry made durable in
    its parent before a statement is written into it."""
    missing = [folder, *folder.parents]
    missing = [path for path in missing if not path.exists()]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for created in reversed(missing):
        _fsync_directory(created.parent)


def _link(temporary: str, final: Path) -> bool:
    """Give the file its final name unless a file has it already (False then)."""
    try:
        os.link(temporary, final)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: rename, checking first
        if final.exists():
            return False
        os.rename(temporary, final)
    return True


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _path(folder: Path, key: str) -> Path:
    if not _KEY.fullmatch(key):
        raise ValueError("a submission key is 64 hexadecimal digits")
    return folder / (key + SUFFIX)


def read(path: Path) -> SpooledStatement:
    return SpooledStatement.from_bytes(path.read_bytes())


def find(directory: str | Path, key: str) -> SpooledStatement | None:
    """The statement spooled under this submission key, if any."""
    if not _KEY.fullmatch(key or ""):
        return None
    path = _path(Path(directory), key)
    try:
        return read(path)
    except (OSError, ValueError):
        return None


def find_reference(directory: str | Path, reference: str) -> SpooledStatement | None:
    """The spooled statement with this reference, if any (reads the spool: it is small)."""
    for path in waiting(directory):
        try:
            statement = read(path)
        except (OSError, ValueError):
            continue
        if statement.content["reference"] == reference:
            return statement
    return None


def waiting(directory: str | Path) -> list[Path]:
    """The spooled statements' files (not those being written)."""
    try:
        return sorted(p for p in Path(directory).glob("*" + SUFFIX)
                      if not p.name.startswith(TEMPORARY_PREFIX))
    except OSError:
        return []


def _stale_temporaries(folder: Path) -> list[Path]:
    limit, stale = time.time() - STALE_SECONDS, []
    for path in folder.glob(TEMPORARY_PREFIX + "*"):
        try:
            if path.stat().st_mtime < limit:
                stale.append(path)
        except OSError:  # finished and removed meanwhile
            continue
    return stale


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    _fsync_directory(path.parent)


@dataclass
class Recovery:
    """What ``recover`` did: references recorded now, found already recorded, files it could
    not read and files whose statement the database refused (both left in place: an operator
    looks at them)."""

    recorded: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"recovered {len(self.recorded)}, already recorded {len(self.already)}"
        text += f", damaged {len(self.damaged)}" if self.damaged else ""
        return text + (f", refused {len(self.refused)}" if self.refused else "")


def recover(
    engine: Engine, directory: str | Path, *,
    recipients: Callable[[StatementContent], Sequence[Recipient]],
    recorded: Callable[[str, StatementContent], None] = lambda _r, _c: None,
) -> Recovery:
    """Move every spooled statement into the chain in the order of submission, keeping its
    submission time and reference and owing its messages; idempotent by submission key, so
    several workers may run it at once. ``recorded(reference, content)`` follows each commit.
    A file is removed only once its statement is in the database. A statement the database
    refuses (its data, not the database being away) stays in its file and the others go on;
    a database away stops the round, raised as it is."""
    report = Recovery()
    for path, statement in _readable(Path(directory), report):
        try:
            reference, created = record_spooled(
                engine, submission_key=statement.submission_key, content=statement.content,
                recipients=recipients, link_base=statement.link_base,
            )
        except Exception as exc:
            if unreachable(exc):
                raise
            log.error("the database refused spooled statement %s (%s): it stays in the spool",
                      path, exc, exc_info=exc)
            report.refused.append(f"{path.name}: {exc.__class__.__name__}")
            continue
        remove(path)
        (report.recorded if created else report.already).append(reference)
        if created:
            recorded(reference, statement.content)
        else:
            _recorded_already(engine, statement, reference, recorded)
    return report


def _recorded_already(
    engine: Engine, statement: SpooledStatement, reference: str,
    recorded: Callable[[str, StatementContent], None],
) -> None:
    """A spooled statement whose submission key is in the database already:
    - under another reference, a second click spooled while the first one's was committed:
      its consumer was shown a reference that does not exist (logged; the acknowledgement
      e-mail gives the one recorded);
    - under its own reference but not from a spool (no ``spooled`` flag), the web process's
      own transaction, committed after the consumer had been answered from the spool: nobody
      told the shop, so ``recorded`` follows now. (A second recoverer of the same file finds
      the flag: the first one told the shop.)"""
    if reference != statement.content["reference"]:
        log.warning("spooled statement %s was recorded already as %s (a second click while "
                    "the database went away): its consumer was shown the first",
                    statement.content["reference"], reference)
        return
    stored = load_statement(engine, reference)
    if stored is not None and Flag.SPOOLED not in stored.content["flags"]:
        log.warning("statement %s was committed after its consumer was answered from the "
                    "spool: the shop is told now", reference)
        recorded(reference, stored.content)


def _readable(folder: Path, report: Recovery) -> list[tuple[Path, SpooledStatement]]:
    """The spool's statements, oldest submission first. A temporary file left by a process
    that stopped while writing it is taken too when complete, else removed: its consumer was
    never answered, and a complete one is still their statement."""
    found: list[tuple[Path, SpooledStatement]] = []
    for path in waiting(folder) + _stale_temporaries(folder):
        try:
            found.append((path, read(path)))
        except (OSError, ValueError) as exc:
            if path.name.startswith(TEMPORARY_PREFIX):
                log.warning("removing an incomplete spool file %s: %s", path, exc)
                remove(path)
            else:
                log.error("cannot read spooled statement %s: %s", path, exc)
                report.damaged.append(path.name)
    return sorted(found, key=lambda item: item[1].content["submitted_at"])
