"""The draft: what the consumer entered so far, between the three steps. Kept in the session
(never in hidden fields); the confirm step turns it into a ``StatementRequest``."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..statement import canonical_json
from ..submission import StatementRequest


@dataclass
class Draft:
    """``matched``: the order was found at step 1; ``lines``: the chosen line ids;
    ``description``: the contract in the consumer's words when no order was found; ``flags``:
    what the look-up noticed. ``nonce`` makes the submission key unique to this draft."""

    name: str
    email: str
    order_number: str
    matched: bool = False
    description: str = ""
    lines: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    nonce: str = field(default_factory=lambda: secrets.token_hex(16))

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Mapping[str, Any] | None) -> Draft | None:
        if not data:
            return None
        try:
            return cls(**data)
        except TypeError:
            return None  # a cookie from another version: start again

    def submission_key(self) -> str:
        """Same draft, same key: a double click or a resubmission records one statement
        (R20); an edited draft is a new statement."""
        return hashlib.sha256(canonical_json(asdict(self))).hexdigest()

    def to_request(self, locale: str) -> StatementRequest:
        """The statement this draft asks to record, in the consumer's language."""
        return StatementRequest(
            name=self.name, email=self.email, order_number=self.order_number, locale=locale,
            matched=self.matched, lines=tuple(self.lines), description=self.description,
            flags=tuple(self.flags),
        )
