"""The draft: what the consumer entered so far, between the three steps; the confirm step turns
it into a ``StatementRequest``.

It travels in the package's own cookie ``withdrawal_draft`` (never in hidden fields, never in
the shop's session): sealed with AES-GCM under a key derived from ``SECRET_KEY``
(``withdrawal.sealing``), so the browser can neither read nor change it, and stamped with the
time it was written, so a draft older than ``WITHDRAWAL_DRAFT_MAX_AGE`` is gone. The package
sets the cookie's attributes itself: ``HttpOnly``, ``SameSite=Lax``, ``Path`` the URL prefix,
``Secure`` when the request came over HTTPS, and no ``Max-Age`` (it ends with the browser).

A cookie must stay under 4096 bytes or browsers drop it. The chosen lines are kept as short
keys (long line ids by a digest, resolved against the order when it is asked again), and a
draft that still would not fit is refused with :class:`DraftTooLarge` (docs/security.md has
the arithmetic: only pathological input gets there).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from flask import Response, after_this_request, current_app, g, request
from werkzeug.http import dump_cookie

from ..config import config_value
from ..domain import Order
from ..sealing import derive_key, seal, unseal
from ..statement import canonical_json
from ..submission import StatementRequest

#: The cookie's name, and the purpose its key is derived for.
COOKIE = "withdrawal_draft"
PURPOSE = "draft"
#: The whole ``Set-Cookie`` value (name, value and attributes) stays below this.
MAX_SET_COOKIE = 4000
#: A line id up to this many UTF-8 bytes is kept as it is; a longer one by its digest.
SHORT_LINE_ID = 12
#: Drafts stamped this far in the future (clock skew between app servers) still count.
_SKEW = 300


class DraftTooLarge(ValueError):
    """The draft would not fit into one cookie."""


class Problem(enum.Enum):
    """Why a cookie that was sent gave no draft."""

    EXPIRED = "expired"
    UNREADABLE = "unreadable"


@dataclass
class Draft:
    """``matched``: the order was found at step 1; ``lines``: the chosen lines' keys
    (:func:`line_key`); ``description``: the contract in the consumer's words when no order
    was found; ``flags``: what the look-up noticed. ``nonce`` makes the submission key unique
    to this draft."""

    name: str
    email: str
    order_number: str
    matched: bool = False
    description: str = ""
    lines: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    nonce: str = field(default_factory=lambda: secrets.token_hex(16))

    def choose(self, line_ids: Sequence[str]) -> None:
        self.lines = [line_key(line_id) for line_id in line_ids]

    def keep_choice(self, before: Draft | None, order: Order | None) -> None:
        """Keep what the consumer chose in ``before`` when step 1 is sent again for the same
        order (a name corrected from the summary): the lines still in ``order``, or the
        description of an order that is still not found. Ticking the preselection again
        would withdraw from lines the consumer had unticked."""
        if before is None or before.order_number != self.order_number:
            return
        if order is None:
            self.description = before.description
            return
        in_order = {line_key(line.line_id) for line in order.lines}
        kept = [key for key in before.lines if key in in_order]
        if kept:
            self.lines = kept

    def line_ids(self, order: Order | None) -> list[str]:
        """The chosen lines' ids in ``order`` (none without the order)."""
        if order is None:
            return []
        chosen = set(self.lines)
        return [line.line_id for line in order.lines if line_key(line.line_id) in chosen]

    def needs_order(self) -> bool:
        """Whether a chosen line is kept by its digest: only the order can name it."""
        return any(key.startswith("~") for key in self.lines)

    def submission_key(self) -> str:
        """Same draft, same key: a double click or a resubmission records one statement
        (R20); an edited draft is a new statement."""
        return hashlib.sha256(canonical_json(asdict(self))).hexdigest()

    def to_request(self, locale: str, order: Order | None) -> StatementRequest:
        """The statement this draft asks to record, in the consumer's language; ``order`` is
        the draft's order asked again (its lines resolve the chosen keys)."""
        return StatementRequest(
            name=self.name, email=self.email, order_number=self.order_number, locale=locale,
            matched=self.matched, lines=tuple(self._ids(order)),
            description=self.description, flags=tuple(self.flags),
        )

    def _ids(self, order: Order | None) -> list[str]:
        if order is None:  # the order cannot be asked: the statement records it as vanished
            return [key for key in self.lines if not key.startswith("~")]
        return self.line_ids(order)

    @classmethod
    def from_json(cls, data: Any) -> Draft | None:
        if not isinstance(data, Mapping):
            return None
        try:
            draft = cls(**data)
        except TypeError:
            return None  # a cookie from another version: start again
        return draft if _well_formed(draft) else None


