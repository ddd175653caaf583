"""A wheel and an sdist built from a clean clone of this checkout's commit (what CI and a shop
developer get from ``git clone``: no compiled catalogue, nothing left over from ``make``), and a
fresh virtualenv with the wheel installed. Built once per test session, for tests/test_wheel.py
and tests/test_example_shop.py."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Build:
    clone: Path
    wheel: Path
    sdist: Path
    python: Path  # of a fresh virtualenv with the wheel installed


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


@cache
def _build() -> Build | str:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return "not a git checkout: no clean clone to build from"
    folder = Path(tempfile.mkdtemp(prefix="withdrawal-build-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    clone, dist = folder / "clone", folder / "dist"
    commit = _run("git", "-C", ROOT, "rev-parse", "HEAD").strip()
    _run("git", "clone", "--quiet", "--no-checkout", ROOT, clone)
    _run("git", "-C", clone, "checkout", "--quiet", commit)
    assert not list(clone.glob("translations/*/LC_MESSAGES/*.mo")), "a clone has no .mo"
    _run(sys.executable, "-m", "build", "--outdir", dist, clone)
    venv = folder / "venv"
    _run(sys.executable, "-m", "venv", venv)
    wheel = next(dist.glob("withdrawal-*.whl"))
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel)
    return Build(clone, wheel, next(dist.glob("withdrawal-*.tar.gz")), venv / "bin" / "python")


def clean_build() -> Build:
    """The build of this commit from a clean clone (skips where there is no git checkout)."""
    build = _build()
    if isinstance(build, str):
        pytest.skip(build)
    return build
