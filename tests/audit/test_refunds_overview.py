"""The refunds overview reads accepted lines in refund order and stops at its limit (issue
16, point 5: an index in that order, migration 0020, and a streamed query)."""

from __future__ import annotations

from datetime import date, timedelta

from audit.support import record
from flask import Flask
from sqlalchemy import inspect
from support import engine_of

from withdrawal.audit.decisions import Decision, record_decision, refunds_due


def test_the_earliest_refunds_come_first_and_the_limit_holds(app: Flask) -> None:
    engine = engine_of(app)
    ages = (3, 12, 20, 1, 8)
    references = {age: record(app, name=f"Consumer {age}", days_ago=age) for age in ages}
    for reference in references.values():
        record_decision(engine, reference, Decision("accepted", by="x"))
    far = date.today() + timedelta(days=30)
    listed = [due.reference for due in refunds_due(engine, until=far, limit=3)]
    assert listed == [references[20], references[12], references[8]]
    assert len(refunds_due(engine, until=far)) == len(ages)


def test_an_index_serves_the_overviews_order(app: Flask) -> None:
    engine = engine_of(app)
    indexes = {index["name"]: index["column_names"]
               for index in inspect(engine).get_indexes("withdrawal_line_decisions")}
    assert indexes["ix_withdrawal_line_decisions_refund"] == [
        "state", "refund_due", "reference", "line_id"]