def line_key(line_id: str) -> str:
    """How the draft keeps a chosen line: a short id as it is, a long one (or one that looks
    like a digest) as ``~`` and 8 characters of its SHA-256."""
    if len(line_id.encode("utf-8", "surrogatepass")) <= SHORT_LINE_ID \
            and not line_id.startswith("~"):
        return line_id
    digest = hashlib.sha256(line_id.encode("utf-8", "surrogatepass")).digest()
    return "~" + base64.urlsafe_b64encode(digest[:6]).decode("ascii")


def _well_formed(draft: Draft) -> bool:
    texts = (draft.name, draft.email, draft.order_number, draft.description, draft.nonce)
    return (all(isinstance(text, str) for text in texts) and isinstance(draft.matched, bool)
            and all(isinstance(item, str) for item in (*draft.lines, *draft.flags)))


# --- the cookie ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """The request's draft, or why the cookie it sent gave none (``problem``)."""

    draft: Draft | None
    problem: Problem | None = None


def load_draft() -> Loaded:
    """The draft this request carries (once per request)."""
    if "withdrawal_draft" not in g:
        g.withdrawal_draft = _read(request.cookies.get(COOKIE))
    loaded: Loaded = g.withdrawal_draft
    return loaded


def save_draft(draft: Draft) -> None:
    """Send ``draft`` back with this response; :class:`DraftTooLarge` when it cannot fit."""
    value = seal(_plaintext(draft), _keys()[0], PURPOSE)
    if len(_set_cookie(value)) > MAX_SET_COOKIE:
        raise DraftTooLarge(draft.order_number)
    _send(value)
    g.withdrawal_draft = Loaded(draft)


def forget_draft() -> None:
    """Delete the draft cookie with this response (if the browser has one)."""
    if COOKIE in request.cookies or "withdrawal_draft_out" in g:
        _send(None)
    g.withdrawal_draft = Loaded(None)


def _read(value: str | None) -> Loaded:
    if not value:
        return Loaded(None)
    plain = unseal(value, _keys(), PURPOSE)
    if plain is None:
        return Loaded(None, Problem.UNREADABLE)
    try:
        stamped = json.loads(plain.decode("utf-8", "surrogatepass"))
        written, data = stamped["t"], stamped["d"]
    except (ValueError, TypeError, KeyError):
        return Loaded(None, Problem.UNREADABLE)
    if not isinstance(written, int) or not _fresh(written):
        return Loaded(None, Problem.EXPIRED)
    draft = Draft.from_json(data)
    return Loaded(draft, None if draft else Problem.UNREADABLE)


def _fresh(written: int) -> bool:
    now = int(time.time())
    return now - int(config_value("DRAFT_MAX_AGE")) <= written <= now + _SKEW


def _plaintext(draft: Draft) -> bytes:
    stamped = {"t": int(time.time()), "d": asdict(draft)}
    return json.dumps(stamped, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass")


def _keys() -> list[bytes]:
    """The current key first, then those of ``SECRET_KEY_FALLBACKS`` (key rotation)."""
    secrets_ = [current_app.secret_key, *(current_app.config.get("SECRET_KEY_FALLBACKS") or ())]
    return [_key(secret) for secret in secrets_ if secret]


@lru_cache(maxsize=8)
def _key(secret: str | bytes) -> bytes:
    return derive_key(secret, PURPOSE)


def _cookie_attributes() -> dict[str, Any]:
    return {"path": config_value("URL_PREFIX") or "/", "secure": request.is_secure,
            "httponly": True, "samesite": "Lax"}


def _set_cookie(value: str) -> str:
    return dump_cookie(COOKIE, value, max_size=0, **_cookie_attributes())


def _send(value: str | None) -> None:
    """The cookie this response sets (``None``: deletes it); the last call wins."""
    pending = "withdrawal_draft_out" in g
    g.withdrawal_draft_out = value
    if pending:
        return

    @after_this_request
    def write(response: Response) -> Response:
        final = g.withdrawal_draft_out
        if final is None:
            response.delete_cookie(COOKIE, **_cookie_attributes())
        else:
            response.set_cookie(COOKIE, final, **_cookie_attributes())
        return response
