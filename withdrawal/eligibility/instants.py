"""Instants as facts: an assessment at instant ``at`` knows only what was recorded by then."""

from __future__ import annotations

from datetime import UTC, datetime


def require_aware(value: datetime | None, name: str) -> None:
    """ValueError unless ``value`` is None or an aware datetime."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be an aware datetime, got the naive {value!r}")


def known_at(value: datetime | None, at: datetime) -> datetime | None:
    """``value`` if it had happened by ``at``, else None: a timestamp recorded in the future of
    the assessed instant is not yet a fact at that instant."""
    return value if value is not None and not_after(value, at) else None


def not_after(value: datetime, limit: datetime) -> bool:
    """``value <= limit`` as instants: compared in UTC, because aware datetimes that share a
    tzinfo would otherwise compare their wall clocks (wrong in the repeated hour of a DST end)."""
    return value.astimezone(UTC) <= limit.astimezone(UTC)
