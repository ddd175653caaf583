"""Demo orders. Every e-mail is ``<case>@demo.example``; README lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ..domain import Order, OrderLine, ProductKind

_KEY = ProductKind.DIGITAL_CONTENT
#: The standard delivery cost of the demo orders with goods (refunded when all is withdrawn).
DELIVERY_COST = Decimal("4.90")


@dataclass(frozen=True)
class DemoCase:
    number: str
    email: str
    shows: str


CASES: tuple[DemoCase, ...] = (
    DemoCase("1001", "consented@demo.example",
             "key delivered with consent, acknowledgement and confirmation: Art. 16(m) excluded"),
    DemoCase("1002", "noconsent@demo.example",
             "key delivered without recorded consent: withdrawable at no cost"),
    DemoCase("1003", "pending@demo.example", "key not yet delivered: withdrawable"),
    DemoCase("1004", "preorder@demo.example", "pre-order, release in 30 days: withdrawable"),
    DemoCase("1005", "late@demo.example", "ordered 40 days ago: period over"),
    DemoCase("1006", "noinfo@demo.example",
             "withdrawal information never given, 40 days ago: 12-month extension"),
    DemoCase("1007", "goods@demo.example", "physical goods delivered 10 days ago: withdrawable"),
    DemoCase("1008", "mixed@demo.example", "mixed order: excluded key, pending key, goods"),
)


def _key_line(line_id: str, title: str, price: str, *, delivered: datetime | None = None,
              consent: bool = False, release: datetime | None = None) -> OrderLine:
    return OrderLine(
        line_id=line_id, title=title, unit_price=Decimal(price), kind=_KEY,
        delivered_at=delivered, consent_at=delivered if consent else None,
        acknowledgement_at=delivered if consent else None,
        confirmation_sent_at=delivered if consent else None,
        release_date=release.date() if release else None,
    )


def _goods(line_id: str, title: str, price: str, delivered: datetime | None) -> OrderLine:
    return OrderLine(line_id=line_id, title=title, unit_price=Decimal(price),
                     kind=ProductKind.GOODS, delivered_at=delivered)


def _builders(now: datetime) -> dict[str, Callable[[], tuple[list[OrderLine], datetime, bool]]]:
    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    return {
        "1001": lambda: ([_key_line("1", "Office 2024 Professional Plus", "39.90",
                                    delivered=ago(2), consent=True)], ago(2), True),
        "1002": lambda: ([_key_line("1", "Windows 11 Pro", "24.90", delivered=ago(3))],
                         ago(3), True),
        "1003": lambda: ([_key_line("1", "Photo Studio 2026", "59.00")], ago(1), True),
        "1004": lambda: ([_key_line("1", "Starfall Chronicles (pre-order)", "69.99",
                                    release=now + timedelta(days=30))], ago(2), True),
        "1005": lambda: ([_key_line("1", "Antivirus Total 1 year", "19.90", delivered=ago(40),
                                    consent=True)], ago(40), True),
        "1006": lambda: ([_key_line("1", "Video Editor Pro", "49.00", delivered=ago(40))],
                         ago(40), False),
        "1007": lambda: ([_goods("1", "Licence key card (boxed)", "29.90", ago(10))],
                         ago(12), True),
        "1008": lambda: ([
            _key_line("1", "Office 2024 Home", "29.90", delivered=ago(1), consent=True),
            _key_line("2", "Cloud Backup 1 TB", "35.00"),
            _goods("3", "USB installation stick", "9.90", ago(1)),
        ], ago(2), True),
    }


class DemoOrders:
    """An ``OrderSource`` over the demo cases, built afresh on each look-up."""

    def __init__(self, clock: Callable[[], datetime] | None = None):
        self._clock = clock or (lambda: datetime.now(UTC))

    def find_order(self, number: str, email: str) -> Order | None:
        case = next((c for c in CASES if c.number == number.strip()), None)
        if case is None or case.email != email.strip().lower():
            return None
        lines, concluded, info_given = _builders(self._clock())[case.number]()
        goods = any(line.kind is ProductKind.GOODS for line in lines)
        return Order(
            number=case.number, email=case.email, customer_name="Demo Customer",
            concluded_at=concluded, lines=tuple(lines), country="IT", currency="EUR",
            withdrawal_info_given_at=concluded if info_given else None,
            delivery_cost=DELIVERY_COST if goods else None,
        )
