"""The receipts of the demo shop's eight orders (and of an unknown order), built the way the
app builds them but at a fixed instant, so that they render to the same PDF on every run."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from withdrawal.demo.orders import CASES, DemoOrders
from withdrawal.domain import Trader
from withdrawal.eligibility import ShopPolicy
from withdrawal.labels import labels_for
from withdrawal.orders import LawContext
from withdrawal.receipt.pdf import render_receipt_pdf
from withdrawal.statement import canonical_json
from withdrawal.submission import StatementRequest, build_content
from wsgi import DEMO_CONFIG

#: A Monday in November: the demo's deadlines then cross a weekend and a month's end.
SUBMITTED_AT = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)

TRADER = Trader(
    name=DEMO_CONFIG["WITHDRAWAL_TRADER_NAME"],
    address=DEMO_CONFIG["WITHDRAWAL_TRADER_ADDRESS"],
    email=DEMO_CONFIG["WITHDRAWAL_TRADER_EMAIL"],
    country=DEMO_CONFIG["WITHDRAWAL_TRADER_COUNTRY"],
    timezone=DEMO_CONFIG["WITHDRAWAL_TRADER_TIMEZONE"],
)

#: Every case the visual check renders: the eight demo orders, an order the shop does not
#: know, and one whose consumer writes in Chinese, Japanese, Korean and emoji.
NAMES = tuple([case.number for case in CASES] + ["unknown", "scripts"])


def demo_statement(name: str, locale: str = "en") -> dict[str, Any]:
    """The statement as recorded for the demo case ``name`` (all its lines chosen)."""
    law = LawContext(TRADER, ShopPolicy())
    if name == "unknown":
        request = StatementRequest(
            name="Demo Customer", email="someone@demo.example", order_number="77-404",
            locale=locale, description="Two Windows keys bought on 20 November, paid by PayPal",
        )
        return dict(build_content(request, None, labels_for(locale), law, SUBMITTED_AT, {},
                                  "W-DEMO-0404", flags=[]))
    number = "1008" if name == "scripts" else name
    case = next(c for c in CASES if c.number == number)
    order = DemoOrders(clock=lambda: SUBMITTED_AT).find_order(case.number, case.email)
    assert order is not None
    request = StatementRequest(
        name="Demo Customer", email=case.email, order_number=case.number, locale=locale,
        matched=True, lines=tuple(line.line_id for line in order.lines),
    )
    content: dict[str, Any] = dict(build_content(
        request, order, labels_for(locale), law, SUBMITTED_AT, {}, f"W-DEMO-{name.upper()}",
        flags=[],
    ))
    if name == "scripts":
        content["name"] = "王小明 (Wáng Xiǎomíng) 🙂"
        titles = ["写真スタジオ 2026 ★ ✓", "한국어 라이선스 키 — 김민준", "USB 安装盘 ⌀ 12 mm 👍"]
        for line, title in zip(content["lines"], titles, strict=True):
            line["title"] = title
    return content


def demo_receipt(name: str, gettext: Any = None, locale: str = "en") -> bytes:
    """The receipt PDF of the demo case ``name``."""
    statement = demo_statement(name, locale)
    return render_receipt_pdf(
        statement,
        statement_hash=hashlib.sha256(canonical_json(statement)).hexdigest(),
        gettext=gettext or (lambda message: message),
        locale=locale,
    )
