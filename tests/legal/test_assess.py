"""The legal engine by cases: each id names the rule it proves and the case.

Unless a case says otherwise: the trader is in Germany (Europe/Berlin), so is the consumer, the
withdrawal information was given an hour before conclusion, and the line is digital content.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from withdrawal.domain import Order, OrderLine, ProductKind
from withdrawal.eligibility import Assessment, ShopPolicy, Status, assess, assess_order

DC = ProductKind.DIGITAL_CONTENT
SERVICE = ProductKind.SERVICE
DIGITAL_SERVICE = ProductKind.DIGITAL_SERVICE
GOODS = ProductKind.GOODS
BEFORE = "an hour before conclusion"


def dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Facts:
    """What the shop knows about one order line."""

    concluded: str = "2026-07-01T10:00+02:00"
    kind: ProductKind = DC
    delivered: str | None = None
    consent: str | None = None
    ack: str | None = None
    confirmation: str | None = None
    info: str | None = BEFORE
    release: date | None = None
    country: str = "DE"
    trader_country: str = "DE"
    trader_timezone: str = "Europe/Berlin"
    preorder_days: int | None = None
    withdrawn: dict[str, str] = field(default_factory=dict)

    def order(self) -> Order:
        concluded = datetime.fromisoformat(self.concluded)
        info = concluded - timedelta(hours=1) if self.info == BEFORE else dt(self.info)
        return Order(
            number="1001",
            email="ada@example.org",
            customer_name="Ada",
            concluded_at=concluded,
            lines=(self.line(),),
            country=self.country,
            withdrawal_info_given_at=info,
        )

    def line(self) -> OrderLine:
        return OrderLine(
            line_id="L1",
            title="Game key",
            kind=self.kind,
            delivered_at=dt(self.delivered),
            consent_at=dt(self.consent),
            acknowledgement_at=dt(self.ack),
            confirmation_sent_at=dt(self.confirmation),
            release_date=self.release,
        )

    def assess(self, at: str) -> Assessment:
        return assess(
            self.order(),
            self.line(),
            datetime.fromisoformat(at),
            trader_country=self.trader_country,
            trader_timezone=self.trader_timezone,
            policy=ShopPolicy(self.preorder_days),
            already_withdrawn=self.withdrawn,
        )


@dataclass(frozen=True)
class Expect:
    status: str
    deadline: str | None
    codes: tuple[str, ...]
    no_cost: bool = False
    zone: str | None = None
    start: str | None = None


# A key delivered with all three Art. 16(m) conditions in place.
KEY = Facts(
    delivered="2026-07-01T10:05+02:00",
    consent="2026-07-01T10:00+02:00",
    ack="2026-07-01T10:00+02:00",
    confirmation="2026-07-01T10:06+02:00",
)
NOT_PERFORMED = ("art16m-not-performed", "art9-period-from-conclusion")
FROM_CONCLUSION = ("art9-period-from-conclusion",)
ROLLED = "reg1182-rolled-to-working-day"
JULY_15 = "2026-07-15T23:59:59.999999+02:00"

CASES = [
    # --- Art. 9 and Regulation 1182/71: counting --------------------------------------------
    pytest.param(
        Facts(),
        "2026-07-10T12:00+02:00",
        Expect("withdrawable", JULY_15, NOT_PERFORMED, True, "Europe/Berlin", "2026-07-01"),
        id="art9-digital-period-from-conclusion-day-14",
    ),
    pytest.param(
        Facts(),
        "2026-07-15T23:59:59.999999+02:00",
        Expect("withdrawable", JULY_15, NOT_PERFORMED, True),
        id="reg1182-last-instant-of-day-14-in-time",
    ),
    pytest.param(
        Facts(),
        "2026-07-16T00:00+02:00",
        Expect("expired", JULY_15, ("art9-period-expired", *FROM_CONCLUSION)),
        id="reg1182-first-instant-of-day-15-expired",
    ),
    pytest.param(
        Facts(),
        "2026-07-15T22:00+00:00",
        Expect("expired", JULY_15, ("art9-period-expired", *FROM_CONCLUSION)),
        id="reg1182-late-when-compared-in-utc",
    ),
    pytest.param(
        Facts(concluded="2026-06-20T10:00+02:00"),
        "2026-07-06T23:00+02:00",
        Expect("withdrawable", "2026-07-06T23:59:59.999999+02:00", (*NOT_PERFORMED, ROLLED), True),
        id="reg1182-saturday-rolls-to-monday",
    ),
    pytest.param(
        Facts(concluded="2026-06-21T10:00+02:00"),
        "2026-07-06T12:00+02:00",
        Expect("withdrawable", "2026-07-06T23:59:59.999999+02:00", (*NOT_PERFORMED, ROLLED), True),
        id="reg1182-sunday-rolls-to-monday",
    ),
    pytest.param(
        Facts(
            concluded="2026-03-23T10:00+01:00",
            country="IT",
            trader_country="IT",
            trader_timezone="Europe/Rome",
        ),
        "2026-04-07T12:00+02:00",
        Expect(
            "withdrawable",
            "2026-04-07T23:59:59.999999+02:00",
            (*NOT_PERFORMED, ROLLED),
            True,
            "Europe/Rome",
        ),
        id="reg1182-easter-monday-italy",
    ),
    pytest.param(
        Facts(concluded="2025-09-19T10:00+02:00", country="IT"),
        "2025-10-06T12:00+02:00",
        Expect(
            "withdrawable",
            "2025-10-06T23:59:59.999999+02:00",
            (*NOT_PERFORMED, ROLLED),
            True,
            "Europe/Rome",
        ),
        id="reg1182-holiday-only-in-trader-country-de-unity-day",
    ),
    pytest.param(
        Facts(concluded="2026-05-19T10:00+02:00", country="IT"),
        "2026-06-03T12:00+02:00",
        Expect("withdrawable", "2026-06-03T23:59:59.999999+02:00", (*NOT_PERFORMED, ROLLED), True),
        id="reg1182-holiday-only-in-consumer-country-it-republic-day",
    ),
    pytest.param(
        Facts(concluded="2026-12-18T10:00+01:00"),
        "2027-01-04T12:00+01:00",
        Expect("withdrawable", "2027-01-04T23:59:59.999999+01:00", (*NOT_PERFORMED, ROLLED), True),
        id="reg1182-new-year-rolls-past-weekend",
    ),
    pytest.param(
        Facts(concluded="2026-12-11T10:00+01:00"),
        "2026-12-28T12:00+01:00",
        Expect("withdrawable", "2026-12-28T23:59:59.999999+01:00", (*NOT_PERFORMED, ROLLED), True),
        id="reg1182-christmas-and-weekend-chain",
    ),
    pytest.param(
        Facts(concluded="2026-03-20T10:00+01:00"),
        "2026-04-07T12:00+02:00",
        Expect("withdrawable", "2026-04-07T23:59:59.999999+02:00", (*NOT_PERFORMED, ROLLED), True),
        id="reg1182-good-friday-to-easter-monday-chain",
    ),
    pytest.param(
        Facts(concluded="2026-03-15T10:00+01:00"),
        "2026-03-30T21:59:59.999999+00:00",
        Expect("withdrawable", "2026-03-30T23:59:59.999999+02:00", (*NOT_PERFORMED, ROLLED), True),
        id="reg1182-dst-starts-on-day-14-summer-offset",
    ),
    pytest.param(
        Facts(concluded="2026-03-15T10:00+01:00"),
        "2026-03-30T22:00+00:00",
        Expect(
            "expired",
            "2026-03-30T23:59:59.999999+02:00",
            ("art9-period-expired", *FROM_CONCLUSION, ROLLED),
        ),
        id="reg1182-dst-starts-on-day-14-late-by-utc",
    ),
    pytest.param(
        Facts(concluded="2026-10-11T10:00+02:00"),
        "2026-10-26T22:59:59+00:00",
        Expect("withdrawable", "2026-10-26T23:59:59.999999+01:00", (*NOT_PERFORMED, ROLLED), True),
        id="reg1182-dst-ends-on-day-14-winter-offset",
    ),
    # --- Which clock: the latest zone of either party -------------------------------------------
    pytest.param(
        Facts(country="PT"),
        "2026-07-15T23:30+00:00",
        Expect(
            "withdrawable",
            "2026-07-15T23:59:59.999999+00:00",
            NOT_PERFORMED,
            True,
            "Atlantic/Azores",
        ),
        id="reg1182-zone-pt-consumer-azores-latest",
    ),
    pytest.param(
        Facts(country="ES"),
        "2026-07-10T12:00+02:00",
        Expect(
            "withdrawable",
            "2026-07-15T23:59:59.999999+01:00",
            NOT_PERFORMED,
            True,
            "Atlantic/Canary",
        ),
        id="reg1182-zone-es-consumer-canary-latest",
    ),
    pytest.param(
        Facts(country="FI", trader_country="PT", trader_timezone="Europe/Lisbon"),
        "2026-07-10T12:00+02:00",
        Expect(
            "withdrawable", "2026-07-15T23:59:59.999999+01:00", NOT_PERFORMED, True, "Europe/Lisbon"
        ),
        id="reg1182-zone-trader-later-than-consumer",
    ),
    pytest.param(
        Facts(country=""),
        "2026-07-10T12:00+02:00",
        Expect("withdrawable", JULY_15, NOT_PERFORMED, True, "Europe/Berlin"),
        id="reg1182-zone-empty-consumer-country-uses-trader",
    ),
    pytest.param(
        Facts(concluded="2026-06-20T10:00+02:00", country="XX"),
        "2026-07-06T12:00+02:00",
        Expect(
            "withdrawable",
            "2026-07-06T23:59:59.999999+02:00",
            (*NOT_PERFORMED, ROLLED),
            True,
            "Europe/Berlin",
        ),
        id="reg1182-unknown-consumer-country-weekend-still-rolls",
    ),
    pytest.param(
        Facts(concluded="2026-03-11T10:00+01:00", country="el"),
        "2026-03-20T12:00+01:00",
        Expect(
            "withdrawable",
            "2026-03-26T23:59:59.999999+01:00",
            (*NOT_PERFORMED, ROLLED),
            True,
            "Europe/Berlin",
        ),
        id="reg1182-greece-as-el-independence-day",
    ),
    pytest.param(
        Facts(concluded="2026-07-01T23:30+01:00", country="PT"),
        "2026-07-10T12:00+02:00",
        Expect(
            "withdrawable",
            "2026-07-16T23:59:59.999999+00:00",
            NOT_PERFORMED,
            True,
            "Atlantic/Azores",
            "2026-07-02",
        ),
        id="art9-event-day-is-the-latest-local-date",
    ),
    # --- Art. 10: missing or late withdrawal information ---------------------------------------
    pytest.param(
        Facts(info=None),
        "2027-07-15T23:00+02:00",
        Expect(
            "withdrawable",
            "2027-07-15T23:59:59.999999+02:00",
            (*NOT_PERFORMED, "art10-information-missing"),
            True,
        ),
        id="art10-information-missing-12-months",
    ),
    pytest.param(
        Facts(info=None),
        "2027-07-16T00:00+02:00",
        Expect(
            "expired",
            "2027-07-15T23:59:59.999999+02:00",
            ("art9-period-expired", *FROM_CONCLUSION, "art10-information-missing"),
        ),
        id="art10-information-missing-expires-after-12-months",
    ),
    pytest.param(
        Facts(concluded="2024-02-15T10:00+01:00", info=None),
        "2025-02-28T12:00+01:00",
        Expect(
            "withdrawable",
            "2025-02-28T23:59:59.999999+01:00",
            (*NOT_PERFORMED, "art10-information-missing"),
            True,
        ),
        id="art10-leap-day-initial-end-to-28-february",
    ),
    pytest.param(
        Facts(concluded="2026-05-01T10:00+02:00", info=None),
        "2027-05-18T12:00+02:00",
        Expect(
            "withdrawable",
            "2027-05-18T23:59:59.999999+02:00",
            (*NOT_PERFORMED, "art10-information-missing", ROLLED),
            True,
        ),
        id="art10-extension-rolls-past-saturday-and-whit-monday",
    ),
    pytest.param(
        Facts(info="2026-07-20T09:00+02:00"),
        "2026-07-25T12:00+02:00",
        Expect(
            "withdrawable",
            "2026-08-03T23:59:59.999999+02:00",
            (*NOT_PERFORMED, "art10-information-late"),
            True,
        ),
        id="art10-information-late-14-days-from-receipt",
    ),
    pytest.param(
        Facts(info="2026-07-01T10:00+02:00"),
        "2026-07-10T12:00+02:00",
        Expect("withdrawable", JULY_15, NOT_PERFORMED, True),
        id="art10-information-at-conclusion-instant-is-in-time",
    ),
    pytest.param(
        Facts(info="2027-07-10T09:00+02:00"),
        "2027-07-12T12:00+02:00",
        Expect(
            "withdrawable",
            "2027-07-15T23:59:59.999999+02:00",
            (*NOT_PERFORMED, "art10-information-missing"),
            True,
        ),
        id="art10-information-after-12-months-keeps-extension",
    ),
    pytest.param(
        Facts(info="2026-07-20T09:00+02:00"),
        "2026-07-18T12:00+02:00",
        Expect(
            "withdrawable",
            "2027-07-15T23:59:59.999999+02:00",
            (*NOT_PERFORMED, "art10-information-missing"),
            True,
        ),
        id="art10-information-recorded-after-the-statement-not-yet-given",
    ),
    pytest.param(
        Facts(kind=GOODS, info="2026-07-03T09:00+02:00", delivered="2026-07-10T15:00+02:00"),
        "2026-07-20T12:00+02:00",
        Expect(
            "withdrawable",
            "2026-07-24T23:59:59.999999+02:00",
            ("art14-2-information-missing", "art9-period-from-delivery", "art10-information-late"),
            True,
            start="2026-07-10",
        ),
        id="art10-goods-information-late-but-before-delivery",
    ),
    # --- Art. 16(m): digital content --------------------------------------------------------
    pytest.param(
        KEY,
        "2026-07-03T12:00+02:00",
        Expect("excluded", JULY_15, ("art16m-all-conditions",)),
        id="art16m-all-conditions",
    ),
    pytest.param(
        KEY,
        "2026-09-01T12:00+02:00",
        Expect("excluded", JULY_15, ("art16m-all-conditions",)),
        id="art16m-excluded-wins-over-expired",
    ),
    pytest.param(
        replace(KEY, consent="2026-07-01T10:05+02:00", ack="2026-07-01T10:05+02:00"),
        "2026-07-03T12:00+02:00",
        Expect("excluded", JULY_15, ("art16m-all-conditions",)),
        id="art16m-consent-at-the-delivery-instant-is-prior",
    ),
    pytest.param(
        replace(KEY, consent=None),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, ("art16m-consent-missing", *FROM_CONCLUSION), True),
        id="art16m-consent-missing",
    ),
    pytest.param(
        replace(KEY, ack=None),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, ("art16m-acknowledgement-missing", *FROM_CONCLUSION), True),
        id="art16m-acknowledgement-missing",
    ),
    pytest.param(
        replace(KEY, confirmation=None),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, ("art16m-confirmation-missing", *FROM_CONCLUSION), True),
        id="art16m-confirmation-missing",
    ),
    pytest.param(
        replace(KEY, consent="2026-07-01T10:06+02:00"),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, ("art16m-consent-after-delivery", *FROM_CONCLUSION), True),
        id="art16m-consent-after-delivery",
    ),
    pytest.param(
        replace(KEY, ack="2026-07-02T08:00+02:00"),  # after the confirmation too
        "2026-07-03T12:00+02:00",
        Expect(
            "withdrawable",
            JULY_15,
            ("art16m-acknowledgement-after-delivery", "art16m-confirmation-missing",
             *FROM_CONCLUSION),
            True,
        ),
        id="art16m-acknowledgement-after-delivery",
    ),
    pytest.param(
        replace(KEY, confirmation="2026-07-05T08:00+02:00"),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, ("art16m-confirmation-missing", *FROM_CONCLUSION), True),
        id="art16m-confirmation-sent-after-the-statement",
    ),
    pytest.param(  # the order e-mail, sent before the consent it would have to confirm
        replace(KEY, confirmation="2026-07-01T09:59+02:00"),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, ("art16m-confirmation-missing", *FROM_CONCLUSION), True),
        id="art16m-confirmation-sent-before-the-consent",
    ),
    pytest.param(
        replace(KEY, ack="2026-07-01T10:03+02:00", confirmation="2026-07-01T10:02+02:00"),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, ("art16m-confirmation-missing", *FROM_CONCLUSION), True),
        id="art16m-confirmation-sent-before-the-acknowledgement",
    ),
    pytest.param(
        Facts(consent=KEY.consent, ack=KEY.ack),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, NOT_PERFORMED, True),
        id="art16m-not-performed",
    ),
    pytest.param(
        replace(KEY, delivered="2026-07-04T10:00+02:00"),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, NOT_PERFORMED, True),
        id="art16m-delivered-after-the-statement-not-performed",
    ),
    pytest.param(
        Facts(delivered=KEY.delivered),
        "2026-07-03T12:00+02:00",
        Expect(
            "withdrawable",
            JULY_15,
            (
                "art16m-consent-missing",
                "art16m-acknowledgement-missing",
                "art16m-confirmation-missing",
                *FROM_CONCLUSION,
            ),
            True,
        ),
        id="art16m-all-conditions-missing",
    ),
    pytest.param(
        replace(KEY, consent=None),
        "2026-07-16T00:00+02:00",
        Expect("expired", JULY_15, ("art9-period-expired", *FROM_CONCLUSION)),
        id="art16m-consent-missing-but-period-expired",
    ),
    # --- Art. 16(a): services -----------------------------------------------------------------
    pytest.param(
        replace(KEY, kind=SERVICE),
        "2026-07-03T12:00+02:00",
        Expect("excluded", JULY_15, ("art16a-all-conditions",)),
        id="art16a-fully-performed-with-consent-and-acknowledgement",
    ),
    pytest.param(
        Facts(kind=SERVICE, consent=KEY.consent, ack=KEY.ack),
        "2026-07-03T12:00+02:00",
        Expect(
            "withdrawable",
            JULY_15,
            ("art16a-not-fully-performed", "art14-3-proportionate-payment", *FROM_CONCLUSION),
        ),
        id="art16a-not-fully-performed-pays-proportionately",
    ),
    pytest.param(
        Facts(kind=DIGITAL_SERVICE, delivered=KEY.delivered, ack=KEY.ack),
        "2026-07-03T12:00+02:00",
        Expect("withdrawable", JULY_15, ("art16a-consent-missing", *FROM_CONCLUSION), True),
        id="art16a-digital-service-consent-missing-no-cost",
    ),
    pytest.param(
        Facts(kind=SERVICE, delivered=KEY.delivered, consent=KEY.consent),
        "2026-07-03T12:00+02:00",
        Expect(
            "withdrawable",
            JULY_15,
            ("art16a-acknowledgement-missing", "art14-3-proportionate-payment", *FROM_CONCLUSION),
        ),
        id="art16a-acknowledgement-missing",
    ),
    pytest.param(
        replace(KEY, kind=SERVICE, consent="2026-07-02T10:00+02:00"),
        "2026-07-03T12:00+02:00",
        Expect(
            "withdrawable", JULY_15, ("art16a-consent-after-performance", *FROM_CONCLUSION), True
        ),
        id="art16a-consent-after-performance",
    ),
    pytest.param(
        Facts(kind=SERVICE, consent=KEY.consent, ack=KEY.ack, info=None),
        "2026-07-03T12:00+02:00",
        Expect(
            "withdrawable",
            "2027-07-15T23:59:59.999999+02:00",
            (
                "art16a-not-fully-performed",
                "art14-4a-information-missing",
                *FROM_CONCLUSION,
                "art10-information-missing",
            ),
            True,
        ),
        id="art14-4a-service-information-missing-no-cost",
    ),
    # --- Art. 9(2)(b): goods --------------------------------------------------------------------
    pytest.param(
        Facts(kind=GOODS),
        "2027-12-01T12:00+01:00",
        Expect("withdrawable", None, ("art9-goods-not-delivered",)),
        id="art9-goods-not-delivered",
    ),
    pytest.param(
        Facts(kind=GOODS, delivered="2026-07-10T15:00+02:00"),
        "2026-07-20T12:00+02:00",
        Expect(
            "withdrawable",
            "2026-07-24T23:59:59.999999+02:00",
            ("art9-period-from-delivery",),
            start="2026-07-10",
        ),
        id="art9-goods-period-from-delivery",
    ),
    pytest.param(
        Facts(kind=GOODS, delivered="2026-07-10T15:00+02:00"),
        "2026-07-25T00:00+02:00",
        Expect(
            "expired",
            "2026-07-24T23:59:59.999999+02:00",
            ("art9-period-expired", "art9-period-from-delivery"),
        ),
        id="art9-goods-expired",
    ),
    pytest.param(
        Facts(kind=GOODS, delivered="2026-07-10T15:00+02:00", info=None),
        "2026-08-01T12:00+02:00",
        Expect(
            "withdrawable",
            "2027-07-26T23:59:59.999999+02:00",
            (
                "art14-2-information-missing",
                "art9-period-from-delivery",
                "art10-information-missing",
                ROLLED,
            ),
            True,
        ),
        id="art14-2-goods-information-missing-no-liability",
    ),
    # --- Pre-orders and the shop's own policy ---------------------------------------------------
    pytest.param(
        Facts(release=date(2026, 12, 1), preorder_days=7),
        "2026-07-10T12:00+02:00",
        Expect("withdrawable", JULY_15, NOT_PERFORMED, True),
        id="preorder-art16m-not-performed-within-statutory-period",
    ),
    pytest.param(
        Facts(release=date(2026, 12, 1), preorder_days=7),
        "2026-11-24T23:00+01:00",
        Expect(
            "shop-policy",
            JULY_15,
            ("shop-preorder-cancellation", "art9-period-expired", *FROM_CONCLUSION),
        ),
        id="shop-preorder-cancellation-beyond-statutory-period",
    ),
    pytest.param(
        Facts(release=date(2026, 12, 1), preorder_days=7),
        "2026-11-25T00:00+01:00",
        Expect("expired", JULY_15, ("art9-period-expired", *FROM_CONCLUSION)),
        id="shop-preorder-cancellation-cutoff-passed",
    ),
    pytest.param(
        Facts(release=date(2026, 12, 1)),
        "2026-08-01T12:00+02:00",
        Expect("expired", JULY_15, ("art9-period-expired", *FROM_CONCLUSION)),
        id="shop-preorder-policy-off-expired",
    ),
    pytest.param(
        Facts(kind=GOODS, release=date(2026, 12, 1), preorder_days=7),
        "2026-11-30T12:00+01:00",
        Expect("withdrawable", None, ("art9-goods-not-delivered",)),
        id="preorder-goods-not-delivered-statutory-right",
    ),
    pytest.param(
        replace(KEY, release=date(2026, 7, 1), preorder_days=7),
        "2026-07-03T12:00+02:00",
        Expect("excluded", JULY_15, ("art16m-all-conditions",)),
        id="preorder-released-and-delivered-art16m-all-conditions",
    ),
    # --- Art. 11: already withdrawn -----------------------------------------------------------
    pytest.param(
        Facts(withdrawn={"L1": "W-2026-000123"}),
        "2026-07-10T12:00+02:00",
        Expect("already-withdrawn", JULY_15, ("art11-already-withdrawn", *NOT_PERFORMED), True),
        id="art11-already-withdrawn",
    ),
    pytest.param(
        Facts(withdrawn={"L2": "W-2026-000123"}),
        "2026-07-10T12:00+02:00",
        Expect("withdrawable", JULY_15, NOT_PERFORMED, True),
        id="art11-other-line-withdrawn",
    ),
]


@pytest.mark.parametrize(("facts", "at", "expect"), CASES)
def test_assess(facts: Facts, at: str, expect: Expect) -> None:
    result = facts.assess(at)
    assert result.status == Status(expect.status)
    assert result.codes == expect.codes
    assert result.no_cost is expect.no_cost
    deadline = result.deadline.isoformat() if result.deadline else None
    assert deadline == expect.deadline
    if expect.zone:
        assert result.deadline_timezone == expect.zone
    if expect.start:
        assert result.period_start == date.fromisoformat(expect.start)


def test_already_withdrawn_carries_the_reference() -> None:
    result = Facts(withdrawn={"L1": "W-2026-000123"}).assess("2026-07-10T12:00+02:00")
    assert result.reasons[0].params_dict() == {"reference": "W-2026-000123"}
    assert "W-2026-000123" in result.reasons[0].text()


def test_shop_policy_gives_its_own_deadline() -> None:
    facts = Facts(release=date(2026, 12, 1), preorder_days=7)
    result = facts.assess("2026-08-01T12:00+02:00")
    assert result.status is Status.SHOP_POLICY
    assert result.policy_deadline is not None
    assert result.policy_deadline.isoformat() == "2026-11-24T23:59:59.999999+01:00"
    assert result.reasons[0].article.startswith("Shop policy")
    assert "not the statutory right" in result.reasons[0].message


def test_goods_not_delivered_has_no_period() -> None:
    result = Facts(kind=GOODS).assess("2026-07-10T12:00+02:00")
    assert (result.period_start, result.deadline, result.deadline_timezone) == (None, None, None)


def test_mixed_order_lines_are_assessed_independently() -> None:
    concluded = datetime.fromisoformat("2026-07-01T10:00+02:00")
    key = KEY.line()
    lines = (
        key,
        OrderLine("L2", "Key, no consent", delivered_at=key.delivered_at),
        OrderLine("L3", "Headset", kind=GOODS, delivered_at=dt("2026-07-10T15:00+02:00")),
        OrderLine("L4", "Headset stand", kind=GOODS),
        OrderLine("L5", "Setup service", kind=SERVICE, consent_at=concluded),
    )
    order = Order(
        "1001",
        "ada@example.org",
        "Ada",
        concluded,
        lines,
        country="DE",
        withdrawal_info_given_at=concluded,
    )
    at = datetime.fromisoformat("2026-07-20T12:00+02:00")
    results = assess_order(
        order,
        at,
        trader_country="DE",
        trader_timezone="Europe/Berlin",
        already_withdrawn={"L3": "W-1"},
    )
    assert list(results) == ["L1", "L2", "L3", "L4", "L5"]
    assert {k: v.status.value for k, v in results.items()} == {
        "L1": "excluded",
        "L2": "expired",
        "L3": "already-withdrawn",
        "L4": "withdrawable",
        "L5": "expired",
    }
    # Art. 9(2)(b)(i): the headset's period waits for the stand, the last goods of the order
    assert results["L3"].deadline is None and results["L4"].period_start is None
    assert "art9-goods-not-all-delivered" in [r.code for r in results["L3"].reasons]


def _two_goods(first: str | None, last: str | None) -> Order:
    concluded = datetime.fromisoformat("2026-07-01T10:00+02:00")
    return Order("1001", "ada@example.org", "Ada", concluded, (
        OrderLine("A", "Headset", kind=GOODS, delivered_at=dt(first)),
        OrderLine("B", "Headset stand", kind=GOODS, delivered_at=dt(last)),
    ), country="DE", withdrawal_info_given_at=concluded)


@pytest.mark.parametrize(("first", "last", "at", "status", "deadline", "code"), [
    pytest.param("2026-07-02T15:00+02:00", "2026-07-20T15:00+02:00", "2026-07-25T12:00+02:00",
                 "withdrawable", "2026-08-03T23:59:59.999999+02:00",
                 "art9-period-from-last-delivery", id="art9-2-b-i-period-from-the-last-goods"),
    pytest.param("2026-07-02T15:00+02:00", None, "2026-07-25T12:00+02:00",
                 "withdrawable", None, "art9-goods-not-all-delivered",
                 id="art9-2-b-i-last-goods-not-received-yet"),
    pytest.param("2026-07-02T15:00+02:00", "2026-07-20T15:00+02:00", "2026-08-04T00:00+02:00",
                 "expired", "2026-08-03T23:59:59.999999+02:00",
                 "art9-period-from-last-delivery", id="art9-2-b-i-expired-after-the-last-goods"),
])
def test_goods_of_one_order_delivered_separately(
    first: str, last: str | None, at: str, status: str, deadline: str | None, code: str,
) -> None:
    results = assess_order(_two_goods(first, last), datetime.fromisoformat(at),
                           trader_country="DE", trader_timezone="Europe/Berlin")
    for result in results.values():
        if result.line_id == "B" and last is None:
            assert [r.code for r in result.reasons] == ["art9-goods-not-delivered"]
            continue
        assert result.status.value == status
        assert result.deadline == (datetime.fromisoformat(deadline) if deadline else None)
        assert code in [r.code for r in result.reasons]


@pytest.mark.parametrize(
    "field_name",
    ["at", "concluded_at", "withdrawal_info_given_at", "delivered_at", "consent_at"],
)
def test_naive_datetimes_are_refused(field_name: str) -> None:
    naive = datetime(2026, 7, 1, 12, 0)
    order, line = KEY.order(), KEY.line()
    at = datetime.fromisoformat("2026-07-03T12:00+02:00")
    naive_field: dict[str, Any] = {field_name: naive}
    if field_name == "at":
        at = naive
    elif field_name in ("concluded_at", "withdrawal_info_given_at"):
        order = replace(order, **naive_field)
    else:
        line = replace(line, **naive_field)
    with pytest.raises(ValueError, match="aware"):
        assess(order, line, at, trader_country="DE", trader_timezone="Europe/Berlin")


def test_unknown_trader_timezone_is_refused() -> None:
    facts = Facts()
    with pytest.raises(ValueError, match="time zone"):
        assess(
            facts.order(),
            facts.line(),
            datetime.fromisoformat("2026-07-03T12:00+02:00"),
            trader_country="DE",
            trader_timezone="Mars/Olympus_Mons",
        )


def test_negative_preorder_days_are_refused() -> None:
    with pytest.raises(ValueError):
        ShopPolicy(preorder_cancel_days_before_release=-1)


def test_art16m_times_compared_as_instants_in_the_repeated_dst_hour() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    first_pass = datetime(2026, 10, 25, 2, 45, tzinfo=berlin)  # 00:45 UTC
    second_pass = datetime(2026, 10, 25, 2, 30, tzinfo=berlin, fold=1)  # 01:30 UTC
    line = OrderLine(
        "L1",
        "Key",
        delivered_at=second_pass,
        consent_at=first_pass,
        acknowledgement_at=first_pass,
        confirmation_sent_at=second_pass,
    )
    order = Order(
        "1", "a@example.org", "A", first_pass, (line,), "DE", withdrawal_info_given_at=first_pass
    )
    at = datetime(2026, 10, 26, 12, 0, tzinfo=berlin)
    result = assess(order, line, at, trader_country="DE", trader_timezone="Europe/Berlin")
    assert result.codes == ("art16m-all-conditions",)
