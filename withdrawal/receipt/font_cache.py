"""A cache on disk for the static font instances that ``fonts.py`` cuts from the variable Noto
Sans: cutting them costs more than a second, reading them back a few milliseconds, so every
process after the first one on a machine starts its first receipt at once.

Where: ``$WITHDRAWAL_FONT_CACHE_DIR`` when set, else the user's cache directory
(``$XDG_CACHE_HOME/withdrawal/fonts``, ``~/.cache/withdrawal/fonts``; ``~/Library/Caches`` on
macOS, ``%LOCALAPPDATA%`` on Windows). Never a shared temporary directory: another user could
plant a font there. When no directory can be written the instances are cut in memory, as
before, and a warning says why.

Each file is named by a key over everything its bytes depend on (the variable font's SHA-256,
the fontTools version, the recipe), so an upgrade of either writes a new file instead of
reading a stale one. A file holds a magic line, the SHA-256 of the font bytes and the bytes: a
torn or altered file fails the check and is cut again. Files are written to a temporary name
and renamed (atomic), under a lock file so that concurrent processes cut each instance once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

log = logging.getLogger(__name__)

ENVIRONMENT = "WITHDRAWAL_FONT_CACHE_DIR"
MAGIC = b"withdrawal-font-cache 1\n"
_DIGEST = 32
# Long enough for another process to cut an instance on a slow machine; after it we cut too.
LOCK_TIMEOUT = 60.0


def cache_dir() -> Path:
    """The directory the instances are kept in (not necessarily existing yet)."""
    configured = os.environ.get(ENVIRONMENT)
    if configured:
        return Path(configured)
    return _user_cache_root() / "withdrawal" / "fonts"


def _user_cache_root() -> Path:
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local) if local else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg else Path.home() / ".cache"


def cached(name: str, key: str, make: Callable[[], bytes]) -> bytes:
    """The bytes kept as ``name``-``key`` in the cache, made with ``make`` (and kept) when
    they are missing or damaged. Falls back to ``make()`` alone when the cache cannot be
    used."""
    path = cache_dir() / f"{name}-{key[:32]}.ttf"
    found = read(path)
    if found is not None:
        return found
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT):
            found = read(path)  # another process may have cut it while we waited
            if found is not None:
                return found
            made = make()
            write(path, made)
            return made
    except (OSError, Timeout) as error:
        log.warning("font cache %s not usable (%s): cutting the font in memory", path, error)
        return make()


def read(path: Path) -> bytes | None:
    """The font bytes kept at ``path``, or None when the file is missing or fails its check."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC)
    if len(data) < head + _DIGEST or not data.startswith(MAGIC):
        return None
    digest, payload = data[head : head + _DIGEST], data[head + _DIGEST :]
    if hashlib.sha256(payload).digest() != digest:
        log.warning("font cache file %s is damaged: cutting it again", path)
        return None
    return payload


def write(path: Path, payload: bytes) -> None:
    """Keep ``payload`` at ``path``: written beside it, flushed, then renamed over it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
