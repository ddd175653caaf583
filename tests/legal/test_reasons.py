"""The reason catalogue and the JSON snapshot an assessment is stored as."""

from __future__ import annotations

import json
import re
from datetime import datetime
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_python

from withdrawal.domain import Order, OrderLine
from withdrawal.eligibility import CATALOGUE, Assessment, Reason, Status, assess
from withdrawal.eligibility import reasons as reasons_module

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^(art\d+[a-z]?(-\d+[a-z]?)?|reg1182|shop)-[a-z0-9-]+$")


def _assessment() -> Assessment:
    concluded = datetime.fromisoformat("2026-07-01T10:00+02:00")
    order = Order(
        "1001",
        "ada@example.org",
        "Ada",
        concluded,
        country="PT",
        withdrawal_info_given_at=concluded,
    )
    at = datetime.fromisoformat("2026-07-03T12:00+02:00")
    return assess(
        order,
        OrderLine("L1", "Key"),
        at,
        trader_country="DE",
        trader_timezone="Europe/Berlin",
        already_withdrawn={"L1": "W-7"},
    )


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_reason_cites_its_rule_and_reads_plainly(code: str) -> None:
    entry = CATALOGUE[code]
    assert CODE.match(code), code
    assert entry.article
    assert entry.message.endswith(".")
    assert "  " not in entry.message
    placeholders = set(re.findall(r"%\((\w+)\)s", entry.message))
    assert entry(**dict.fromkeys(placeholders, "X")).text() != ""


def test_every_reason_is_documented() -> None:
    text = (ROOT / "docs" / "legal-engine.md").read_text(encoding="utf-8")
    missing = [code for code in CATALOGUE if f"`{code}`" not in text]
    assert missing == []


def test_every_message_is_extracted_with_the_n_marker() -> None:
    source = Path(reasons_module.__file__).read_bytes()
    found = {
        message
        for _line, _func, message, _comments in extract_python(
            BytesIO(source), keywords={"N_": None}, comment_tags=[], options={}
        )
    }
    assert {entry.message for entry in CATALOGUE.values()} <= found


def test_reason_is_hashable_and_renders_with_a_translator() -> None:
    reason = CATALOGUE["art11-already-withdrawn"](reference="W-7")
    assert hash(reason) == hash(CATALOGUE["art11-already-withdrawn"](reference="W-7"))
    assert reason.params == (("reference", "W-7"),)
    german = reason.text(lambda msgid: "Bereits widerrufen mit Erklärung %(reference)s.")
    assert german == "Bereits widerrufen mit Erklärung W-7."
    assert reason.text().startswith("You already withdrew from this item with statement W-7,")


def test_reason_json_round_trip() -> None:
    reason = CATALOGUE["reg1182-rolled-to-working-day"](day="2026-07-04", working_day="2026-07-06")
    data = json.loads(json.dumps(reason.to_json()))
    assert data == {
        "code": "reg1182-rolled-to-working-day",
        "article": "Regulation (EEC, Euratom) No 1182/71 Art. 3(4)",
        "message": reason.message,
        "params": {"day": "2026-07-04", "working_day": "2026-07-06"},
    }
    assert Reason.from_json(data) == reason


def test_assessment_json_shape() -> None:
    result = _assessment()
    data = json.loads(json.dumps(result.to_json()))
    assert data == {
        "line_id": "L1",
        "status": "already-withdrawn",
        "assessed_at": "2026-07-03T12:00:00+02:00",
        "period_start": "2026-07-01",
        "deadline": "2026-07-15T23:59:59.999999+00:00",
        "deadline_timezone": "Atlantic/Azores",
        "policy_deadline": None,
        "no_cost": True,
        "reasons": [reason.as_dict() for reason in result.reasons],
    }
    assert [r["code"] for r in data["reasons"]] == [
        "art11-already-withdrawn",
        "art16m-not-performed",
        "art9-period-from-conclusion",
    ]
    assert data["reasons"][0]["params"] == {"reference": "W-7"}


def test_assessment_json_round_trip() -> None:
    result = _assessment()
    restored = Assessment.from_json(json.loads(json.dumps(result.to_json())))
    assert restored == result
    assert restored.deadline is not None
    assert restored.deadline.tzinfo is not None
    assert str(restored.deadline.tzinfo) == "Atlantic/Azores"


def test_status_values() -> None:
    assert [s.value for s in Status] == [
        "withdrawable",
        "excluded",
        "expired",
        "shop-policy",
        "already-withdrawn",
    ]
    assert Status("shop-policy") == "shop-policy"
