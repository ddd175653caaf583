"""The detail page names the country whose wording the consumer was shown and the provision it
rests on, beside the labels (R18; docs/labels.md)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from support import Consumer

P = "/withdrawal/audit/statements"


def reference_of(client: FlaskClient, response: object) -> str:
    location = response.headers["Location"]  # type: ignore[attr-defined]
    match = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", client.get(location).get_data(as_text=True))
    assert match
    return match.group(0)


def test_detail_shows_country_and_provision(
    app: Flask, client: FlaskClient, consumer: Consumer, auditor: FlaskClient,
) -> None:
    client.get("/withdrawal/?lang=it")  # the demo trader and its orders are Italian
    reference = reference_of(client, consumer.withdraw(
        "Ann Example", "mixed@demo.example", "1008", ["2"]))
    html = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "Recedere dal contratto qui" in html and "Conferma recesso" in html
    assert "<dt>Country of the wording</dt><dd>IT</dd>" in html
    assert "<dt>Provision</dt><dd>Art. 54-bis Codice del Consumo (D.Lgs. 209/2025)</dd>" in html
    assert "Asked for but not known" not in html


def test_detail_shows_no_country_and_what_was_not_known(
    app: Flask, client: FlaskClient, consumer: Consumer, auditor: FlaskClient,
) -> None:
    app.extensions["withdrawal"].country_selector = lambda: "US"
    client.get("/withdrawal/?lang=en")
    reference = reference_of(client, consumer.withdraw(
        "Ann Example", "ann@example.com", "nope", description="A licence"))
    html = auditor.get(f"{P}/{reference}").get_data(as_text=True)
    assert "<dt>Country of the wording</dt><dd>none: the Directive&#39;s wording</dd>" in html
    assert "<dt>Asked for but not known</dt><dd>US</dd>" in html
