"""Issue 14, points 1, 2 and 6, in the audit area: deciding line by line from the statement's
page (a refused transition is a field error and records nothing), the list filtered by line
state and by refunds overdue or waiting for the goods, the exports and the evidence bundle
carrying the decisions, "excluded" and "out of time" shown together, and overdue refunds
signalled once from the delivery worker."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from audit.support import basic, record
from flask import Flask
from flask.testing import FlaskClient
from support import assessment, csrf_token, engine_of, settle
from webhook_support import SECRET, Receiver

from withdrawal import signals
from withdrawal.audit.decisions import Decision, record_decision
from withdrawal.storage.statements import events_of

P = "/withdrawal/audit"
KEY, GOODS = "digital-content", "goods"


def lines(*specs: tuple[str, str]) -> list[dict[str, Any]]:
    """Order lines of (status, kind), priced 10.00 each."""
    return [{"line_id": str(n + 1), "title": f"Item {n + 1}", "quantity": 1,
             "unit_price": "10.00", "kind": kind, "assessment": assessment(str(n + 1), status)}
            for n, (status, kind) in enumerate(specs)]


def decide(auditor: FlaskClient, reference: str, outcome: str, *chosen: str,
           **fields: str) -> Any:
    page = auditor.get(f"{P}/statements/{reference}").get_data(as_text=True)
    data: dict[str, Any] = {f"decide-{name}": value for name, value in fields.items()}
    data.update({"decide-csrf_token": csrf_token(page), "decide-outcome": outcome,
                 "decide-lines": list(chosen)})
    return auditor.post(f"{P}/statements/{reference}/decisions", data=data)


def listed(auditor: FlaskClient, **args: str) -> list[str]:
    import re

    html = auditor.get(f"{P}/statements", query_string=args).get_data(as_text=True)
    return re.findall(r'<th scope="row"><a href="[^"]+">(W-[0-9A-Z]{4}-[0-9A-Z]{4})</a>', html)


def test_deciding_line_by_line_from_the_statements_page(
    app: Flask, auditor: FlaskClient,
) -> None:
    reference = record(app, lines=lines(("excluded", KEY), ("withdrawable", KEY),
                                        ("withdrawable", GOODS)))
    assert decide(auditor, reference, "rejected", "1",
                  reason="Art. 16(m) exclusion").status_code == 302
    assert decide(auditor, reference, "accepted", "2", "3").status_code == 302
    html = auditor.get(f"{P}/statements/{reference}").get_data(as_text=True)
    table = html[html.index('id="line-states-caption"'):]
    assert table.index("Rejected") < table.index("Accepted")
    assert "may wait for the goods" in table  # art13-3: the goods are not back
    assert "€20.00" in html  # owed for the accepted lines
    count = len(events_of(engine_of(app), reference))
    refused = decide(auditor, reference, "accepted", "1", "2")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert 'id="decide-lines-error"' in page
    assert "Line 1 (Item 1) is rejected: record a correction before accepting it." in page
    assert "Line 2 (Item 2) is already accepted." in page
    assert len(events_of(engine_of(app), reference)) == count  # nothing recorded
    assert decide(auditor, reference, "corrected", "1", reason="Key never used").status_code == 302
    assert decide(auditor, reference, "accepted", "1").status_code == 302
    data = [e["data"] for e in events_of(engine_of(app), reference)]
    assert [d["outcome"] for d in data] == ["rejected", "accepted", "corrected", "accepted"]
    assert data[2]["reverses"] == [events_of(engine_of(app), reference)[0]["seq"]]


def test_a_decision_from_the_page_reaches_the_webhook_receiver(make_app: Any) -> None:
    """``decision.recorded`` is owed by the one function that records decisions, so a
    decision made on the audit page is told to back offices as one made through the API."""
    receiver = Receiver().start()
    try:
        app = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=True, WITHDRAWAL_WEBHOOKS=[
            {"url": receiver.url, "secret": SECRET, "events": ["decision.recorded"]}])
        auditor = app.test_client()
        auditor.environ_base.update(HTTP_AUTHORIZATION=basic()["Authorization"])
        reference = record(app, lines=lines(("withdrawable", KEY), ("withdrawable", GOODS)))
        assert decide(auditor, reference, "accepted", "2").status_code == 302
        settle(app)
        [delivery] = receiver.received
    finally:
        receiver.stop()
    assert isinstance(delivery.verified, dict), delivery.verified
    seq = [e for e in events_of(engine_of(app), reference) if e["type"] == "decision"][0]["seq"]
    assert delivery.payload["data"] == {"reference": reference, "seq": seq,
                                        "outcome": "accepted", "lines": ["2"]}


def test_a_statement_without_lines_is_decided_whole(app: Flask, auditor: FlaskClient) -> None:
    reference = record(app, order_matched=False)
    assert "The whole statement (no order lines)" in auditor.get(
        f"{P}/statements/{reference}").get_data(as_text=True)
    assert decide(auditor, reference, "rejected", "*",
                  reason="No contract with this consumer").status_code == 302
    assert events_of(engine_of(app), reference)[-1]["data"]["lines"] == []


def test_the_list_filters_by_line_state_and_refund(app: Flask, auditor: FlaskClient) -> None:
    engine = engine_of(app)
    goods = record(app, lines=lines(("withdrawable", GOODS)), days_ago=25)
    key = record(app, lines=lines(("withdrawable", KEY)), days_ago=25)
    mixed = record(app, lines=lines(("excluded", KEY), ("withdrawable", KEY)))
    undecided = record(app)
    for reference in (goods, key):
        record_decision(engine, reference, Decision("accepted", by="clara"))
    decide(auditor, mixed, "rejected", "1", reason="excluded")
    decide(auditor, mixed, "accepted", "2")
    assert listed(auditor, decision="rejected") == [mixed]
    assert listed(auditor, decision="accepted") == [mixed, key, goods]
    assert listed(auditor, decision="undecided") == [undecided]
    assert listed(auditor, refund="overdue") == [key]
    assert listed(auditor, refund="withheld") == [goods]  # art13-3: may wait for the goods
    assert listed(auditor, refund="due") == [mixed, goods]
    assert decide(auditor, goods, "returned", "1").status_code == 302
    assert listed(auditor, decision="returned") == [goods]
    assert listed(auditor, refund="overdue") == [key, goods]  # back, and late
    overview = auditor.get(f"{P}/").get_data(as_text=True)
    assert "Overdue (2)" in overview


def test_exports_and_the_evidence_bundle_carry_the_decisions(
    app: Flask, auditor: FlaskClient,
) -> None:
    reference = record(app, lines=lines(("excluded", KEY), ("withdrawable", KEY)))
    decide(auditor, reference, "rejected", "1", reason="excluded")
    decide(auditor, reference, "accepted", "2")
    (row,) = [json.loads(line) for line in auditor.get(f"{P}/export.jsonl")
              .get_data(as_text=True).splitlines()]
    assert row["line_decisions"] == {"1": "rejected", "2": "accepted"}
    assert [(d["outcome"], d["lines"]) for d in row["decisions"]] == [
        ("rejected", ["1"]), ("accepted", ["2"])]
    assert row["decisions"][0]["reason"] == "excluded" and row["decision"] == "mixed"
    (cells,) = csv.DictReader(io.StringIO(auditor.get(f"{P}/export.csv").get_data(as_text=True)))
    assert cells["line_decisions"] == "1:rejected 2:accepted"
    assert " rejected 1 (excluded)" in cells["decisions"] and " accepted 2" in cells["decisions"]
    assert "Item 1 [excluded; rejected]" in cells["lines"]
    bundle = auditor.get(f"{P}/statements/{reference}/evidence.zip").data
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    name = next(n for n in archive.namelist() if n.endswith("/manifest.json"))
    decisions = json.loads(archive.read(name))["decisions"]
    assert [line["state"] for line in decisions["lines"]] == ["rejected", "accepted"]
    assert [d["outcome"] for d in decisions["decisions"]] == ["rejected", "accepted"]


def test_excluded_and_out_of_time_are_shown_together(app: Flask, auditor: FlaskClient) -> None:
    late = assessment("1", "excluded")
    late["assessed_at"] = "2026-12-20T10:00:00+00:00"  # after its deadline of 4 December
    reference = record(app, lines=[{**lines(("excluded", KEY))[0], "assessment": late}])
    html = auditor.get(f"{P}/statements/{reference}").get_data(as_text=True)
    assert "excluded (Art. 16)</strong> <strong class=\"out-of-time\">and out of time" in html
    listing = auditor.get(f"{P}/statements").get_data(as_text=True)
    assert "excluded (Art. 16), out of time" in listing


def test_an_overdue_refund_is_signalled_once_from_the_worker(
    app: Flask, runner: Any,
) -> None:
    engine = engine_of(app)
    late = record(app, lines=lines(("withdrawable", KEY)), days_ago=25)
    waiting = record(app, lines=lines(("withdrawable", GOODS)), days_ago=25)
    for reference in (late, waiting):
        record_decision(engine, reference, Decision("accepted", by="clara"))
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    signals.refund_overdue.connect(receiver)
    try:
        first = runner.invoke(args=["withdrawal", "deliver"])
        second = runner.invoke(args=["withdrawal", "deliver"])
    finally:
        signals.refund_overdue.disconnect(receiver)
    assert f"refund overdue: {late}" in first.output and "refund overdue" not in second.output
    assert len(received) == 1 and received[0]["reference"] == late
    assert received[0]["lines"] == ["1"] and received[0]["outstanding"] == "10.00"
    assert events_of(engine, late)[-1]["type"] == "refund-overdue"
    assert all(e["type"] != "refund-overdue" for e in events_of(engine, waiting))
