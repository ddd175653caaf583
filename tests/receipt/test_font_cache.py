"""The static font instances are cut once and kept on disk: a fresh process reads them back
instead of cutting them again, and a damaged file is cut again rather than trusted."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from withdrawal.receipt import font_cache, fonts

ROOT = Path(__file__).resolve().parents[2]

# A fresh process that must find both instances in the cache: cutting one is an error.
_READS_ONLY = textwrap.dedent(
    """
    from withdrawal.receipt import fonts

    def refuse(weight):
        raise SystemExit(f"cut the {weight} instance again instead of reading the cache")

    fonts._cut = refuse
    fonts.register_fonts()
    """
)


def _run(code: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, font_cache.ENVIRONMENT: str(cache), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )


def _snapshot(cache: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.glob("*.ttf")}


def test_a_second_process_reads_the_instances_instead_of_cutting_them(tmp_path: Path) -> None:
    cache = tmp_path / "fonts"
    first = _run("from withdrawal.receipt import fonts; fonts.register_fonts()", cache)
    assert first.returncode == 0, first.stderr
    written = _snapshot(cache)
    assert sorted(name.split("-")[1] for name in written) == ["400", "700"]

    second = _run(_READS_ONLY, cache)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _snapshot(cache) == written  # neither rewritten nor replaced
    for name in written:
        font = TTFont(io.BytesIO(font_cache.read(cache / name) or b""))
        assert "fvar" not in font  # a static instance, as cut


def test_the_cached_instance_is_the_same_bytes_as_a_fresh_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The PDF must be the same bytes whether its fonts came from the cache or not.
    monkeypatch.setenv(font_cache.ENVIRONMENT, str(tmp_path))
    fonts.static_instance.cache_clear()
    try:
        kept = fonts.static_instance(700)
    finally:
        fonts.static_instance.cache_clear()
    assert kept == fonts._cut(700)
    path = tmp_path / f"NotoSans-700-{fonts.cache_key(700)[:32]}.ttf"
    assert font_cache.read(path) == kept


def test_a_damaged_file_is_cut_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(font_cache.ENVIRONMENT, str(tmp_path))
    cuts: list[int] = []

    def make() -> bytes:
        cuts.append(1)
        return b"font bytes"

    assert font_cache.cached("Face", "k" * 64, make) == b"font bytes"
    path = tmp_path / f"Face-{'k' * 32}.ttf"
    assert font_cache.cached("Face", "k" * 64, make) == b"font bytes"
    assert len(cuts) == 1  # read back, not made again

    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # one flipped bit in the font
    path.write_bytes(bytes(data))
    assert font_cache.cached("Face", "k" * 64, make) == b"font bytes"
    assert len(cuts) == 2
    assert font_cache.read(path) == b"font bytes"  # and the file is whole again

    path.write_bytes(path.read_bytes()[:10])  # torn: shorter than its header
    assert font_cache.cached("Face", "k" * 64, make) == b"font bytes"
    assert len(cuts) == 3


def test_a_cache_that_cannot_be_written_falls_back_to_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(font_cache.ENVIRONMENT, str(blocker / "fonts"))
    assert font_cache.cached("Face", "k" * 64, lambda: b"made") == b"made"


def test_the_key_changes_with_the_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    before = fonts.cache_key(400)
    assert fonts.cache_key(700) != before
    monkeypatch.setattr(fonts, "RECIPE", fonts.RECIPE + 1)
    assert fonts.cache_key(400) != before
