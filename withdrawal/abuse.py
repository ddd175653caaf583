"""Anti-abuse for order look-ups: they are rate-limited per client address, because a look-up
reveals an order's lines. A consumer over the limit is never refused (Art. 11a; R4): the
look-up is skipped, the statement goes on as for an unmatched order, and it is flagged.

The ``limits`` library (the engine behind Flask-Limiter) counts in a moving window, in memory
or in a shared store such as Redis (``WITHDRAWAL_RATE_LIMIT_STORAGE_URL``). Flask-Limiter's
own decorators answer 429, which the law does not allow here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .config import config_value


@dataclass(frozen=True)
class LookupLimiter:
    limiter: MovingWindowRateLimiter
    item: RateLimitItem

    def allow(self) -> bool:
        """Count one look-up by this client; False once over the limit."""
        return self.limiter.hit(self.item, "withdrawal-lookup", _client())


def make_lookup_limiter(app: Flask) -> LookupLimiter:
    storage = storage_from_string(config_value("RATE_LIMIT_STORAGE_URL", app))
    item = parse(config_value("LOOKUP_RATE_LIMIT", app))
    return LookupLimiter(MovingWindowRateLimiter(storage), item)


def _client() -> str:
    # Behind a proxy the host sets up werkzeug's ProxyFix so that remote_addr is the client.
    return request.remote_addr or "unknown"
