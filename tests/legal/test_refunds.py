"""After the withdrawal, by cases (issue 14): the refund's last day (CRD Art. 13(1)) and the
goods' return period (Art. 14(1)) counted as the engine counts (Regulation 1182/71), the amount
(Art. 13(1), (2)), the withholding for goods (Art. 13(3)), and a line both excluded and out of
time. The trader and the consumer are in Germany unless a case says otherwise."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from withdrawal.domain import Order, OrderLine, ProductKind
from withdrawal.eligibility import (
    Calendar,
    RefundLine,
    Status,
    assess,
    is_overdue,
    may_withhold,
    period_ended,
    refund_amount,
    refund_deadline,
    return_deadline,
)

GERMANY = Calendar.for_parties("DE", "DE", "Europe/Berlin")


@pytest.mark.parametrize(("received", "calendar", "last_day"), [
    pytest.param("2026-06-18T10:00+00:00", GERMANY, date(2026, 7, 2),
                 id="art13-1-due-14-days-from-receipt"),
    pytest.param("2026-06-20T10:00+00:00", GERMANY, date(2026, 7, 6),
                 id="reg1182-refund-day-on-a-saturday-rolls-to-monday"),
    pytest.param("2026-12-11T10:00+00:00", GERMANY, date(2026, 12, 28),
                 id="reg1182-refund-day-on-christmas-rolls-past-the-holidays"),
    pytest.param("2026-06-19T23:30+00:00", GERMANY, date(2026, 7, 6),
                 id="art13-1-day-of-receipt-is-the-trader-zone-day"),
    pytest.param("2026-06-19T21:30+00:00", GERMANY, date(2026, 7, 3),
                 id="art13-1-day-of-receipt-not-counted"),
    pytest.param("2026-05-19T10:00+00:00", Calendar.for_parties("IT", "DE", "Europe/Berlin"),
                 date(2026, 6, 3), id="reg1182-consumer-holiday-counts-too"),
])
def test_refund_is_due_14_days_from_the_day_the_statement_was_received(
    received: str, calendar: Calendar, last_day: date,
) -> None:
    end = refund_deadline(datetime.fromisoformat(received), calendar)
    assert end.last_day == last_day
    assert end.deadline.date() == last_day  # the end of that day, in the latest zone


@pytest.mark.parametrize(("sent", "last_day"), [
    pytest.param("2026-06-18T10:00+00:00", date(2026, 7, 2), id="art14-1-return-within-14-days"),
    pytest.param("2026-06-20T10:00+00:00", date(2026, 7, 6), id="art14-1-return-day-rolls-over"),
])
def test_goods_go_back_within_14_days_of_the_statement(sent: str, last_day: date) -> None:
    assert return_deadline(datetime.fromisoformat(sent), GERMANY).last_day == last_day


KEY = RefundLine("1", Decimal("29.90"))
TWO_KEYS = RefundLine("2", Decimal("35.00"), quantity=2)
STICK = RefundLine("3", Decimal("9.90"), goods=True)


@pytest.mark.parametrize(("lines", "delivery", "whole", "amount"), [
    pytest.param([KEY], None, False, "29.90", id="art13-1-refund-is-the-price-paid"),
    pytest.param([TWO_KEYS], None, False, "70.00", id="art13-1-unit-price-times-quantity"),
    pytest.param([KEY, TWO_KEYS, STICK], Decimal("4.90"), True, "114.70",
                 id="art13-2-delivery-cost-all-lines"),
    pytest.param([KEY, STICK], Decimal("4.90"), False, "39.80",
                 id="art13-2-no-delivery-cost-for-a-part-of-the-order"),
    pytest.param([KEY, TWO_KEYS, STICK], None, True, "109.80",
                 id="art13-2-no-delivery-cost-recorded"),
    pytest.param([], Decimal("4.90"), False, "0", id="art13-1-nothing-accepted-nothing-owed"),
])
def test_refund_amount(lines: list[RefundLine], delivery: Decimal | None, whole: bool,
                       amount: str) -> None:
    assert refund_amount(lines, delivery_cost=delivery, whole_order=whole) == Decimal(amount)


@pytest.mark.parametrize(("line", "returned", "withheld"), [
    pytest.param(STICK, False, True, id="art13-3-goods-withheld-until-returned"),
    pytest.param(STICK, True, False, id="art13-3-goods-back-refund-due"),
    pytest.param(KEY, False, False, id="art13-3-no-withholding-for-digital-content"),
])
def test_the_refund_for_goods_may_wait_for_them(line: RefundLine, returned: bool,
                                                withheld: bool) -> None:
    assert may_withhold(line, returned=returned) is withheld


@pytest.mark.parametrize(("due", "withheld", "overdue"), [
    pytest.param(date(2026, 7, 2), False, True, id="art13-1-overdue-the-day-after"),
    pytest.param(date(2026, 7, 3), False, False, id="art13-1-last-day-is-in-time"),
    pytest.param(date(2026, 7, 2), True, False, id="art13-3-withheld-is-not-overdue"),
    pytest.param(None, False, False, id="art13-1-nothing-due"),
])
def test_overdue(due: date | None, withheld: bool, overdue: bool) -> None:
    assert is_overdue(due, date(2026, 7, 3), withheld=withheld) is overdue


def _key_order(delivered: str) -> tuple[Order, OrderLine]:
    at = datetime.fromisoformat(delivered)
    line = OrderLine("1", "Office key", kind=ProductKind.DIGITAL_CONTENT, delivered_at=at,
                     consent_at=at, acknowledgement_at=at, confirmation_sent_at=at)
    order = Order("1001", "ada@example.org", "Ada", at, (line,), country="DE",
                  withdrawal_info_given_at=at)
    return order, line


@pytest.mark.parametrize(("assessed", "ended"), [
    pytest.param("2026-07-30T10:00+02:00", True, id="art16m-excluded-and-art9-out-of-time"),
    pytest.param("2026-07-03T10:00+02:00", False, id="art16m-excluded-within-the-period"),
])
def test_an_excluded_line_can_be_out_of_time_as_well(assessed: str, ended: bool) -> None:
    order, line = _key_order("2026-07-01T10:00+02:00")
    result = assess(order, line, datetime.fromisoformat(assessed), trader_country="DE",
                    trader_timezone="Europe/Berlin")
    assert result.status is Status.EXCLUDED  # the exclusion still wins the status
    assert result.period_ended is ended
    assert period_ended(result.to_json()) is ended  # also for a stored snapshot
    assert period_ended({"deadline": None, "assessed_at": assessed}) is False
