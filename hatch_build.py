"""Hatch build hook: compile the Babel catalogues (``translations/<ll>/LC_MESSAGES/*.po``) to
``.mo`` before the files are collected, so that ``pip install .``, a wheel or an sdist built
from a clean clone carries every compiled catalogue (they are not committed: ``.gitignore``).
The ``artifacts`` setting in pyproject.toml lets the ignored ``.mo`` files into the sdist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(Path(self.root, "translations").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalogue)
