"""Submitting a withdrawal statement: the one service the confirm step (and any other front
end) calls. It builds the statement at the server's instant of submission, records it in one
transaction with the messages it is owed (R6, R8, R20), then starts its acknowledgement and
tells the shop. Front ends only translate HTTP into a :class:`StatementRequest`.

When the database fails or does not answer within ``WITHDRAWAL_DATABASE_TIMEOUT``, the
statement, built at the instant of confirmation with a reference allocated beforehand, goes
to the spool (``spool.py``) and :func:`recover_spooled` records it later. Only when the spool
cannot be written either does the submission fail, with :class:`SpoolUnavailable`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from flask import Flask, current_app

from . import spool
from .config import config_value
from .country import consumer_country
from .delivery.webhooks import statement_recipients
from .delivery.worker import deliver_in_background
from .domain import Order
from .eligibility import Calendar, consumer_timezone, return_deadline
from .guard import DatabaseUnavailable, check_deadline, with_database
from .i18n import gettext
from .labels import StatutoryLabels, labels_for
from .orders import LawContext, assess_lines, law_context, order_again
from .signals import statement_submitted, tell_the_shop
from .state import state
from .statement import Flag, LineJSON, Purpose, ReturnsJSON, StatementContent
from .storage.statements import (
    Recipient,
    StoredStatement,
    new_reference,
    record_statement,
    utcnow,
)

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
    already recorded one (a double click, R20). ``spooled``: the statement's content when it
    waits in the spool instead of the database."""

    reference: str
    created: bool
    spooled: StatementContent | None = None


class SpoolUnavailable(RuntimeError):
    """Neither the database nor the spool could keep the statement."""


#: Flags of a statement built without the database, for the spool.
SPOOL_FLAGS = (Flag.SPOOLED, Flag.ALREADY_WITHDRAWN_UNCHECKED)


def submit_statement(
    request: StatementRequest, *, submission_key: str, link_base: str | None,
) -> Submission:
    """Record the statement once per ``submission_key`` and start its acknowledgement; spool
    it when the database cannot take it."""
    confirmed_at, reference = utcnow(), new_reference()
    order = order_again(request.order_number, request.email) if request.matched else None
    flags = set(request.flags)
    if request.matched and order is None:
        flags.add(Flag.ORDER_VANISHED)
    if order is None and request.lines:
        request = replace(request, description=with_lines(request.description, request.lines))
    labels = labels_for(request.locale, config_value("LABELS"), country=_country(request, order))
    law = law_context()
    built: list[StatementContent] = []
    written: list[StoredStatement] = []

    def build(at: datetime, withdrawn: Mapping[str, str], reference: str) -> StatementContent:
        check_deadline()  # the consumer stopped waiting: record nothing behind their back
        built.append(build_content(request, order, labels, law, at, withdrawn, reference,
                                   flags=sorted(flags)))
        return built[-1]

    try:
        reference, created = with_database(lambda engine: record_statement(
            engine, submission_key=submission_key, reference=reference,
            order_number=order.number if order else None, build=build, recipients=recipients,
            link_base=link_base, recorded=written.append,
        ))
    except DatabaseUnavailable:
        content = build_content(request, order, labels, law, confirmed_at, {}, reference,
                                flags=sorted({*flags, *SPOOL_FLAGS}))
        return _spool(spool.SpooledStatement(submission_key, content, link_base))
    if created:
        _after_commit(current_app._get_current_object(), written[-1])  # type: ignore[attr-defined]
    return Submission(reference, created)


def with_lines(description: str, lines: tuple[str, ...]) -> str:
    """The contract's description with the chosen lines named: the order could not be opened
    when the statement was recorded, and the lines the consumer chose stay in the statement,
    in their words' place, rather than being lost."""
    named = gettext("Order lines: %(lines)s", lines=", ".join(lines))
    return f"{description}\n{named}" if description else named


def _country(request: StatementRequest, order: Order | None) -> str | None:
    """The country whose wording the consumer was shown: the order's once found (the confirm
    step asked for it too), else the one the pages used (``country.consumer_country``)."""
    return order.country if order is not None and order.country else consumer_country(
        request.locale)


def _spool(statement: spool.SpooledStatement) -> Submission:
    try:
        kept = spool.keep(state().spool_dir, statement)
    except (OSError, ValueError) as exc:
        log.critical("statement of %s NOT KEPT: neither the database nor the spool %s took "
                     "it: %s", statement.content["submitted_at"], state().spool_dir, exc)
        raise SpoolUnavailable(str(exc)) from exc
    log.warning("statement %s kept in the spool %s until the database is back",
                kept.content["reference"], state().spool_dir)
    return Submission(kept.content["reference"], kept is statement, spooled=kept.content)


def recover_spooled() -> spool.Recovery:
    """Move the spooled statements into the chain and owe their messages (``flask withdrawal
    recover``; ``deliver --loop`` every round); the shop hears of each one as it is recorded.
    Call inside an app context."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return spool.recover(state().engine, state().spool_dir, recipients=recipients,
                         recorded=lambda reference, content: _tell_the_shop(
                             app, reference, content))


def build_content(
    request: StatementRequest, order: Order | None, labels: StatutoryLabels, law: LawContext,
    at: datetime, already_withdrawn: Mapping[str, str], reference: str, *, flags: list[str],
) -> StatementContent:
    """The statement exactly as recorded, hashed and acknowledged."""
    lines = _chosen_lines(request, order, law, at, already_withdrawn) if order else []
    chosen = Flag.chosen(line["assessment"]["status"] for line in lines)
    content: StatementContent = {
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
    if order is not None:
        _add_refund_facts(content, order, law, at, already_withdrawn)
    return content


def _add_refund_facts(
    content: StatementContent, order: Order, law: LawContext, at: datetime,
    already_withdrawn: Mapping[str, str],
) -> None:
    """What the refund and the return of goods need later (Art. 13, 14(1)), recorded with the
    statement: the order's country and delivery cost, whether this statement completes the
    withdrawal from every line of the order (with earlier statements; it then carries the
    delivery cost, Art. 13(1)), and the return instructions for goods."""
    lines = content["lines"]
    chosen = {line["line_id"] for line in lines}
    new = chosen - set(already_withdrawn)
    content["country"] = order.country
    content["delivery_cost"] = None if order.delivery_cost is None else str(order.delivery_cost)
    # The statement that completes the order carries the delivery cost, once.
    content["whole_order"] = bool(new) and {ln.line_id for ln in order.lines} <= (
        chosen | set(already_withdrawn))
    goods = any(line["kind"] == "goods" for line in lines)
    content["returns"] = _returns(order, law, at) if goods else None


def _returns(order: Order, law: LawContext, at: datetime) -> ReturnsJSON:
    """Where, by when and at whose cost goods go back (Art. 14(1))."""
    calendar = Calendar.for_parties(order.country, law.trader.country, law.trader.timezone)
    return {
        "address": law.returns_to,
        "costs": law.return_costs,
        "until": return_deadline(at, calendar).last_day.isoformat(),
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


def _after_commit(app: Flask, statement: StoredStatement) -> None:
    """The statement is committed: start its acknowledgement (with the statement as written,
    not read back), then tell the shop."""
    if config_value("DELIVER_AFTER_COMMIT", app):
        deliver_in_background(app, statement.reference, statement)
    _tell_the_shop(app, statement.reference, statement.content)


def _tell_the_shop(app: Flask, reference: str, content: StatementContent) -> None:
    """A failing shop receiver is logged; it must not cost the consumer the receipt page."""
    tell_the_shop(statement_submitted, app, reference=reference, statement=content)
