"""The reasons an assessment gives, each citing the rule it applies, with a plain-language
explanation for consumers.

Messages are English msgids marked with ``N_`` so that ``pybabel extract -k N_`` collects them;
nothing is translated here. The app translates ``Reason.message`` at render time and fills in
``Reason.params`` (``%(name)s`` placeholders). "We" in a message is the shop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it."""
    return message


@dataclass(frozen=True)
class Reason:
    """One finding of an assessment: a stable ``code``, the ``article`` it applies, the English
    ``message`` (a msgid) and its ``params`` as sorted (name, value) pairs, so it stays hashable."""

    code: str
    article: str
    message: str
    params: tuple[tuple[str, str], ...] = ()

    def params_dict(self) -> dict[str, str]:
        """The parameters as a plain dict."""
        return dict(self.params)

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The message, translated by ``translate`` (e.g. the app's gettext) and filled in."""
        msgid = translate(self.message) if translate else self.message
        return msgid % self.params_dict()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: code, article, message and params."""
        return {
            "code": self.code,
            "article": self.article,
            "message": self.message,
            "params": self.params_dict(),
        }

    to_json = as_dict

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        """The reason ``as_dict`` produced (e.g. from a stored assessment snapshot)."""
        params = data.get("params") or {}
        return cls(
            code=str(data["code"]),
            article=str(data["article"]),
            message=str(data["message"]),
            params=tuple(sorted((str(k), str(v)) for k, v in params.items())),
        )


@dataclass(frozen=True)
class ReasonType:
    """An entry of the catalogue; calling it with the parameters makes a ``Reason``."""

    code: str
    article: str
    message: str

    def __call__(self, **params: str) -> Reason:
        return Reason(self.code, self.article, self.message, tuple(sorted(params.items())))


_CRD = "CRD"  # Directive 2011/83/EU as amended by Directives (EU) 2019/2161 and 2023/2673
_REG_1182 = "Regulation (EEC, Euratom) No 1182/71"

# --- The period (Art. 9, 10 CRD; Regulation 1182/71) -------------------------------------------

PERIOD_FROM_CONCLUSION = ReasonType(
    "art9-period-from-conclusion",
    f"{_CRD} Art. 9(2)(a), (c)",
    N_("The 14-day withdrawal period for this item runs from the day the contract was concluded."),
)
PERIOD_FROM_DELIVERY = ReasonType(
    "art9-period-from-delivery",
    f"{_CRD} Art. 9(2)(b)",
    N_("The 14-day withdrawal period for these goods runs from the day you received them."),
)
GOODS_NOT_DELIVERED = ReasonType(
    "art9-goods-not-delivered",
    f"{_CRD} Art. 9(2)(b)",
    N_(
        "You have not received these goods yet, so the 14-day withdrawal period has not started. "
        "You can already withdraw now."
    ),
)
PERIOD_FROM_LAST_DELIVERY = ReasonType(
    "art9-period-from-last-delivery",
    f"{_CRD} Art. 9(2)(b)(i)",
    N_(
        "The 14-day withdrawal period for the goods of this order runs from the day you "
        "received the last of them."
    ),
)
GOODS_NOT_ALL_DELIVERED = ReasonType(
    "art9-goods-not-all-delivered",
    f"{_CRD} Art. 9(2)(b)(i)",
    N_(
        "You have not received all the goods of this order yet, so the 14-day withdrawal "
        "period has not started: it runs from the day you receive the last of them. You can "
        "already withdraw now."
    ),
)
PERIOD_EXPIRED = ReasonType(
    "art9-period-expired",
    f"{_CRD} Art. 9(1)",
    N_(
        "The withdrawal period for this item seems to have ended already. You can still send "
        "this statement; we will review it."
    ),
)
ROLLED_TO_WORKING_DAY = ReasonType(
    "reg1182-rolled-to-working-day",
    f"{_REG_1182} Art. 3(4)",
    N_(
        "The last day of the period fell on a Saturday, Sunday or public holiday, so the period "
        "ends at the end of the next working day instead."
    ),
)
INFORMATION_MISSING = ReasonType(
    "art10-information-missing",
    f"{_CRD} Art. 10(1)",
    N_(
        "Our records do not show that we gave you the required information about your right of "
        "withdrawal before the contract was concluded, so your withdrawal period is extended by "
        "12 months."
    ),
)
INFORMATION_LATE = ReasonType(
    "art10-information-late",
    f"{_CRD} Art. 10(2)",
    N_(
        "We gave you the required information about your right of withdrawal only after the "
        "contract was concluded, so your withdrawal period ends 14 days after the day you "
        "received it (or at the end of the normal period, if that is later)."
    ),
)
ALREADY_WITHDRAWN = ReasonType(
    "art11-already-withdrawn",
    f"{_CRD} Art. 11(1)",
    N_(
        "You already withdrew from this item with statement %(reference)s, so you do not need "
        "to withdraw from it again."
    ),
)

# --- Digital content (Art. 16(m), 14(4)(b) CRD) --------------------------------------------------

DIGITAL_ALL_CONDITIONS = ReasonType(
    "art16m-all-conditions",
    f"{_CRD} Art. 16(m)",
    N_(
        "This digital content (for example a licence key) was delivered after you agreed that "
        "delivery could start at once and acknowledged that you would lose your right of "
        "withdrawal, and we confirmed this to you by e-mail or another durable medium (Art. 16(m) "
        "of the Consumer Rights Directive). The right of withdrawal therefore seems not to apply. "
        "If the content or key does not work, you keep your rights under the legal guarantee of "
        "conformity. You can still send this statement; we will review it."
    ),
)
DIGITAL_NOT_PERFORMED = ReasonType(
    "art16m-not-performed",
    f"{_CRD} Art. 16(m)",
    N_(
        "This digital content has not been delivered to you yet, so the exception for digital "
        "content does not apply and you can withdraw without paying anything for it."
    ),
)
DIGITAL_CONSENT_MISSING = ReasonType(
    "art16m-consent-missing",
    f"{_CRD} Art. 16(m)(i), Art. 14(4)(b)(i)",
    N_(
        "Our records do not show that you expressly agreed that we could deliver this digital "
        "content before the end of the withdrawal period."
        " The exception for digital content therefore cannot remove your right of withdrawal, "
        "and if you withdraw in time you do not have to pay anything for it, even if you have "
        "used it."
    ),
)
DIGITAL_CONSENT_AFTER_DELIVERY = ReasonType(
    "art16m-consent-after-delivery",
    f"{_CRD} Art. 16(m)(i), Art. 14(4)(b)(i)",
    N_(
        "You agreed to immediate delivery only after this digital content had already been "
        "delivered, so it was not the prior consent the law requires."
        " The exception for digital content therefore cannot remove your right of withdrawal, "
        "and if you withdraw in time you do not have to pay anything for it, even if you have "
        "used it."
    ),
)
DIGITAL_ACKNOWLEDGEMENT_MISSING = ReasonType(
    "art16m-acknowledgement-missing",
    f"{_CRD} Art. 16(m)(ii), Art. 14(4)(b)(ii)",
    N_(
        "Our records do not show that you acknowledged that you would lose your right of "
        "withdrawal once delivery of this digital content began."
        " The exception for digital content therefore cannot remove your right of withdrawal, "
        "and if you withdraw in time you do not have to pay anything for it, even if you have "
        "used it."
    ),
)
DIGITAL_ACKNOWLEDGEMENT_AFTER_DELIVERY = ReasonType(
    "art16m-acknowledgement-after-delivery",
    f"{_CRD} Art. 16(m)(ii), Art. 14(4)(b)(ii)",
    N_(
        "You acknowledged that you would lose your right of withdrawal only after this digital "
        "content had already been delivered."
        " The exception for digital content therefore cannot remove your right of withdrawal, "
        "and if you withdraw in time you do not have to pay anything for it, even if you have "
        "used it."
    ),
)
DIGITAL_CONFIRMATION_MISSING = ReasonType(
    "art16m-confirmation-missing",
    f"{_CRD} Art. 16(m)(iii), Art. 8(7), Art. 14(4)(b)(iii)",
    N_(
        "Our records do not show that we confirmed your agreement and acknowledgement to you by "
        "e-mail or another durable medium."
        " The exception for digital content therefore cannot remove your right of withdrawal, "
        "and if you withdraw in time you do not have to pay anything for it, even if you have "
        "used it."
    ),
)

# --- Services (Art. 16(a), 14(3), 14(4)(a) CRD) --------------------------------------------------

SERVICE_ALL_CONDITIONS = ReasonType(
    "art16a-all-conditions",
    f"{_CRD} Art. 16(a)",
    N_(
        "This service was fully performed after you expressly asked us to start it during the "
        "withdrawal period and acknowledged that you would lose your right of withdrawal once it "
        "was fully performed (Art. 16(a) of the Consumer Rights Directive). The right of "
        "withdrawal therefore seems not to apply. If the service was not performed as agreed, "
        "you keep your other legal rights. You can still send this statement; we will review it."
    ),
)
SERVICE_NOT_PERFORMED = ReasonType(
    "art16a-not-fully-performed",
    f"{_CRD} Art. 16(a)",
    N_(
        "This service has not been fully performed yet, so the exception for services does not "
        "apply."
    ),
)
SERVICE_CONSENT_MISSING = ReasonType(
    "art16a-consent-missing",
    f"{_CRD} Art. 16(a), Art. 14(4)(a)(ii)",
    N_(
        "Our records do not show that you expressly asked us to start this service during the "
        "withdrawal period. The exception for services therefore cannot remove your right of "
        "withdrawal, and if you withdraw in time you do not have to pay for any part of the "
        "service already provided."
    ),
)
SERVICE_CONSENT_AFTER_PERFORMANCE = ReasonType(
    "art16a-consent-after-performance",
    f"{_CRD} Art. 16(a), Art. 14(4)(a)(ii)",
    N_(
        "You asked us to start this service only after it had been fully performed, so it was "
        "not the prior request the law requires. The exception for services therefore cannot "
        "remove your right of withdrawal, and if you withdraw in time you do not have to pay for "
        "any part of the service already provided."
    ),
)
SERVICE_ACKNOWLEDGEMENT_MISSING = ReasonType(
    "art16a-acknowledgement-missing",
    f"{_CRD} Art. 16(a)",
    N_(
        "Our records do not show that you acknowledged that you would lose your right of "
        "withdrawal once this service was fully performed. The exception for services therefore "
        "cannot remove your right of withdrawal."
    ),
)
SERVICE_ACKNOWLEDGEMENT_AFTER_PERFORMANCE = ReasonType(
    "art16a-acknowledgement-after-performance",
    f"{_CRD} Art. 16(a)",
    N_(
        "You acknowledged that you would lose your right of withdrawal only after this service "
        "had been fully performed. The exception for services therefore cannot remove your right "
        "of withdrawal."
    ),
)
SERVICE_PROPORTIONATE_PAYMENT = ReasonType(
    "art14-3-proportionate-payment",
    f"{_CRD} Art. 14(3)",
    N_(
        "Because you asked us to start this service during the withdrawal period, if you "
        "withdraw you may have to pay for the part of the service provided until then."
    ),
)
SERVICE_NO_COST_INFORMATION_MISSING = ReasonType(
    "art14-4a-information-missing",
    f"{_CRD} Art. 14(4)(a)(i)",
    N_(
        "Because our records do not show that we gave you the required information about your "
        "right of withdrawal before the contract was concluded, you do not have to pay for any "
        "part of the service already provided if you withdraw."
    ),
)

# --- Goods (Art. 14(2) CRD) ----------------------------------------------------------------------

GOODS_NO_LIABILITY_INFORMATION_MISSING = ReasonType(
    "art14-2-information-missing",
    f"{_CRD} Art. 14(2)",
    N_(
        "Because our records do not show that we gave you the required information about your "
        "right of withdrawal before the contract was concluded, you are not liable for any loss "
        "in value of the goods if you withdraw."
    ),
)

# --- The shop's own policy (not the statutory right) ---------------------------------------------

SHOP_PREORDER_CANCELLATION = ReasonType(
    "shop-preorder-cancellation",
    "Shop policy (not the statutory right of withdrawal)",
    N_(
        "The statutory withdrawal period for this pre-order has ended, but our shop's own policy "
        "still lets you cancel it until a set number of days before its release date. This is a "
        "voluntary policy of our shop, not the statutory right of withdrawal."
    ),
)

CATALOGUE: Mapping[str, ReasonType] = MappingProxyType(
    {
        entry.code: entry
        for entry in (
            PERIOD_FROM_CONCLUSION,
            PERIOD_FROM_DELIVERY,
            PERIOD_FROM_LAST_DELIVERY,
            GOODS_NOT_DELIVERED,
            GOODS_NOT_ALL_DELIVERED,
            PERIOD_EXPIRED,
            ROLLED_TO_WORKING_DAY,
            INFORMATION_MISSING,
            INFORMATION_LATE,
            ALREADY_WITHDRAWN,
            DIGITAL_ALL_CONDITIONS,
            DIGITAL_NOT_PERFORMED,
            DIGITAL_CONSENT_MISSING,
            DIGITAL_CONSENT_AFTER_DELIVERY,
            DIGITAL_ACKNOWLEDGEMENT_MISSING,
            DIGITAL_ACKNOWLEDGEMENT_AFTER_DELIVERY,
            DIGITAL_CONFIRMATION_MISSING,
            SERVICE_ALL_CONDITIONS,
            SERVICE_NOT_PERFORMED,
            SERVICE_CONSENT_MISSING,
            SERVICE_CONSENT_AFTER_PERFORMANCE,
            SERVICE_ACKNOWLEDGEMENT_MISSING,
            SERVICE_ACKNOWLEDGEMENT_AFTER_PERFORMANCE,
            SERVICE_PROPORTIONATE_PAYMENT,
            SERVICE_NO_COST_INFORMATION_MISSING,
            GOODS_NO_LIABILITY_INFORMATION_MISSING,
            SHOP_PREORDER_CANCELLATION,
        )
    }
)
"""Every reason type by code, for documentation, tests and the app's explanations page."""
