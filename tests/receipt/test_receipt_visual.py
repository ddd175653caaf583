"""The receipt as a reader sees it: every demo case rendered to PNG with poppler's pdftoppm and
compared with the reviewed pictures in tests/receipt/reference/, so that a layout regression
(a table past the rule, a repeated header, a section alone on a page, empty boxes for a
consumer's name) fails here.

The receipts are rendered at a fixed instant (``demo_receipts.SUBMITTED_AT``). After a change
to the layout made on purpose, look at the new pictures and commit them:

    WITHDRAWAL_UPDATE_REFERENCES=1 .venv/bin/python -m pytest tests/receipt/test_receipt_visual.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from demo_receipts import NAMES, demo_receipt
from PIL import Image, ImageChops

REFERENCE = Path(__file__).parent / "reference"
IN_CI = os.environ.get("CI", "").lower() == "true"
UPDATE = os.environ.get("WITHDRAWAL_UPDATE_REFERENCES") == "1"

#: Rendering resolution: enough to see every line and rule, small enough to commit.
DPI = 50
#: A pixel counts as changed when its grey level moves by more than this (0-255)...
PIXEL_TOLERANCE = 48
#: ...and a page fails when more than this share of its pixels changed. Anti-aliasing noise
#: stays far below; a line of text moved, added or dropped changes more.
PAGE_TOLERANCE = 0.002


def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        reason = "pdftoppm (Debian package poppler-utils) is not installed"
        if IN_CI:
            pytest.fail(f"CI=true requires it: {reason}")
        pytest.skip(reason)
    return found


def render_pages(pdf: bytes, directory: Path, stem: str) -> list[Path]:
    """The PDF's pages as grey PNGs, in page order."""
    source = directory / f"{stem}.pdf"
    source.write_bytes(pdf)
    subprocess.run([_pdftoppm(), "-r", str(DPI), "-gray", "-png", str(source),
                    str(directory / stem)], check=True)
    return sorted(directory.glob(f"{stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def store_reference(page: Path, target: Path) -> None:
    """The page in 16 shades of grey (a 4-bit PNG of some 15 kB): the comparison's tolerance
    is far wider than the rounding."""
    with Image.open(page) as image:
        shades = image.convert("L").point(lambda grey: round(grey / 17))  # 0 to 15
    stored = Image.frombytes("P", shades.size, shades.tobytes())
    stored.putpalette([round(shade * 17) for shade in range(16) for _channel in "RGB"])
    stored.save(target, "PNG", optimize=True, bits=4)


def changed_share(actual: Image.Image, expected: Image.Image) -> float:
    """The share of pixels whose grey level differs by more than :data:`PIXEL_TOLERANCE`."""
    if actual.size != expected.size:
        return 1.0
    difference = ImageChops.difference(actual.convert("L"), expected.convert("L"))
    histogram = difference.histogram()
    changed = sum(histogram[PIXEL_TOLERANCE + 1:])
    return changed / (actual.width * actual.height)


@pytest.mark.parametrize("name", NAMES)
def test_receipt_looks_as_reviewed(name: str, tmp_path: Path) -> None:
    pages = render_pages(demo_receipt(name), tmp_path, name)
    references = sorted(REFERENCE.glob(f"{name}-p*.png"))
    if UPDATE:
        for old in references:
            old.unlink()
        for number, page in enumerate(pages, start=1):
            store_reference(page, REFERENCE / f"{name}-p{number}.png")
        pytest.skip("references rewritten: look at them before committing")
    assert len(pages) == len(references), (
        f"{name}: {len(pages)} pages, the reviewed receipt has {len(references)}"
    )
    for number, (page, reference) in enumerate(zip(pages, references, strict=True), start=1):
        with Image.open(page) as actual, Image.open(reference) as expected:
            share = changed_share(actual, expected)
            if share > PAGE_TOLERANCE:
                diff = tmp_path / f"{name}-p{number}-diff.png"
                ImageChops.difference(actual.convert("L"), expected.convert("L")).save(diff)
                pytest.fail(f"{name} page {number}: {share:.2%} of the pixels changed "
                            f"(rendered {page}, difference {diff}, reviewed {reference})")


def test_the_comparison_notices_a_shift_of_a_few_pixels() -> None:
    # The tolerance must not swallow a real change: the page moved by 2 px (1 mm), or
    # another case's page, must fail.
    with (
        Image.open(REFERENCE / "1003-p1.png") as page,
        Image.open(REFERENCE / "1007-p1.png") as other,
    ):
        assert changed_share(page, page.copy()) == 0
        assert changed_share(ImageChops.offset(page, 0, 2), page) > PAGE_TOLERANCE
        assert changed_share(other, page) > PAGE_TOLERANCE
