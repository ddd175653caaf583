"""Issue 14, points 1 and 2, in pure code (``withdrawal.decisions``): the guarded order of
states per line, the checks of a requested decision, folding the chain's decisions (round
one's whole-statement ones too), and the money: what is owed, by when, withheld or overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from withdrawal.decisions import (
    WHOLE,
    DecisionRequest,
    InvalidDecision,
    LineState,
    check_request,
    event_data,
    fold,
    guard,
    refund_of,
    reversed_by,
    state_json,
)

AT = datetime(2026, 7, 1, 10, tzinfo=UTC)
TODAY = date(2026, 7, 20)


def content(*kinds: str, delivery_cost: str | None = None, whole: bool = False,
            **extra: Any) -> dict[str, Any]:
    prices = ("29.90", "35.00", "9.90", "5.00")
    return {"reference": "W-TEST-0001", "submitted_at": AT.isoformat(), "currency": "EUR",
            "lines": [{"line_id": str(n + 1), "title": f"Item {n + 1}", "quantity": 1,
                       "unit_price": prices[n], "kind": kind}
                      for n, kind in enumerate(kinds)],
            "delivery_cost": delivery_cost, "whole_order": whole, **extra}


class Chain:
    """Events as ``events_of`` returns them, appended through the same data the app writes."""

    def __init__(self, statement: dict[str, Any]) -> None:
        self.content = statement
        self.events: list[dict[str, Any]] = []

    def line_ids(self) -> list[str]:
        return [line["line_id"] for line in self.content["lines"]]

    def decide(self, outcome: str, *lines: str, **fields: Any) -> list[str]:
        """Check and guard like ``backoffice.record``; append when allowed; returns the codes
        of the problems (empty when recorded)."""
        folded = fold(self.content, self.events)
        checked = check_request(DecisionRequest(outcome, lines, by="clara", **fields),
                                self.line_ids(), today=TODAY)
        problems = guard(folded, checked)
        if not problems:
            due = date(2026, 7, 15) if outcome == "accepted" else None
            data = event_data(checked, folded, refund_due=due,
                              reverses=reversed_by(folded, checked.lines))
            self.append("decision", data)
        return [p.code for p in problems]

    def append(self, kind: str, data: dict[str, Any]) -> None:
        seq = len(self.events) + 2
        self.events.append({"seq": seq, "recorded_at": AT + timedelta(days=seq),
                            "type": kind, "data": data})

    def states(self) -> dict[str, str]:
        return {k: r.state.value for k, r in fold(self.content, self.events).lines.items()}


KEY, GOODS = "digital-content", "goods"


@pytest.mark.parametrize(("kind", "before", "outcome", "refused"), [
    pytest.param(KEY, [], "accepted", None, id="accept-undecided"),
    pytest.param(KEY, [], "rejected", None, id="reject-undecided"),
    pytest.param(KEY, ["accepted"], "rejected", "needs-correction",
                 id="accepted-then-rejected-needs-a-correction"),
    pytest.param(KEY, ["rejected"], "accepted", "needs-correction",
                 id="rejected-then-accepted-needs-a-correction"),
    pytest.param(KEY, ["accepted"], "accepted", "already-accepted", id="accepted-twice"),
    pytest.param(KEY, ["rejected"], "rejected", "already-rejected", id="rejected-twice"),
    pytest.param(KEY, [], "refunded", "refund-needs-acceptance",
                 id="art13-1-refund-needs-an-acceptance"),
    pytest.param(KEY, ["rejected"], "refunded", "refund-needs-acceptance",
                 id="art13-1-no-refund-of-a-rejected-line"),
    pytest.param(KEY, ["accepted"], "refunded", None, id="art13-1-refund-an-accepted-line"),
    pytest.param(KEY, ["accepted", "refunded"], "refunded", "already-refunded",
                 id="refunded-twice"),
    pytest.param(KEY, ["accepted", "refunded"], "rejected", "already-refunded",
                 id="refunded-then-rejected-needs-a-correction"),
    pytest.param(KEY, ["accepted", "corrected"], "rejected", None,
                 id="accepted-corrected-rejected"),
    pytest.param(KEY, [], "corrected", "nothing-to-correct", id="nothing-to-correct"),
    pytest.param(KEY, [], "revoked", None, id="art13-8-revoke-a-key"),
    pytest.param(KEY, ["revoked"], "revoked", "already-revoked", id="art13-8-revoked-twice"),
    pytest.param(KEY, ["rejected"], "revoked", "rejected",
                 id="art13-8-no-revocation-when-rejected"),
    pytest.param(GOODS, [], "revoked", "revoke-not-goods", id="goods-have-no-key"),
    pytest.param(KEY, [], "returned", "return-only-goods", id="art13-3-keys-do-not-come-back"),
    pytest.param(GOODS, ["accepted"], "returned", None, id="art13-3-goods-back"),
    pytest.param(GOODS, ["returned"], "returned", "already-returned", id="goods-back-twice"),
])
def test_the_order_of_states(kind: str, before: list[str], outcome: str,
                             refused: str | None) -> None:
    chain = Chain(content(kind))
    for earlier in before:
        assert chain.decide(earlier, "1", reason="r", amount="29.90") == []
    events = len(chain.events)
    found = chain.decide(outcome, "1", reason="r", amount="29.90")
    assert found == ([] if refused is None else [refused])
    assert len(chain.events) == events + (refused is None)  # refused: nothing recorded


def test_a_decision_covers_several_lines_and_refuses_as_a_whole() -> None:
    chain = Chain(content(KEY, KEY, GOODS))
    assert chain.decide("rejected", "1", reason="Art. 16(m) exclusion") == []
    assert chain.decide("accepted", "1", "2", "3") == ["needs-correction"]
    assert chain.states() == {"1": "rejected", "2": "undecided", "3": "undecided"}
    assert chain.decide("accepted", "2", "3") == []
    assert chain.states() == {"1": "rejected", "2": "accepted", "3": "accepted"}


def test_a_correction_reverses_the_latest_decision_on_each_line_named() -> None:
    chain = Chain(content(KEY, KEY))
    chain.decide("accepted", "1", "2")
    first = chain.events[-1]["seq"]
    chain.decide("refunded", "1", amount="29.90")
    assert chain.decide("corrected", "1", "2", reason="Refund booked twice") == []
    correction = chain.events[-1]["data"]
    assert correction["reverses"] == [first, first + 1] and correction["reason"]
    assert chain.states() == {"1": "accepted", "2": "undecided"}
    folded = fold(chain.content, chain.events)
    assert folded.decisions[-1].reverses == (first, first + 1)


def test_round_one_whole_statement_decisions_cover_every_line() -> None:
    chain = Chain(content(KEY, KEY))
    chain.append("decision", {"decision": "accepted", "by": "x", "note": "",
                              "refund_due": "2026-07-15"})
    chain.append("decision", {"decision": "key-revoked", "by": "x", "note": ""})
    folded = fold(chain.content, chain.events)
    assert {r.state for r in folded.lines.values()} == {LineState.ACCEPTED}
    assert all(r.refund_due == date(2026, 7, 15) for r in folded.lines.values())
    assert all(r.key_revoked is not None for r in folded.lines.values())
    assert [d.outcome.value for d in folded.decisions] == ["accepted", "revoked"]
    chain.append("decision", {"decision": "refunded", "by": "x", "note": "",
                              "refunded_on": "2026-07-10", "means_of_payment": "card"})
    refund = refund_of(chain.content, fold(chain.content, chain.events), TODAY)
    assert refund.refunded == Decimal("64.90") and refund.outstanding == 0  # no amount then


def test_a_statement_without_lines_is_decided_whole() -> None:
    chain = Chain(content())
    assert chain.decide("rejected", reason="No contract with this consumer") == []
    assert chain.states() == {WHOLE: "rejected"}
    assert chain.events[-1]["data"]["lines"] == []
    assert refund_of(chain.content, fold(chain.content, chain.events), TODAY).total is None


def test_an_unknown_outcome_in_the_chain_is_listed_not_applied() -> None:
    chain = Chain(content(KEY))
    chain.append("decision", {"outcome": "escalated", "lines": ["1"]})
    assert chain.states() == {"1": "undecided"}


@pytest.mark.parametrize(("request_", "lines", "field"), [
    pytest.param(DecisionRequest("approved", ("1",)), ["1"], "outcome", id="unknown-outcome"),
    pytest.param(DecisionRequest("rejected", ("1",)), ["1"], "reason",
                 id="rejection-needs-a-reason"),
    pytest.param(DecisionRequest("corrected", ("1",), reason=" "), ["1"], "reason",
                 id="correction-needs-a-reason"),
    pytest.param(DecisionRequest("accepted"), ["1"], "lines", id="lines-required"),
    pytest.param(DecisionRequest("accepted", ("9",)), ["1"], "lines", id="unknown-line"),
    pytest.param(DecisionRequest("accepted", ("1",)), [], "lines",
                 id="no-lines-on-an-unknown-order"),
    pytest.param(DecisionRequest("refunded", ("1",)), ["1"], "amount", id="refund-needs-amount"),
    pytest.param(DecisionRequest("refunded", ("1",), amount="-3"), ["1"], "amount",
                 id="refund-amount-positive"),
    pytest.param(DecisionRequest("refunded", ("1",), amount="abc"), ["1"], "amount",
                 id="refund-amount-a-number"),
    pytest.param(DecisionRequest("refunded", ("1",), amount="5", date=date(2026, 7, 21)),
                 ["1"], "date", id="refund-not-in-the-future"),
])
def test_invalid_requests_name_their_field(request_: DecisionRequest, lines: list[str],
                                           field: str) -> None:
    with pytest.raises(InvalidDecision) as raised:
        check_request(request_, lines, today=TODAY)
    assert raised.value.field == field and str(raised.value)


def test_a_request_is_cleaned() -> None:
    checked = check_request(DecisionRequest("key-revoked", ("*",), by=" clara "), ["1", "2"],
                            today=TODAY)
    assert checked.outcome.value == "revoked" and checked.lines == ("1", "2")
    refund = check_request(DecisionRequest("refunded", ("2", "1", "2"), amount="49.9"),
                           ["1", "2"], today=TODAY)
    assert refund.lines == ("1", "2") and refund.amount == Decimal("49.90")
    assert refund.date == TODAY and refund.means.startswith("Same means of payment")


def test_the_refund_owed_by_when_withheld_and_overdue() -> None:
    chain = Chain(content(KEY, KEY, GOODS, delivery_cost="4.90", whole=True))
    chain.decide("accepted", "1", "2")
    refund = refund_of(chain.content, fold(chain.content, chain.events), TODAY)
    assert refund.total == Decimal("64.90") and refund.delivery_cost is None
    assert refund.due_on == date(2026, 7, 15) and refund.overdue and refund.days_left == -5
    chain.decide("accepted", "3")  # art13-2: every line withdrawn and accepted
    refund = refund_of(chain.content, fold(chain.content, chain.events), TODAY)
    assert refund.total == Decimal("79.70") and refund.delivery_cost == Decimal("4.90")
    assert refund.withheld and refund.overdue  # the keys are late; the goods may wait
    chain.decide("refunded", "1", "2", amount="64.90")
    refund = refund_of(chain.content, fold(chain.content, chain.events), TODAY)
    assert refund.outstanding == Decimal("14.80") and refund.withheld and not refund.overdue
    chain.decide("returned", "3")  # art13-3: once the goods are back, the refund is late
    refund = refund_of(chain.content, fold(chain.content, chain.events), TODAY)
    assert not refund.withheld and refund.overdue


def test_state_json_is_what_the_api_returns() -> None:
    chain = Chain(content(KEY, GOODS))
    chain.decide("accepted", "1")
    chain.decide("rejected", "2", reason="Damaged on return")
    data = state_json("W-TEST-0001", chain.content, fold(chain.content, chain.events), TODAY)
    assert set(data) == {"reference", "submitted_at", "lines", "refund", "returns", "decisions"}
    first, second = data["lines"]
    assert first["state"] == "accepted" and first["amount"] == "29.90"
    assert first["refund_due"] == "2026-07-15" and first["overdue"] is True
    assert second["state"] == "rejected" and second["refund_due"] is None
    assert data["refund"]["total"] == "29.90" and data["refund"]["due_on"] == "2026-07-15"
    assert [d["outcome"] for d in data["decisions"]] == ["accepted", "rejected"]
    assert data["decisions"][1]["reason"] == "Damaged on return"
    assert data["decisions"][1]["lines"] == ["2"]
