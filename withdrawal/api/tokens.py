"""Who may use the back-office endpoints: a bearer token from ``WITHDRAWAL_API_TOKENS``
(name -> token). With no token configured these endpoints answer 404: they are never open by
default. A missing or wrong token is a 401; tokens are compared in constant time, every
configured one each time, so the answer's timing tells nothing about them."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request

from ..config import ConfigurationError, config_value
from ..i18n import gettext
from .errors import fail

#: Tokens shorter than this are refused at start-up: they could be guessed.
SHORTEST_TOKEN = 16


def check_config(app: Flask) -> None:
    """``WITHDRAWAL_API_TOKENS`` must map names to long enough tokens."""
    tokens: Any = config_value("API_TOKENS", app)
    if not isinstance(tokens, Mapping) or not all(
            isinstance(name, str) and isinstance(token, str) and len(token) >= SHORTEST_TOKEN
            for name, token in tokens.items()):
        raise ConfigurationError(
            f"WITHDRAWAL_API_TOKENS must map client names to tokens of at least "
            f"{SHORTEST_TOKEN} characters, e.g. {{\"erp\": secrets.token_urlsafe(32)}}")


def require_token() -> None:
    """Run before every back-office request: return to go on, or answer 404 or 401."""
    tokens: Mapping[str, str] = config_value("API_TOKENS") or {}
    if not tokens:
        fail(404, gettext("Not found."))
    client = token_client(tokens, _bearer())
    if client is None:
        fail(401, gettext("A valid bearer token is required."),
             headers={"WWW-Authenticate": 'Bearer realm="withdrawal"'})
    g.withdrawal_api_client = client


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_client(tokens: Mapping[str, str], presented: str) -> str | None:
    """The name whose token was presented, or None; compares with every token."""
    found = None
    given = presented.encode()
    for name, token in tokens.items():
        if hmac.compare_digest(token.encode(), given) and presented:
            found = name
    return found
