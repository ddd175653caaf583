"""What an assessment says about one order line, and the shop's own rules it may apply."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .periods import zone
from .reasons import N_, Reason


class Status(enum.StrEnum):
    """Where a line stands at the instant it is assessed."""

    WITHDRAWABLE = "withdrawable"
    """The statutory right of withdrawal applies (the period may not have started yet)."""
    EXCLUDED = "excluded"
    """An exception of Art. 16 seems to apply; the statement is still accepted and reviewed."""
    EXPIRED = "expired"
    """The statutory period seems to have ended; the statement is still accepted and reviewed."""
    SHOP_POLICY = "shop-policy"
    """The statutory period has ended, but a shop rule still allows cancelling."""
    ALREADY_WITHDRAWN = "already-withdrawn"
    """An earlier statement already covers this line."""


#: What each status tells the consumer: the same words on the pages, in the e-mail and in the
#: PDF (English msgids, translated where they are shown).
STATUS_MESSAGES: Mapping[Status, str] = {
    Status.WITHDRAWABLE: N_("You can withdraw from this item."),
    Status.EXCLUDED: N_("The right of withdrawal seems not to apply to this item."),
    Status.EXPIRED: N_("The withdrawal period for this item seems to have ended."),
    Status.SHOP_POLICY: N_(
        "The statutory period has ended, but our own policy still lets you cancel."
    ),
    Status.ALREADY_WITHDRAWN: N_("You have already withdrawn from this item."),
}


def status_message(status: object) -> str | None:
    """The English msgid for a recorded status, or None for a status this version lacks."""
    try:
        return STATUS_MESSAGES[Status(str(status))]
    except ValueError:
        return None


@dataclass(frozen=True)
class ShopPolicy:
    """Rules a shop grants beyond the law. ``preorder_cancel_days_before_release``: a pre-order
    may be cancelled until this many days before its release date (None: no such rule); the app
    reads it from ``WITHDRAWAL_PREORDER_CANCEL_DAYS_BEFORE_RELEASE``."""

    preorder_cancel_days_before_release: int | None = None

    def __post_init__(self) -> None:
        days = self.preorder_cancel_days_before_release
        if days is not None and days < 0:
            raise ValueError("preorder_cancel_days_before_release must be 0 or more")


@dataclass(frozen=True)
class Assessment:
    """The assessment of one order line at one instant (``assessed_at``).

    ``period_start``: the day of the event that starts the period (None while it has not
    started). ``deadline``: the instant after which a statement is late, expressed in
    ``deadline_timezone`` (None while the period has not started). ``policy_deadline``: for the
    status "shop-policy", the instant the shop's own rule ends. ``no_cost``: if the consumer
    withdraws, they pay nothing for what was used or provided (Art. 14(2), 14(4)). ``reasons``:
    the first explains the status, the others how it was reached.
    """

    line_id: str
    status: Status
    assessed_at: datetime
    period_start: date | None
    deadline: datetime | None
    deadline_timezone: str | None
    no_cost: bool
    reasons: tuple[Reason, ...]
    policy_deadline: datetime | None = None

    @property
    def period_ended(self) -> bool:
        """Whether the statutory period had ended at ``assessed_at``, whatever the status: an
        excluded line can be out of time as well, and both are shown together."""
        return self.deadline is not None and self.assessed_at > self.deadline

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the reasons, in order."""
        return tuple(reason.code for reason in self.reasons)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, stored as the statement's assessment snapshot."""
        return {
            "line_id": self.line_id,
            "status": self.status.value,
            "assessed_at": self.assessed_at.isoformat(),
            "period_start": _iso(self.period_start),
            "deadline": _iso(self.deadline),
            "deadline_timezone": self.deadline_timezone,
            "policy_deadline": _iso(self.policy_deadline),
            "no_cost": self.no_cost,
            "reasons": [reason.as_dict() for reason in self.reasons],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Assessment:
        """The assessment ``to_json`` produced (e.g. a stored snapshot)."""
        start = data.get("period_start")
        return cls(
            line_id=str(data["line_id"]),
            status=Status(data["status"]),
            assessed_at=datetime.fromisoformat(data["assessed_at"]),
            period_start=date.fromisoformat(start) if start else None,
            deadline=_instant(data.get("deadline"), data.get("deadline_timezone")),
            deadline_timezone=data.get("deadline_timezone"),
            no_cost=bool(data["no_cost"]),
            reasons=tuple(Reason.from_json(r) for r in data.get("reasons", ())),
            policy_deadline=_instant(data.get("policy_deadline"), data.get("deadline_timezone")),
        )


def period_ended(snapshot: Mapping[str, Any]) -> bool:
    """``Assessment.period_ended`` for a stored snapshot (``to_json()``, also of statements
    recorded before this function existed)."""
    deadline, assessed_at = snapshot.get("deadline"), snapshot.get("assessed_at")
    if not deadline or not assessed_at:
        return False
    return datetime.fromisoformat(str(assessed_at)) > datetime.fromisoformat(str(deadline))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _instant(text: str | None, zone_name: str | None) -> datetime | None:
    if not text:
        return None
    instant = datetime.fromisoformat(text)
    return instant.astimezone(zone(zone_name)) if zone_name else instant
