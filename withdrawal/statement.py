"""The recorded statement: its shape, the names of what happens to it, and its one byte form.

Pure: nothing here imports Flask or SQLAlchemy. The statement's content is recorded once, in
the hash chain, as the canonical JSON of :class:`StatementContent`; every later fact about it
is an event of one of the :class:`EventType` kinds; the messages owed for it have a
:class:`Purpose`; the reviewer's hints are :class:`Flag` values; the documents kept for it are
of a :class:`DocumentKind`. The evidence bundle's stand-alone ``check.py`` keeps a deliberate
copy of :func:`canonical_json` so that it runs without this package.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, NotRequired, TypedDict

from .eligibility.model import Status


class TraderJSON(TypedDict):
    """The trader as the acknowledgement names it."""

    name: str
    address: str
    email: str


class LineJSON(TypedDict):
    """One chosen order line with its assessment at the instant of submission
    (``Assessment.to_json()``)."""

    line_id: str
    title: str
    quantity: int
    unit_price: str  # a Decimal as text: JSON has no exact decimals
    kind: str  # ProductKind value
    assessment: dict[str, Any]


class LabelsJSON(TypedDict):
    """The statutory labels the consumer was shown (``StatutoryLabels.to_json()``).

    ``country`` (the country whose wording was chosen, or None), ``provision`` (the article
    cited) and ``fallback`` (an unknown locale or country asked for, or None) are recorded
    since the labels depend on the consumer's country; older statements lack them."""

    locale: str
    entry: str
    confirm: str
    verified: bool
    source: str
    overridden: bool
    country: NotRequired[str | None]
    provision: NotRequired[str]
    fallback: NotRequired[dict[str, str] | None]


class ReturnsJSON(TypedDict):
    """Where and by when goods go back (Art. 14(1)), as the acknowledgement told the consumer:
    ``address`` (``WITHDRAWAL_RETURN_ADDRESS``), ``costs`` ("consumer" or "trader",
    ``WITHDRAWAL_RETURN_COSTS``), ``until`` (the last day to send them, ISO date)."""

    address: str
    costs: str
    until: str


class StatementContent(TypedDict):
    """A withdrawal statement exactly as recorded, hashed and acknowledged.

    ``submitted_at`` is the server's instant of the confirmation in UTC with microseconds
    (Art. 11a(4): the date and time of submission); ``timezone`` the consumer's zone it is also
    shown in. ``order_email`` is the order's own address when the order was found (R22).
    ``contract_description`` is what the consumer wrote when no order was found (R11).

    Recorded since the decisions per line (older statements lack them): ``country``, the
    order's country (the calendar of the refund's due date); ``delivery_cost``, the order's
    standard delivery cost as text, or None; ``whole_order``, whether this statement and
    earlier ones together withdraw from every line of the order (Art. 13(1), (2)); ``returns``,
    the return instructions when goods were chosen, else None."""

    reference: str
    submitted_at: str
    timezone: str
    locale: str
    name: str
    email: str
    order_number: str | None
    order_matched: bool
    order_email: str | None
    contract_description: str
    currency: str | None
    trader: TraderJSON
    lines: list[LineJSON]
    labels: LabelsJSON
    flags: list[str]
    country: NotRequired[str]
    delivery_cost: NotRequired[str | None]
    whole_order: NotRequired[bool]
    returns: NotRequired[ReturnsJSON | None]


class Purpose(enum.StrEnum):
    """Why a message is owed: for a statement, or (``ANCHOR``) for the chain as a whole."""

    ACKNOWLEDGEMENT = "acknowledgement"
    """The acknowledgement of receipt on a durable medium, with the PDF (Art. 11a(4))."""
    ORDER_NOTICE = "order-notice"
    """A short notice to the order's own address when the consumer gave another (R22)."""
    SHOP_COPY = "shop-copy"
    """The shop's own copy (``WITHDRAWAL_NOTIFY``)."""
    WEBHOOK = "webhook"
    """An event POSTed to a back office's endpoint (``WITHDRAWAL_WEBHOOKS``)."""
    ANCHOR = "anchor"
    """An anchor of the chain's head to a ``mailto:`` witness (no statement: its outbox entry
    names the anchor instead)."""
    DECISION_NOTICE = "decision-notice"
    """The consumer is told of a decision on their statement (``WITHDRAWAL_DECISION_NOTICES``);
    the outbox entry names the decision's chain entry (``event_seq``)."""


class EventType(enum.StrEnum):
    """The facts appended to the chain after a statement, and the chain's own anchors
    (``CHAIN_ANCHORED`` and the anchor e-mail's ``ANCHOR_SENT``/``ANCHOR_FAILED``, recorded
    under :data:`CHAIN_REFERENCE`)."""

    ACKNOWLEDGEMENT_SENT = "acknowledgement-sent"
    ACKNOWLEDGEMENT_FAILED = "acknowledgement-failed"
    RECEIPT_PDF_STORED = "receipt-pdf-stored"
    RESEND_REQUESTED = "resend-requested"
    DECISION = "decision"
    PERSONAL_DATA_ERASED = "personal-data-erased"
    WEBHOOK_SENT = "webhook-sent"
    WEBHOOK_FAILED = "webhook-failed"
    ACKNOWLEDGEMENT_EML_STORED = "acknowledgement-eml-stored"
    DECISION_NOTICE_EML_STORED = "decision-notice-eml-stored"
    """A decision notice kept as sent: ``message_id``, ``sha256`` and the decision's entry
    (``event_seq``), which names the document (``notice_kind``)."""
    ACKNOWLEDGEMENT_BOUNCED = "acknowledgement-bounced"
    CHAIN_ANCHORED = "chain-anchored"
    ANCHOR_SENT = "anchor-sent"
    ANCHOR_FAILED = "anchor-failed"

    REFUND_OVERDUE = "refund-overdue"
    """The refund of some accepted lines was not recorded by its due date; the shop was
    signalled (``refund_overdue``) once."""

    ACKNOWLEDGEMENT_INTERRUPTED = "acknowledgement-interrupted"
    """A worker claimed the message and never recorded the outcome (it died, perhaps after
    the SMTP server accepted the message): recorded before the message is sent again, with the
    same Message-ID (``delivery/outbox.py``). ``ANCHOR_INTERRUPTED`` and
    ``WEBHOOK_INTERRUPTED`` are the same for an anchor's e-mail and a webhook."""
    ANCHOR_INTERRUPTED = "anchor-interrupted"
    WEBHOOK_INTERRUPTED = "webhook-interrupted"


