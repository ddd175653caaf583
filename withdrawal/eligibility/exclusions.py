"""Whether an exception removes the right of withdrawal (CRD Art. 16(a) services, 16(m) digital
content), and whether withdrawing costs the consumer anything (Art. 14(2), 14(3), 14(4))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import Order, OrderLine, ProductKind
from . import reasons
from .deadlines import information_given_in_time
from .instants import known_at, not_after
from .reasons import Reason, ReasonType


@dataclass(frozen=True)
class ExclusionCheck:
    """``excluded``: an Art. 16 exception seems to apply; ``no_cost``: a withdrawal would cost
    the consumer nothing for what was used or provided; ``reasons``: why."""

    excluded: bool
    no_cost: bool
    reasons: tuple[Reason, ...]


def check_exclusion(order: Order, line: OrderLine, at: datetime) -> ExclusionCheck:
    """The exception and cost rules for the kind of ``line``, as they stand at ``at``."""
    if line.kind is ProductKind.DIGITAL_CONTENT:
        return _digital_content(line, at)
    if line.kind is ProductKind.GOODS:
        return _goods(order, at)
    return _service(order, line, at)


def _digital_content(line: OrderLine, at: datetime) -> ExclusionCheck:
    # Art. 16(m): performance has begun, and all three conditions hold. Any one missing: the
    # right stands and the consumer bears no cost (Art. 14(4)(b)).
    delivered = known_at(line.delivered_at, at)
    if delivered is None:
        return ExclusionCheck(False, True, (reasons.DIGITAL_NOT_PERFORMED(),))
    missing = (
        *_prior(line.consent_at, delivered, at, _DIGITAL_CONSENT),
        *_prior(line.acknowledgement_at, delivered, at, _DIGITAL_ACKNOWLEDGEMENT),
        *_confirmation(line, at),
    )
    if missing:
        return ExclusionCheck(False, True, missing)
    return ExclusionCheck(True, False, (reasons.DIGITAL_ALL_CONDITIONS(),))


def _service(order: Order, line: OrderLine, at: datetime) -> ExclusionCheck:
    # Art. 16(a): fully performed, with prior express consent and acknowledgement.
    performed = known_at(line.delivered_at, at)
    consent = _prior(line.consent_at, performed or at, at, _SERVICE_CONSENT)
    acknowledgement = _prior(line.acknowledgement_at, performed or at, at, _SERVICE_ACK)
    if performed is not None and not consent and not acknowledgement:
        return ExclusionCheck(True, False, (reasons.SERVICE_ALL_CONDITIONS(),))
    # Art. 14(4)(a): no cost without the consumer's express request or the information.
    informed = information_given_in_time(order, at)
    no_cost = bool(consent) or not informed
    found = (
        *(() if performed else (reasons.SERVICE_NOT_PERFORMED(),)),
        *consent,
        *(acknowledgement if performed else ()),
        *(() if informed else (reasons.SERVICE_NO_COST_INFORMATION_MISSING(),)),
        *(() if no_cost else (reasons.SERVICE_PROPORTIONATE_PAYMENT(),)),
    )
    return ExclusionCheck(False, no_cost, found)


def _goods(order: Order, at: datetime) -> ExclusionCheck:
    # No Art. 16 exception is modelled for goods; Art. 14(2): no liability for diminished value
    # when the withdrawal information was not given.
    if information_given_in_time(order, at):
        return ExclusionCheck(False, False, ())
    return ExclusionCheck(False, True, (reasons.GOODS_NO_LIABILITY_INFORMATION_MISSING(),))


_DIGITAL_CONSENT = (reasons.DIGITAL_CONSENT_MISSING, reasons.DIGITAL_CONSENT_AFTER_DELIVERY)
_DIGITAL_ACKNOWLEDGEMENT = (
    reasons.DIGITAL_ACKNOWLEDGEMENT_MISSING,
    reasons.DIGITAL_ACKNOWLEDGEMENT_AFTER_DELIVERY,
)
_SERVICE_CONSENT = (reasons.SERVICE_CONSENT_MISSING, reasons.SERVICE_CONSENT_AFTER_PERFORMANCE)
_SERVICE_ACK = (
    reasons.SERVICE_ACKNOWLEDGEMENT_MISSING,
    reasons.SERVICE_ACKNOWLEDGEMENT_AFTER_PERFORMANCE,
)


def _prior(
    recorded: datetime | None,
    performance: datetime,
    at: datetime,
    kinds: tuple[ReasonType, ReasonType],
) -> tuple[Reason, ...]:
    """No reason if the act was recorded by ``at`` and no later than ``performance``; otherwise
    the "missing" or the "after performance" reason of ``kinds``."""
    missing, too_late = kinds
    if known_at(recorded, at) is None:
        return (missing(),)
    if recorded is not None and not not_after(recorded, performance):
        return (too_late(),)
    return ()


def _confirmation(line: OrderLine, at: datetime) -> tuple[Reason, ...]:
    """Art. 16(m)(iii), Art. 8(7)(b): the trader confirmed the consent and the
    acknowledgement on a durable medium: sent by ``at``, and not before either of them (an
    order e-mail sent before the consumer agreed cannot confirm the agreement)."""
    sent = known_at(line.confirmation_sent_at, at)
    if sent is None or any(act is not None and not not_after(act, sent)
                           for act in (line.consent_at, line.acknowledgement_at)):
        return (reasons.DIGITAL_CONFIRMATION_MISSING(),)
    return ()
