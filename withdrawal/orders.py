"""The shop's orders as the withdrawal function sees them: the look-up (number and e-mail must
both match, R5), its rate limit, and each line's assessment by the legal engine.

Nothing about an order is shown unless number and e-mail both match, and the "not found"
answer is the same whichever was wrong. A failing shop backend or a client over the look-up
limit never blocks the statement: it goes on unmatched and flagged (R4, R11).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from .config import config_value
from .domain import Order, OrderLine, OrderSource, Trader
from .eligibility import Assessment, ShopPolicy, Status, assess
from .guard import DatabaseUnavailable, with_database
from .hostile import storable
from .state import state, trader
from .statement import Flag
from .storage.statements import utcnow, withdrawn_lines

log = logging.getLogger(__name__)


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def find_order(source: OrderSource, number: str, email: str) -> tuple[Order | None, list[str]]:
    """The order only when number and e-mail both match; flags say why a look-up failed."""
    number, email = number.strip(), email.strip()
    try:
        order = source.find_order(number, email)
    except Exception:  # the shop's backend failing must not block the statement
        log.exception("order look-up failed for a withdrawal statement")
        return None, [Flag.ORDER_LOOKUP_FAILED]
    if order is None:
        return None, [Flag.ORDER_NOT_FOUND]
    if order.number.strip() != number or normalise_email(order.email) != normalise_email(email):
        return None, [Flag.ORDER_NOT_FOUND]
    problem = unusable(order)
    if problem:  # the shop's data, not the consumer's: the statement goes on without it
        log.error("the shop's order %r cannot be recorded with a statement: %s", number, problem)
        return None, [Flag.ORDER_LOOKUP_FAILED]
    return order, []


def unusable(order: Order) -> str | None:
    """Why the shop's order cannot be recorded with a statement, or None: two lines with one
    id (the consumer chooses lines, and the record keeps them, by id), or text no database
    column can take (NUL, a lone surrogate)."""
    twice = sorted(line_id for line_id, n in Counter(ln.line_id for ln in order.lines).items()
                   if n > 1)
    if twice:
        return f"line ids used twice: {', '.join(map(repr, twice))}"
    texts = [order.number, order.email, order.customer_name, order.country, order.currency,
             *(text for line in order.lines for text in (line.line_id, line.title))]
    if not all(storable(text) for text in texts if isinstance(text, str)):
        return "text with NUL or a lone surrogate"
    return None


def look_up(number: str, email: str) -> tuple[Order | None, list[str]]:
    """The consumer's look-up of an order (step 1), unless this client or this order number
    is over the limit of failed look-ups: then the statement goes on unmatched and flagged,
    never refused. Only a look-up that finds no order counts (``withdrawal.abuse``)."""
    limiter = state().lookup_limiter
    if limiter is not None and limiter.over(number):
        return None, [Flag.LOOKUP_RATE_LIMITED]
    order, flags = find_order(state().order_source, number, email)
    if limiter is not None and Flag.ORDER_NOT_FOUND in flags:
        limiter.failed(number)
    return order, flags


def order_again(number: str, email: str) -> Order | None:
    """The order asked again at a later step: order data never travels through the browser."""
    order, _flags = find_order(state().order_source, number, email)
    return order


@dataclass(frozen=True)
class LawContext:
    """What the legal engine needs beyond the order: the trader's country and zone, the shop's
    policy, and where goods go back and at whose cost (``WITHDRAWAL_RETURN_ADDRESS``, default
    the trader's address; ``WITHDRAWAL_RETURN_COSTS``, Art. 14(1))."""

    trader: Trader
    policy: ShopPolicy
    return_address: str | None = None
    return_costs: str = "consumer"

    @property
    def returns_to(self) -> str:
        return self.return_address or self.trader.address


def law_context() -> LawContext:
    """The app's trader, shop policy (``WITHDRAWAL_PREORDER_CANCEL_DAYS_BEFORE_RELEASE``) and
    return instructions."""
    days = config_value("PREORDER_CANCEL_DAYS_BEFORE_RELEASE")
    return LawContext(trader(), ShopPolicy(preorder_cancel_days_before_release=days),
                      return_address=config_value("RETURN_ADDRESS"),
                      return_costs=str(config_value("RETURN_COSTS")))


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


def assessed_now(order: Order) -> list[tuple[OrderLine, Assessment]]:
    """Each line of ``order`` as the legal engine sees it now, earlier statements included;
    without them when the database cannot say (the statement is then checked when recorded,
    or flagged when it has to wait in the spool)."""
    try:
        withdrawn = with_database(lambda engine: _withdrawn(engine, order.number))
    except DatabaseUnavailable:
        withdrawn = {}
    return assess_lines(order, utcnow(), law_context(), withdrawn)


def _withdrawn(engine: Engine, order_number: str) -> dict[str, str]:
    with engine.connect() as conn:
        return withdrawn_lines(conn, order_number)


def preselected(assessed: Sequence[tuple[OrderLine, Assessment]]) -> list[str]:
    """Withdrawable lines are ticked by default; every other line stays selectable (R11)."""
    return [line.line_id for line, a in assessed if a.status is Status.WITHDRAWABLE]
