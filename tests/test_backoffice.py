"""Issue 14, point 7 (with points 1 to 4 through it): the Python API a shop's back office and
the coming JSON API call. ``record_decision`` returns the recorded decision or raises a refusal
(409) or an invalid-input error (422); ``statement_state`` is JSON-ready with each line's
state, refund amount and due date, and the decisions. A statement records at submission what
its refund and the return of goods need."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from support import Consumer

from withdrawal.backoffice import StatementNotFound, record_decision, statement_state
from withdrawal.decisions import DecisionRefused, InvalidDecision, refund_due_on
from withdrawal.eligibility import Calendar, return_deadline
from withdrawal.storage.statements import events_of, load_statement
from withdrawal.storage.tables import outbox, statements

MIXED = ("mixed@demo.example", "1008")  # 1: excluded key 29.90, 2: key 35.00, 3: goods 9.90


def withdraw(app: Flask, consumer: Consumer, lines: list[str]) -> str:
    assert consumer.withdraw("Maria Rossi", *MIXED, lines=lines).status_code == 302
    with app.extensions["withdrawal"].engine.connect() as conn:
        return str(conn.execute(select(statements.c.reference)
                                .order_by(statements.c.seq.desc())).scalars().first())


def content_of(app: Flask, reference: str) -> dict[str, Any]:
    stored = load_statement(app.extensions["withdrawal"].engine, reference)
    assert stored is not None
    return dict(stored.content)


def test_the_statement_records_what_its_refund_and_the_return_need(
    app: Flask, consumer: Consumer,
) -> None:
    part = content_of(app, withdraw(app, consumer, ["2"]))
    assert part["whole_order"] is False and part["returns"] is None  # no goods chosen
    whole = content_of(app, withdraw(app, consumer, ["1", "3"]))  # completes the order
    assert whole["country"] == "IT" and whole["delivery_cost"] == "4.90"
    assert whole["whole_order"] is True
    at = whole["submitted_at"]
    until = return_deadline(datetime.fromisoformat(at),
                            Calendar.for_parties("IT", "IT", "Europe/Rome")).last_day
    assert whole["returns"] == {"address": "Via Roma 1\n20121 Milano\nItalia",
                                "costs": "consumer", "until": until.isoformat()}
    again = content_of(app, withdraw(app, consumer, ["1", "2", "3"]))
    assert again["whole_order"] is False  # nothing new: the delivery cost is owed once


def test_the_return_address_and_costs_are_the_shops_choice(
    app: Flask, consumer: Consumer,
) -> None:
    app.config.update(WITHDRAWAL_RETURN_ADDRESS="Returns dept.\nVia Po 2, Torino",
                      WITHDRAWAL_RETURN_COSTS="trader")
    returns = content_of(app, withdraw(app, consumer, ["3"]))["returns"]
    assert returns["address"] == "Returns dept.\nVia Po 2, Torino"
    assert returns["costs"] == "trader"


def test_record_decision_returns_the_decision_as_json(app: Flask, consumer: Consumer) -> None:
    reference = withdraw(app, consumer, ["1", "2", "3"])
    with app.app_context():
        decision = record_decision(reference, "accepted", ["2", "3"], by="backoffice")
    with app.extensions["withdrawal"].engine.connect() as conn:
        at = conn.execute(select(statements.c.submitted_at)
                          .where(statements.c.reference == reference)).scalar_one()
    due = refund_due_on(content_of(app, reference), at, trader_country="IT",
                        trader_timezone="Europe/Rome")
    assert decision["outcome"] == "accepted" and decision["lines"] == ["2", "3"]
    assert decision["by"] == "backoffice" and decision["refund_due"] == due.isoformat()
    assert decision["seq"] == events_of(app.extensions["withdrawal"].engine,
                                        reference)[-1]["seq"]
    json.dumps(decision)  # JSON-ready as it is


@pytest.mark.parametrize(("call", "error", "text"), [
    pytest.param(dict(outcome="accepted", lines=["1"]), DecisionRefused, "already accepted",
                 id="409-accepted-twice"),
    pytest.param(dict(outcome="rejected", lines=["1"], reason="late"), DecisionRefused,
                 "correction", id="409-rejected-after-accepted"),
    pytest.param(dict(outcome="refunded", lines=["2"], amount="35.00"), DecisionRefused,
                 "needs an acceptance", id="409-refund-without-acceptance"),
    pytest.param(dict(outcome="accepted", lines=["7"]), InvalidDecision, "no line 7",
                 id="422-unknown-line"),
    pytest.param(dict(outcome="refunded", lines=["1"]), InvalidDecision, "amount",
                 id="422-refund-without-amount"),
    pytest.param(dict(outcome="maybe", lines=["1"]), InvalidDecision, "Unknown outcome",
                 id="422-unknown-outcome"),
])
def test_refusals_and_invalid_decisions_record_nothing(
    app: Flask, consumer: Consumer, call: dict[str, Any], error: type[Exception], text: str,
) -> None:
    reference = withdraw(app, consumer, ["1", "2"])
    engine = app.extensions["withdrawal"].engine
    with app.app_context():
        record_decision(reference, "accepted", ["1"], by="x")
        before = events_of(engine, reference)
        with pytest.raises(error, match=text):
            fields = dict(call)  # the table's row is shared by both databases' runs
            record_decision(reference, fields.pop("outcome"), fields.pop("lines"), by="x",
                            **fields)
    assert events_of(engine, reference) == before


def test_an_unknown_statement_is_not_found(app: Flask) -> None:
    with app.app_context(), pytest.raises(StatementNotFound):
        record_decision("W-0000-0000", "accepted", ["1"], by="x")
    with app.app_context(), pytest.raises(StatementNotFound):
        statement_state("W-0000-0000")


def test_statement_state_per_line_with_the_refund_and_the_decisions(
    app: Flask, consumer: Consumer,
) -> None:
    reference = withdraw(app, consumer, ["1", "2", "3"])
    with app.app_context():
        record_decision(reference, "rejected", ["1"], by="x", reason="Art. 16(m) exclusion")
        record_decision(reference, "accepted", ["2", "3"], by="x")
        state = statement_state(reference)
    json.dumps(state)
    lines = {line["line_id"]: line for line in state["lines"]}
    assert [lines[n]["state"] for n in "123"] == ["rejected", "accepted", "accepted"]
    assert lines["2"]["amount"] == "35.00" and lines["3"]["amount"] == "9.90"
    assert lines["3"]["withheld_until_returned"] is True  # art13-3: goods not back yet
    assert lines["2"]["refund_due"] == lines["3"]["refund_due"] == state["refund"]["due_on"]
    assert state["refund"]["total"] == "44.90"  # a part of the order: no delivery cost
    assert state["refund"]["delivery_cost"] is None
    assert [d["outcome"] for d in state["decisions"]] == ["rejected", "accepted"]
    assert state["decisions"][0]["reason"] == "Art. 16(m) exclusion"
    assert state["returns"]["costs"] == "consumer"


def test_the_delivery_cost_is_owed_when_every_line_is_accepted(
    app: Flask, consumer: Consumer,
) -> None:
    reference = withdraw(app, consumer, ["1", "2", "3"])
    with app.app_context():
        record_decision(reference, "accepted", ["*"], by="x")
        refund = statement_state(reference)["refund"]
        assert refund["total"] == "79.70" and refund["delivery_cost"] == "4.90"
        record_decision(reference, "returned", ["3"], by="x", date=date.today())
        record_decision(reference, "refunded", ["1", "2", "3"], by="x",
                        amount=Decimal("79.70"))
        refund = statement_state(reference)["refund"]
    assert refund["outstanding"] == "0.00" and refund["refunded"] == "79.70"


def test_a_notice_is_owed_for_each_decision_unless_turned_off(
    app: Flask, consumer: Consumer,
) -> None:
    reference = withdraw(app, consumer, ["1", "2"])
    app.config["WITHDRAWAL_DECISION_NOTICES"] = ["rejected"]
    with app.app_context():
        accepted = record_decision(reference, "accepted", ["2"], by="x")
        rejected = record_decision(reference, "rejected", ["1"], by="x", reason="excluded")
    with app.extensions["withdrawal"].engine.connect() as conn:
        owed = conn.execute(select(outbox.c.recipient, outbox.c.event_seq, outbox.c.link_base)
                            .where(outbox.c.reference == reference,
                                   outbox.c.purpose == "decision-notice")).all()
    assert [(r.recipient, r.event_seq) for r in owed] == [("mixed@demo.example",
                                                            rejected["seq"])]
    assert accepted["seq"] != rejected["seq"] and owed[0].link_base  # the status page's root


@pytest.mark.parametrize("setting", [
    pytest.param({"WITHDRAWAL_RETURN_COSTS": "shop"}, id="return-costs"),
    pytest.param({"WITHDRAWAL_DECISION_NOTICES": ["accepted", "approved"]}, id="notices"),
])
def test_the_after_statement_keys_take_known_values(setting: dict[str, Any]) -> None:
    from withdrawal.config import ConfigurationError
    from wsgi import create_app

    with pytest.raises(ConfigurationError, match=next(iter(setting)).removeprefix("WITHDRAWAL_")):
        create_app({"TESTING": True, "SECRET_KEY": "k", **setting})
