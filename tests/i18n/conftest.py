"""Fixtures for the translation tests: an app that delivers its acknowledgements to the real
SMTP server fixture right after commit (on SQLite only: the modules that use it are marked
``sqlite_only``, translations do not depend on the database), and a check that the compiled
``.mo`` files match their ``.po`` sources (``make compile-translations``)."""

from __future__ import annotations

from typing import Any

import pytest
from babel.messages.mofile import read_mo
from i18n.support import TRANSLATED, po_path, read_catalog


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues_are_current() -> None:
    """Rendering tests read the ``.mo`` files: fail early and clearly when they are stale."""
    stale = []
    for lang in TRANSLATED:
        mo = po_path(lang).with_suffix(".mo")
        if not mo.exists():
            stale.append(f"{mo} is missing")
            continue
        with mo.open("rb") as handle:
            compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
        catalog = read_catalog(po_path(lang))
        source = {_key(m.id): _key(m.string) for m in catalog
                  if m.id and all(_key(m.string)) and not m.fuzzy}
        if any(compiled.get(key) != value for key, value in source.items()) or (
            set(compiled) - {_key(m.id) for m in catalog}
        ):
            stale.append(f"{mo} does not match its .po")
    if stale:
        pytest.fail("; ".join(stale) + ". Run `make compile-translations` (or `make test`).")


def _key(value: Any) -> tuple[str, ...]:
    """A message's id or string as a tuple (plural forms come as lists or tuples)."""
    return tuple(value) if isinstance(value, list | tuple) else (value,)


@pytest.fixture
def app_config(app_config: dict[str, Any], mail_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **mail_config, "WITHDRAWAL_DELIVER_AFTER_COMMIT": True}
