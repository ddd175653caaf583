"""Links for the shop's order e-mails and "my account" pages (R2): ``withdrawal_url(number,
email)`` opens the withdrawal function at step 2 with the order's lines, the name prefilled.

The link carries the order number, the e-mail address and optionally the name, signed with the
app's ``SECRET_KEY`` (its own salt, so no other signed value of the package fits) and dated: it
opens the order for ``WITHDRAWAL_LINK_MAX_AGE``. The signature binds number and e-mail, but the
order is still asked of the shop's ``OrderSource`` when the link is opened (a look-up like step
1's, rate limit included), so a link never shows more than the shop says now. A changed or
expired link opens an empty step 1 that says why and shows nothing of the order.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, url_for
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from .config import ConfigurationError, config_value

_SALT = "withdrawal-order-link"
_PERIOD = re.compile(r"^\s*(\d+)\s*([dmy])\s*$", re.IGNORECASE)
#: Days per unit of a period: generous, so that a link lives at least as long as it says.
_DAYS = {"d": 1, "m": 31, "y": 366}


@dataclass(frozen=True)
class LinkedOrder:
    """What a valid link names: the order's number and e-mail, and the name if the shop gave
    one."""

    order_number: str
    email: str
    name: str | None = None


class LinkProblem(enum.StrEnum):
    """Why a link does not open its order."""

    EXPIRED = "expired"
    INVALID = "invalid"


def parse_max_age(value: Any) -> int:
    """Seconds (an int) or a period such as ``400d``, ``13m``, ``1y`` in seconds."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number of seconds or a period")
    if isinstance(value, int):
        seconds = value
    else:
        match = _PERIOD.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a number of seconds or a period such as 13m")
        seconds = int(match.group(1)) * _DAYS[match.group(2).lower()] * 86400
    if seconds <= 0:
        raise ValueError(f"{value!r} is not a positive duration")
    return seconds


def check_config(app: Flask) -> None:
    """Fail at start-up, naming the key, when the link lifetime cannot be read."""
    try:
        parse_max_age(config_value("LINK_MAX_AGE", app))
    except ValueError as exc:
        raise ConfigurationError(f"WITHDRAWAL_LINK_MAX_AGE: {exc}") from None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)  # type: ignore[arg-type]


def link_token(order_number: str, email: str, name: str | None = None) -> str:
    payload = {"n": order_number, "e": email, **({"m": name} if name else {})}
    return _serializer().dumps(payload)


def withdrawal_url(
    order_number: str, email: str, *, name: str | None = None, external: bool = True,
) -> str:
    """The signed link to withdraw from this order, for the order e-mail or the account page.

    ``name`` prefills the consumer's name (default: the order's ``customer_name``); it stays
    editable. ``external`` gives an absolute URL (outside a request, set ``SERVER_NAME``)."""
    return url_for("withdrawal.order_link", token=link_token(order_number, email, name),
                   _external=external)


def read_link(token: str) -> LinkedOrder | LinkProblem:
    """The order a link names, or why it names none."""
    max_age = parse_max_age(config_value("LINK_MAX_AGE"))
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return LinkProblem.EXPIRED
    except BadData:
        return LinkProblem.INVALID
    return _linked_order(payload)


def _linked_order(payload: Any) -> LinkedOrder | LinkProblem:
    if not isinstance(payload, dict):
        return LinkProblem.INVALID
    number, email, name = payload.get("n"), payload.get("e"), payload.get("m")
    if not (isinstance(number, str) and _is_line(number, 64) and isinstance(email, str)
            and _is_line(email, 254)) or (name is not None and not isinstance(name, str)):
        return LinkProblem.INVALID
    return LinkedOrder(number.strip(), email.strip(), name)


def _is_line(value: str, longest: int) -> bool:
    """A non-empty single line of text: what step 1 would accept for the field."""
    return 0 < len(value.strip()) <= longest and not any(
        ord(ch) < 32 or ord(ch) == 127 for ch in value)
