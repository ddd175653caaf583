"""The contract between a shop and the withdrawal function: orders, their lines, and the source
the shop hands them in through. Pure data: nothing here imports Flask."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable


class ProductKind(enum.Enum):
    """What a line supplies, in the Directive's categories: it decides when the period starts
    (Art. 9(2)) and which exclusion can apply (Art. 16(a), 16(m))."""

    DIGITAL_CONTENT = "digital-content"  # e.g. a licence key, not on a tangible medium
    DIGITAL_SERVICE = "digital-service"  # e.g. a subscription to an online service
    SERVICE = "service"
    GOODS = "goods"


@dataclass(frozen=True)
class OrderLine:
    """One line of an order. All timestamps are aware datetimes.

    ``delivered_at``: digital content made available (key delivered or revealed); goods: the
    consumer acquired physical possession (last item of a multi-part delivery); services: fully
    performed. ``consent_at``, ``acknowledgement_at`` and ``confirmation_sent_at`` are the three
    Art. 16(m) conditions. ``release_date`` marks a pre-order.
    """

    line_id: str
    title: str
    quantity: int = 1
    unit_price: Decimal = Decimal("0")
    kind: ProductKind = ProductKind.DIGITAL_CONTENT
    delivered_at: datetime | None = None
    consent_at: datetime | None = None
    acknowledgement_at: datetime | None = None
    confirmation_sent_at: datetime | None = None
    release_date: date | None = None


@dataclass(frozen=True)
class Order:
    """An order as the shop knows it. ``country`` is the consumer's (ISO 3166-1 alpha-2);
    ``withdrawal_info_given_at`` is when the pre-contract withdrawal information was given
    (None: never, which extends the period under Art. 10). ``delivery_cost``: what the
    consumer paid for the least expensive standard delivery of the order (None: not known or
    none), refunded when every line is withdrawn and accepted (Art. 13(1), (2))."""

    number: str
    email: str
    customer_name: str
    concluded_at: datetime
    lines: Sequence[OrderLine] = field(default_factory=tuple)
    country: str = ""
    currency: str = "EUR"
    locale: str | None = None
    withdrawal_info_given_at: datetime | None = None
    delivery_cost: Decimal | None = None

    def line(self, line_id: str) -> OrderLine | None:
        """The line with this id, or None."""
        return next((ln for ln in self.lines if ln.line_id == line_id), None)


@runtime_checkable
class OrderSource(Protocol):
    """How the shop hands its orders to the withdrawal function. Return the order only when
    both its number and e-mail match; the extension compares them again (trimmed, e-mail
    case-insensitive) and answers "not found" alike for either mismatch."""

    def find_order(self, number: str, email: str) -> Order | None: ...


@dataclass(frozen=True)
class Trader:
    """The trader's identity as the acknowledgement and the model form show it
    (``WITHDRAWAL_TRADER_NAME``, ``_ADDRESS``, ``_EMAIL``, ``_COUNTRY``, ``_TIMEZONE``)."""

    name: str
    address: str
    email: str
    country: str = "DE"
    timezone: str = "Europe/Berlin"
