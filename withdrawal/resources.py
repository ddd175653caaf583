"""Where the package's templates, translations and static files are: inside the installed wheel,
or at the repository's top level in a development checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> str:
    """``templates``, ``translations`` or ``static``: the packaged copy wins over the checkout."""
    packaged = Path(str(resources.files("withdrawal"))) / name
    if packaged.is_dir():
        return str(packaged)
    return str(_REPO_ROOT / name)
