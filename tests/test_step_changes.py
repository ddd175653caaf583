"""Going back from the summary to change one's details (R5, R6): the choice made at step 2 is
what the statement records, not the preselection again."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import Consumer, engine_of, reference_in

from withdrawal.storage.statements import load_statement


def _ticked(client: FlaskClient) -> list[str]:
    html = client.get("/withdrawal/select").get_data(as_text=True)
    return re.findall(r'name="lines" value="(\d)"[^>]*checked', html)


def _recorded(app: Flask, client: FlaskClient, response: object) -> dict[str, object]:
    page = client.get(response.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    stored = load_statement(engine_of(app), reference_in(page))
    assert stored is not None
    return dict(stored.content)


@pytest.mark.parametrize(("name", "email"), [
    pytest.param("Mia Rossi", "mixed@demo.example", id="name-corrected"),
    pytest.param("Mia", " Mixed@Demo.Example ", id="e-mail-retyped"),
])
def test_details_changed_from_the_summary_keep_the_products_chosen(
    app: Flask, consumer: Consumer, client: FlaskClient, name: str, email: str,
) -> None:
    consumer.identify("Mia", "mixed@demo.example", "1008")
    assert _ticked(client) == ["2", "3"]
    consumer.select(["3"])  # the consumer keeps line 2
    assert consumer.identify(name, email, "1008").status_code == 302
    assert _ticked(client) == ["3"]  # not the preselection again
    content = _recorded(app, client, consumer.confirm())
    assert [line["line_id"] for line in content["lines"]] == ["3"]  # type: ignore[attr-defined]
    assert content["name"] == name


def test_another_order_number_starts_the_choice_again(consumer: Consumer,
                                                      client: FlaskClient) -> None:
    consumer.identify("Mia", "mixed@demo.example", "1008")
    consumer.select(["3"])
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    assert _ticked(client) == ["1"]  # order 1002's own preselection


def test_a_description_survives_a_corrected_name(
    app: Flask, consumer: Consumer, client: FlaskClient,
) -> None:
    consumer.identify("Eve", "eve@example.com", "X-77")
    consumer.select(description="Game key bought on 2 November")
    consumer.identify("Eve Adams", "eve@example.com", "X-77")
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "Game key bought on 2 November</textarea>" in html
    content = _recorded(app, client, consumer.confirm())
    assert content["contract_description"] == "Game key bought on 2 November"
    assert content["name"] == "Eve Adams"