class WebhookEvent(enum.StrEnum):
    """What a back office may subscribe to (``WITHDRAWAL_WEBHOOKS``): the ``type`` of a
    webhook's payload."""

    STATEMENT_SUBMITTED = "statement.submitted"
    ACKNOWLEDGEMENT_SENT = "acknowledgement.sent"
    ACKNOWLEDGEMENT_FAILED = "acknowledgement.failed"
    DECISION_RECORDED = "decision.recorded"
    """Sent by the statement lifecycle (issue 14) through ``delivery.webhooks.owe_webhooks``."""


class Flag(enum.StrEnum):
    """Hints for the reviewer, recorded with the statement. None of them refuses it (R4, R11)."""

    ORDER_NOT_FOUND = "order-not-found"
    ORDER_LOOKUP_FAILED = "order-lookup-failed"
    ORDER_VANISHED = "order-vanished"
    LOOKUP_RATE_LIMITED = "lookup-rate-limited"
    CHOSEN_EXCLUDED = "chosen-" + Status.EXCLUDED
    CHOSEN_EXPIRED = "chosen-" + Status.EXPIRED
    CHOSEN_SHOP_POLICY = "chosen-" + Status.SHOP_POLICY
    CHOSEN_ALREADY_WITHDRAWN = "chosen-" + Status.ALREADY_WITHDRAWN
    SPOOLED = "spooled"
    """The database could not take the statement when it was submitted: it waited in the
    spool and was recorded later, with its own submission time and reference."""
    ALREADY_WITHDRAWN_UNCHECKED = "already-withdrawn-unchecked"
    """Assessed without the database: earlier statements of the order were not looked at, so
    no line shows "already withdrawn" (Art. 11(1)); the reviewer checks."""
    REFERENCE_REISSUED = "reference-reissued"
    """The spooled statement's reference was taken meanwhile: it was recorded under a new one
    (the consumer was first shown the old one)."""

    @classmethod
    def chosen(cls, statuses: Iterable[str]) -> set[Flag]:
        """A flag for each status of a chosen line that is not "withdrawable"."""
        return {cls("chosen-" + status) for status in statuses if status != Status.WITHDRAWABLE}


class DocumentKind(enum.StrEnum):
    """The documents kept byte for byte beside a statement."""

    RECEIPT_PDF = "receipt-pdf"
    """The acknowledgement's PDF copy, as downloaded and attached."""
    ACKNOWLEDGEMENT_EML = "acknowledgement-eml"
    """The acknowledgement e-mail exactly as sent (RFC 5322)."""
    DECISION_NOTICE_EML = "decision-notice-eml"
    """A decision's notice to the consumer exactly as sent, one per decision: kept under
    :func:`notice_kind` of the decision's entry."""


def notice_kind(event_seq: object) -> str:
    """The kind a decision's notice is kept under: ``decision-notice-eml-<seq>``, ``seq`` the
    decision's chain entry (as a stored event names it, whatever it holds)."""
    return f"{DocumentKind.DECISION_NOTICE_EML}-{event_seq}"


def notice_seq(kind: str) -> int | None:
    """The decision entry of a notice's kind (None: the kind is no notice's)."""
    prefix = f"{DocumentKind.DECISION_NOTICE_EML}-"
    number = kind.removeprefix(prefix)
    return int(number) if kind.startswith(prefix) and number.isdigit() else None


#: The event recorded in the chain, in the same transaction, when a document is kept.
STORED_EVENTS: dict[str, EventType] = {
    DocumentKind.RECEIPT_PDF: EventType.RECEIPT_PDF_STORED,
    DocumentKind.ACKNOWLEDGEMENT_EML: EventType.ACKNOWLEDGEMENT_EML_STORED,
}

#: The reference of chain entries about the chain as a whole (anchors), not about a statement.
CHAIN_REFERENCE = "chain"

#: What retention leaves of an erased personal field (an address, a name, an error).
ERASED = "[erased]"

#: The field of a ledger entry that holds the statement's content.
CONTENT_FIELD = "content"


def canonical_json(value: Any) -> bytes:
    """The one byte form that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(content: Mapping[str, Any]) -> str:
    """The SHA-256 printed on the acknowledgement: of the canonical JSON embedded in its PDF."""
    return sha256_hex(canonical_json(dict(content)))


def erased_fields(erased: str | None) -> dict[str, str]:
    """A ledger row's ``erased`` column: field name -> digest kept when it was erased."""
    return dict(json.loads(erased)) if erased else {}


def is_erased(erased: str | None) -> bool:
    """Whether a statement's personal data was erased under the retention period."""
    return CONTENT_FIELD in erased_fields(erased)
