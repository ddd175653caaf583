"""The statement between the steps: the draft the consumer builds, the order look-up, and the
content recorded at confirmation. No request handling here; views.py calls these."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from .domain import Order, OrderLine, OrderSource, Trader
from .eligibility import Assessment, ShopPolicy, assess
from .labels import StatutoryLabels
from .storage.chain import canonical_json

log = logging.getLogger(__name__)


@dataclass
class Draft:
    """What the consumer entered so far, kept in the signed session cookie (never in hidden
    fields). ``nonce`` makes the submission key unique to this draft."""

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


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def find_order(source: OrderSource, number: str, email: str) -> tuple[Order | None, list[str]]:
    """The order only when number and e-mail both match; flags say why a look-up failed."""
    number, email = number.strip(), email.strip()
    try:
        order = source.find_order(number, email)
    except Exception:  # the shop's backend failing must not block the statement
        log.exception("order look-up failed for a withdrawal statement")
        return None, ["order-lookup-failed"]
    if order is None:
        return None, ["order-not-found"]
    if order.number.strip() != number or normalise_email(order.email) != normalise_email(email):
        return None, ["order-not-found"]
    return order, []


@dataclass(frozen=True)
class LawContext:
    """What the legal engine needs beyond the order: the trader's country and zone, and policy."""

    trader: Trader
    policy: ShopPolicy


def assess_lines(
    order: Order, at: datetime, law: LawContext, already_withdrawn: Mapping[str, str],
) -> list[tuple[OrderLine, Assessment]]:
    return [
        (line, assess(
            order, line, at, trader_country=law.trader.country,
            trader_timezone=law.trader.timezone, policy=law.policy,
            already_withdrawn=already_withdrawn,
        ))
        for line in order.lines
    ]


def preselected(assessed: Sequence[tuple[OrderLine, Assessment]]) -> list[str]:
    """Withdrawable lines are ticked by default; every other line stays selectable (R11)."""
    return [line.line_id for line, a in assessed if a.status.value == "withdrawable"]


@dataclass(frozen=True)
class StatementInput:
    draft: Draft
    order: Order | None
    labels: StatutoryLabels
    locale: str
    timezone: str
    law: LawContext


def build_content(
    data: StatementInput, at: datetime, already_withdrawn: Mapping[str, str], reference: str,
) -> dict[str, Any]:
    """The statement exactly as recorded, hashed and acknowledged."""
    draft, order = data.draft, data.order
    lines = _chosen_lines(data, at, already_withdrawn) if order else []
    trader = data.law.trader
    return {
        "reference": reference,
        "submitted_at": at.isoformat(),
        "timezone": data.timezone,
        "locale": data.locale,
        "name": draft.name,
        "email": draft.email,
        "order_number": draft.order_number or None,
        "order_matched": order is not None,
        "order_email": order.email if order else None,
        "contract_description": "" if order else draft.description,
        "currency": order.currency if order else None,
        "trader": {"name": trader.name, "address": trader.address, "email": trader.email},
        "lines": lines,
        "labels": data.labels.to_json(),
        "flags": sorted(set(draft.flags) | _line_flags(lines)),
    }


def _chosen_lines(
    data: StatementInput, at: datetime, already_withdrawn: Mapping[str, str],
) -> list[dict[str, Any]]:
    assert data.order is not None
    chosen = set(data.draft.lines)
    return [
        {
            "line_id": line.line_id,
            "title": line.title,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            "kind": line.kind.value,
            "assessment": assessment.to_json(),
        }
        for line, assessment in assess_lines(data.order, at, data.law, already_withdrawn)
        if line.line_id in chosen
    ]


def _line_flags(lines: Sequence[Mapping[str, Any]]) -> set[str]:
    """Flags for the reviewer: a line chosen although it seems not withdrawable."""
    statuses = {line["assessment"]["status"] for line in lines}
    return {f"chosen-{status}" for status in statuses if status != "withdrawable"}
