"""The cases behind issue 12's point 3, one by one: a body that is not a form (415, in the
consumer's language), NUL and lone surrogates in fields, query strings and paths (PostgreSQL
refuses NUL in text), paging cursors out of range."""

from __future__ import annotations

from typing import Any

import pytest
from audit.support import basic
from flask import Flask
from flask.testing import FlaskClient
from support import Consumer, csrf_token

from withdrawal.hostile import clean_text

_AUDIT = "/withdrawal/audit"
#: The shapes a JSON body gave the step's text fields before (ints, floats, objects...).
SHAPES = [{"name": 1, "email": 2.5, "order_number": {"a": 1}}, [1, 2], "x", 3, True,
          {"name": "\ud800", "email": "a@b.c", "order_number": "1"}, {"name": ["a", "b"]}]


def test_clean_text_drops_nul_and_lone_surrogates_only() -> None:
    assert clean_text("A\x00n\ud800n\udfff\x07") == "Ann\x07"
    assert clean_text(["\x00a", 5]) == ["a", 5]
    assert clean_text(5) == 5


@pytest.mark.sqlite_only
@pytest.mark.parametrize("document", SHAPES, ids=lambda d: type(d).__name__)
@pytest.mark.parametrize("path", ["/withdrawal/", "/withdrawal/select", "/withdrawal/confirm",
                                  "/withdrawal/verify"])
def test_a_json_body_is_refused_in_the_consumers_language(
    client: FlaskClient, path: str, document: Any,
) -> None:
    response = client.post(path + "?lang=de", json=document)
    assert response.status_code == 415 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Diese Seite nimmt nur an, was ihr Formular sendet" in html
    assert '<html lang="de"' in html


@pytest.mark.sqlite_only
def test_the_receipt_check_answers_a_script_that_asks_for_json(client: FlaskClient) -> None:
    response = client.post("/withdrawal/verify", json={"reference": 1},
                           headers={"Accept": "application/json"})
    assert response.status_code == 415 and "form" in response.get_json()["error"]


@pytest.mark.sqlite_only
def test_only_the_receipt_check_takes_multipart(client: FlaskClient) -> None:
    page = client.get("/withdrawal/").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "name": "Ann", "email": "ann@example.com",
            "order_number": "1001"}
    assert client.post("/withdrawal/", data=data,
                       content_type="multipart/form-data").status_code == 415
    assert client.post("/withdrawal/", data=data).status_code == 302
    response = client.post("/withdrawal/verify", data={"reference": "W-0000-0000",
                                                       "sha256": "0" * 64},
                           content_type="multipart/form-data")
    assert response.status_code == 200


@pytest.mark.sqlite_only
def test_an_empty_post_without_a_type_is_no_415(client: FlaskClient) -> None:
    assert client.post("/withdrawal/confirm").status_code != 415


def test_nul_in_the_confirm_key_is_no_fault(app: Flask, consumer: Consumer) -> None:
    assert consumer.identify("Ann", "mixed@demo.example", "1008").status_code == 302
    page = consumer.confirm_page()
    response = consumer.client.post("/withdrawal/confirm", data={
        "csrf_token": csrf_token(page), "key": "ab\x00" * 30})
    assert response.status_code == 409  # another draft's key: the summary again


def test_nul_and_surrogates_in_fields_are_dropped(app: Flask, consumer: Consumer) -> None:
    response = consumer.client.post("/withdrawal/", data=(
        f"csrf_token={csrf_token(consumer.client.get('/withdrawal/').get_data(as_text=True))}"
        "&name=A%00nn%ED%A0%80&email=mixed%40demo.example%00&order_number=10%0008"),
        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert consumer.select(["1"]).status_code == 302
    assert consumer.confirm().status_code == 302


def test_nul_in_the_audit_filters_cursors_and_paths_is_no_fault(app: Flask) -> None:
    client = app.test_client()
    client.environ_base.update(HTTP_AUTHORIZATION=basic()["Authorization"])
    nul = "reference=a%00&email=%00&order_number=%00&name=%00&flag=%00"
    assert client.get(f"{_AUDIT}/statements?{nul}").status_code == 200
    assert client.get(f"{_AUDIT}/export.csv?{nul}").status_code == 200
    for cursor in ("9" * 30, "-" + "9" * 30, "0"):
        response = client.get(f"{_AUDIT}/statements?before={cursor}&after={cursor}")
        assert response.status_code == 200
    assert client.get(f"{_AUDIT}/export.csv?since=nonsense").status_code == 400
    for tail in ("", "/evidence.zip", "/receipt.pdf", "/acknowledgement.eml"):
        assert client.get(f"{_AUDIT}/statements/W-%00{tail}").status_code == 404
    assert client.post(f"{_AUDIT}/statements/W-0000-0000/decisions",
                       json={"decide-outcome": 1}).status_code == 415


def test_dates_at_the_calendars_ends_are_refused(app: Flask) -> None:
    client = app.test_client()
    client.environ_base.update(HTTP_AUTHORIZATION=basic()["Authorization"])
    for query in ("since=0001-01-01", "until=9999-12-31"):
        assert client.get(f"{_AUDIT}/statements?{query}").status_code == 400
        assert client.get(f"{_AUDIT}/export.jsonl?{query}").status_code == 400
    assert client.get(f"{_AUDIT}/statements?since=1970-01-01&until=2999-12-31").status_code == 200
