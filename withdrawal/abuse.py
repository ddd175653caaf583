"""Anti-abuse for order look-ups: a look-up reveals an order's lines to whoever knows its number
and e-mail, so guessing is limited. Only FAILED look-ups count (the order was not found), per
client address and per order number: consumers who find their order never use up anything, so
many of them behind one proxy or CDN address are not hurt by each other. A client or an order
number over its limit is never refused (Art. 11a; R4): the look-up is skipped, the statement
goes on as for an unmatched order, and it is flagged.

The ``limits`` library (the engine behind Flask-Limiter) counts in a moving window, in memory
(one process) or in a shared store such as Redis (``WITHDRAWAL_RATE_LIMIT_STORAGE_URL``), under
``WITHDRAWAL_RATE_LIMIT_KEY_PREFIX``. Addresses and order numbers are keyed by an HMAC under a
key derived from ``SECRET_KEY``, so the store holds neither. Flask-Limiter's own decorators
answer 429, which the law does not allow here. A store that fails counts nothing and limits
nothing: the look-up goes on.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from dataclasses import dataclass

from flask import Flask, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .config import config_value
from .sealing import derive_key

log = logging.getLogger(__name__)

#: Where the app keeps its rate-limit engine (``app.extensions``): one store for all limits.
ENGINE_KEY = "withdrawal-rate-limits"


@dataclass(frozen=True)
class Counter:
    """One limit (``item``) counted per identity under ``namespace``."""

    limiter: MovingWindowRateLimiter
    item: RateLimitItem
    namespace: tuple[str, ...]
    secret: bytes

    def hit(self, identity: str) -> bool:
        """Count one event of ``identity``; False once over the limit."""
        return self.limiter.hit(self.item, *self.namespace, self._key(identity))

    def test(self, identity: str) -> bool:
        """Whether ``identity`` is still under the limit (counts nothing)."""
        return self.limiter.test(self.item, *self.namespace, self._key(identity))

    def _key(self, identity: str) -> str:
        data = identity.encode("utf-8", "surrogatepass")
        return hmac.new(self.secret, data, hashlib.sha256).hexdigest()[:32]


def counter(app: Flask, name: str, limit: str) -> Counter:
    """A counter for ``limit`` (``"20 per hour"``) in the app's store, under the key prefix."""
    if ENGINE_KEY not in app.extensions:
        storage = storage_from_string(config_value("RATE_LIMIT_STORAGE_URL", app))
        app.extensions[ENGINE_KEY] = MovingWindowRateLimiter(storage)
    prefix = str(config_value("RATE_LIMIT_KEY_PREFIX", app))
    return Counter(app.extensions[ENGINE_KEY], parse(limit), (prefix, name),
                   derive_key(app.secret_key or "", "rate limit"))


@dataclass(frozen=True)
class LookupLimiter:
    """Failed look-ups per client address and per order number."""

    per_address: Counter
    per_order: Counter

    def over(self, order_number: str) -> bool:
        """Whether this client or this order number is over its limit (counts nothing)."""
        try:
            return not (self.per_address.test(client())
                        and self.per_order.test(_order(order_number)))
        except Exception:  # a failing store must not block the statement
            log.exception("rate-limit store failed: the look-up goes on unlimited")
            return False

    def failed(self, order_number: str) -> None:
        """Count a look-up that found no order, for this client and this order number."""
        try:
            self.per_address.hit(client())
            self.per_order.hit(_order(order_number))
        except Exception:
            log.exception("rate-limit store failed: a failed look-up was not counted")


def make_lookup_limiter(app: Flask) -> LookupLimiter:
    return LookupLimiter(
        per_address=counter(app, "lookup-failed-address",
                            config_value("LOOKUP_RATE_LIMIT", app)),
        per_order=counter(app, "lookup-failed-order",
                          config_value("LOOKUP_RATE_LIMIT_PER_ORDER", app)),
    )


def client() -> str:
    """The client's address; an IPv6 client by its /64 network, which one host can span.
    Behind a proxy the host sets up werkzeug's ProxyFix so that remote_addr is the client."""
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


def _order(order_number: str) -> str:
    return order_number.strip()
