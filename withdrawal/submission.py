"""Submitting a withdrawal statement: the one service the confirm step (and any other front
end) calls. It builds the statement at the server's instant of submission, records it in one
transaction with the messages it is owed (R6, R8, R20), then starts its acknowledgement and
tells the shop. Front ends only translate HTTP into a :class:`StatementRequest`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app

from .config import config_value
from .country import consumer_country
from .delivery.webhooks import statement_recipients
from .delivery.worker import deliver_in_background
from .domain import Order
from .eligibility import consumer_timezone
from .labels import StatutoryLabels, labels_for
from .orders import LawContext, assess_lines, law_context, order_again
from .signals import statement_submitted
from .state import state
from .statement import Flag, LineJSON, Purpose, StatementContent
from .storage.statements import Recipient, record_statement

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatementRequest:
    """What the consumer asks to record. ``matched``: the order was found when the lines were
    chosen (it is asked again at submission); ``lines``: the chosen line ids of a found order;
    ``description``: the contract in the consumer's words when no order was found (R11);
    ``flags``: what the earlier steps noticed."""

    name: str
    email: str
    order_number: str
    locale: str
    matched: bool = False
    lines: tuple[str, ...] = ()
    description: str = ""
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submission:
    """The recorded statement's reference; ``created`` is False when the submission key had
    already recorded one (a double click, R20)."""

    reference: str
    created: bool


def submit_statement(
    request: StatementRequest, *, submission_key: str, link_base: str | None,
) -> Submission:
    """Record the statement once per ``submission_key`` and start its acknowledgement."""
    order = order_again(request.order_number, request.email) if request.matched else None
    flags = set(request.flags)
    if request.matched and order is None:
        flags.add(Flag.ORDER_VANISHED)
    labels = labels_for(request.locale, config_value("LABELS"), country=_country(request, order))
    law = law_context()
    built: list[StatementContent] = []

    def build(at: datetime, withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        built.append(build_content(request, order, labels, law, at, withdrawn, reference,
                                   flags=sorted(flags)))
        return built[-1]

    reference, created = record_statement(
        state().engine, submission_key=submission_key,
        order_number=order.number if order else None, build=build, recipients=recipients,
        link_base=link_base,
    )
    if created:
        _after_commit(current_app._get_current_object(), reference, built[-1])  # type: ignore[attr-defined]
    return Submission(reference, created)


def _country(request: StatementRequest, order: Order | None) -> str | None:
    """The country whose wording the consumer was shown: the order's once found (the confirm
    step asked for it too), else the one the pages used (``country.consumer_country``)."""
    return order.country if order is not None and order.country else consumer_country(
        request.locale)


def build_content(
    request: StatementRequest, order: Order | None, labels: StatutoryLabels, law: LawContext,
    at: datetime, already_withdrawn: Mapping[str, str], reference: str, *, flags: list[str],
) -> StatementContent:
    """The statement exactly as recorded, hashed and acknowledged."""
    lines = _chosen_lines(request, order, law, at, already_withdrawn) if order else []
    chosen = Flag.chosen(line["assessment"]["status"] for line in lines)
    return {
        "reference": reference,
        "submitted_at": at.isoformat(),
        "timezone": consumer_timezone(order.country if order else "", law.trader.timezone),
        "locale": request.locale,
        "name": request.name,
        "email": request.email,
        "order_number": request.order_number or None,
        "order_matched": order is not None,
        "order_email": order.email if order else None,
        "contract_description": "" if order else request.description,
        "currency": order.currency if order else None,
        "trader": {"name": law.trader.name, "address": law.trader.address,
                   "email": law.trader.email},
        "lines": lines,
        "labels": labels.to_json(),  # type: ignore[typeddict-item]
        "flags": sorted(set(flags) | chosen),
    }


def _chosen_lines(
    request: StatementRequest, order: Order, law: LawContext, at: datetime,
    already_withdrawn: Mapping[str, str],
) -> list[LineJSON]:
    chosen = set(request.lines)
    return [
        {
            "line_id": line.line_id,
            "title": line.title,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            "kind": line.kind.value,
            "assessment": assessment.to_json(),
        }
        for line, assessment in assess_lines(order, at, law, already_withdrawn)
        if line.line_id in chosen
    ]


def recipients(content: StatementContent) -> list[Recipient]:
    """Who is told: the consumer; the order's address if it differs (R22); the shop's copy;
    the back offices subscribed to ``statement.submitted`` (webhooks)."""
    found = [Recipient(Purpose.ACKNOWLEDGEMENT, content["email"])]
    order_email = content.get("order_email")
    if order_email and order_email.strip().casefold() != content["email"].strip().casefold():
        found.append(Recipient(Purpose.ORDER_NOTICE, order_email))
    found += [Recipient(Purpose.SHOP_COPY, a) for a in config_value("NOTIFY")]
    return found + statement_recipients(content)


def _after_commit(app: Flask, reference: str, content: StatementContent) -> None:
    """The statement is committed: start its acknowledgement, then tell the shop. A failing
    shop receiver is logged; it must not cost the consumer the receipt page."""
    if config_value("DELIVER_AFTER_COMMIT", app):
        deliver_in_background(app, reference)
    try:
        statement_submitted.send(app, reference=reference, statement=content)
    except Exception:
        log.exception("a statement_submitted receiver failed for %s", reference)
