"""After the withdrawal: what the trader must refund and by when (CRD Art. 13), and what the
consumer must send back and by when (Art. 14(1)).

Pure: no Flask. Days are counted as the rest of the engine counts them (Regulation 1182/71 in
the parties' calendar, ``periods.Calendar``): the day the statement was received does not
count, and a last day on a Saturday, Sunday or public holiday rolls to the next working day.
The interpretations are in docs/legal-engine.md ("After the withdrawal").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .periods import Calendar, PeriodEnd

#: Art. 13(1): reimbursement not later than 14 days from the day the trader is informed.
REFUND_DAYS = 14
#: Art. 14(1): goods sent back not later than 14 days from the day the consumer communicated
#: the decision to withdraw.
RETURN_DAYS = 14


def refund_deadline(received_at: datetime, calendar: Calendar) -> PeriodEnd:
    """Art. 13(1): the end of the 14 days the trader has to refund, counted from the day the
    statement was received (``received_at``, the server's timestamp of the statement)."""
    return calendar.count(calendar.day_of(received_at), days=REFUND_DAYS)


def return_deadline(sent_at: datetime, calendar: Calendar) -> PeriodEnd:
    """Art. 14(1): the end of the 14 days the consumer has to send the goods back, counted
    from the day the statement was sent (``sent_at``); sending before it ends is in time."""
    return calendar.count(calendar.day_of(sent_at), days=RETURN_DAYS)


@dataclass(frozen=True)
class RefundLine:
    """One withdrawn line as the refund sees it: what was paid for it, and whether it is
    goods (which the trader may wait for, Art. 13(3))."""

    line_id: str
    unit_price: Decimal
    quantity: int = 1
    goods: bool = False

    @property
    def amount(self) -> Decimal:
        """Art. 13(1): all payments received for the line: unit price × quantity."""
        return self.unit_price * self.quantity


def refund_amount(
    accepted: Iterable[RefundLine], *, delivery_cost: Decimal | None, whole_order: bool,
) -> Decimal:
    """What the trader must refund for the ``accepted`` lines (Art. 13(1)): their payments,
    plus the standard delivery cost when the withdrawal covers every line of the order and all
    of them are accepted (``whole_order``). Art. 13(2): only the least expensive standard
    delivery is owed, so ``delivery_cost`` is the shop's *standard* cost, not a premium one."""
    total = sum((line.amount for line in accepted), Decimal("0"))
    if whole_order and delivery_cost:
        total += delivery_cost
    return total


def may_withhold(line: RefundLine, *, returned: bool) -> bool:
    """Art. 13(3): for goods the trader may withhold the refund until the goods are back or
    the consumer has shown that they were sent (``returned`` records either)."""
    return line.goods and not returned


def is_overdue(due: date | None, today: date, *, withheld: bool) -> bool:
    """A refund not made by its last day, unless the trader may still withhold it."""
    return due is not None and today > due and not withheld
