"""The storefront API (issue 15, point 2): labels, order look-up and statement submission with
the pages' guarantees (never refuse, number and e-mail both, rate limit, flags, R20), JSON
errors and CORS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import func, select
from support import free_port

from withdrawal import Order, Withdrawal, spool
from withdrawal.labels import labels_for
from withdrawal.storage.statements import load_statement
from withdrawal.storage.tables import statements
from wsgi import DEMO_CONFIG, create_app

API = "/withdrawal/api/v1"
NOCONSENT = {"email": "noconsent@demo.example", "order_number": "1002"}
STATEMENT = {"name": "Ann Example", **NOCONSENT, "lines": ["1"]}


def count(app: Flask) -> int:
    with app.extensions["withdrawal"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(statements)).scalar_one())


def submit(client: FlaskClient, body: Any, key: str | None = "key-1", **kwargs: Any) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{API}/statements", json=body, headers=headers, **kwargs)


@pytest.mark.parametrize(("locale", "field"), [
    pytest.param("de", "Bestellnummer", id="R18-de"),
    pytest.param("it-IT", "Numero d'ordine", id="R18-it-region"),
    pytest.param("en", "Order number", id="R18-en"),
])
def test_labels_are_the_statutory_ones_with_field_names(
    client: FlaskClient, locale: str, field: str,
) -> None:
    answer = client.get(f"{API}/labels", query_string={"locale": locale}).get_json()
    # the demo trader is Italian: an Italian consumer gets Art. 54-bis's wording, as on the pages
    country = "IT" if locale.startswith("it") else None
    assert answer["labels"] == labels_for(locale, country=country).to_json()
    assert answer["fields"]["order_number"] == field


def test_labels_of_a_language_with_only_its_labels_have_english_field_names(
    client: FlaskClient,
) -> None:
    answer = client.get(f"{API}/labels?locale=sk").get_json()
    assert answer["labels"]["entry"] == "Odstúpiť od zmluvy tu"
    assert (answer["text_locale"], answer["fields"]["name"]) == ("en", "Name")


def test_labels_are_the_wording_the_statement_records(tmp_path: Path) -> None:
    """A Dutch trader's consumers see (and their statements record) the Dutch wording of
    the confirm label; the API gives the storefront that one, not another country's."""
    app = create_app({**DEMO_CONFIG, "TESTING": True, "SECRET_KEY": "s",
                      "WITHDRAWAL_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
                      "WITHDRAWAL_TRADER_COUNTRY": "NL", "MAIL_SUPPRESS_SEND": True},
                     instance_path=str(tmp_path / "instance"))
    client = app.test_client()
    shown = client.get(f"{API}/labels?locale=nl").get_json()["labels"]
    answer = submit(client, {"name": "Ann", "email": "ann@example.com", "order_number": "X-80",
                             "description": "a key", "locale": "nl"}).get_json()
    stored = load_statement(app.extensions["withdrawal"].engine, answer["reference"])
    assert stored is not None and shown == stored.content["labels"]
    app.extensions["withdrawal"].engine.dispose()


def test_unknown_locale_falls_back_to_the_requests_language(client: FlaskClient) -> None:
    answer = client.get(f"{API}/labels?locale=xx", headers={"Accept-Language": "fr"}).get_json()
    assert answer["locale"] == "fr"


def test_lookup_gives_the_lines_with_their_assessment(client: FlaskClient) -> None:
    answer = client.post(f"{API}/lookup", json={"email": "mixed@demo.example",
                                                "order_number": "1008"}).get_json()
    assert answer["found"] is True
    lines = answer["order"]["lines"]
    assert [line["assessment"]["status"] for line in lines] == [
        "excluded", "withdrawable", "withdrawable"]
    assert [line["preselected"] for line in lines] == [False, True, True]
    assert lines[1]["explanation"]["status"] == "You can withdraw from this item."


def test_not_found_is_the_same_whichever_was_wrong(client: FlaskClient) -> None:
    wrong_email = client.post(f"{API}/lookup", json={**NOCONSENT, "email": "x@demo.example"})
    wrong_number = client.post(f"{API}/lookup", json={**NOCONSENT, "order_number": "1003"})
    assert wrong_email.status_code == wrong_number.status_code == 200
    assert wrong_email.get_json() == wrong_number.get_json()
    assert wrong_email.get_json()["found"] is False


@pytest.mark.parametrize("body", [
    pytest.param("{not json", id="broken-json"),
    pytest.param("", id="empty"),
    pytest.param("[1, 2]", id="array"),
    pytest.param("null", id="null"),
    pytest.param('"text"', id="string"),
])
@pytest.mark.parametrize("path", ["/lookup", "/statements"])
def test_bad_json_is_a_400_with_an_error(
    app: Flask, client: FlaskClient, body: str, path: str,
) -> None:
    response = client.post(API + path, data=body, content_type="application/json",
                           headers={"Idempotency-Key": "k"})
    assert response.status_code == 400
    assert set(response.get_json()) == {"error"}
    assert count(app) == 0


def test_a_form_post_is_not_json(client: FlaskClient) -> None:
    response = client.post(f"{API}/lookup", data=NOCONSENT)
    assert response.status_code == 400 and "error" in response.get_json()


@pytest.mark.parametrize(("body", "field"), [
    pytest.param({"order_number": "1002"}, "email", id="missing-email"),
    pytest.param({**NOCONSENT, "email": "not-an-address"}, "email", id="bad-email"),
    pytest.param({**NOCONSENT, "order_number": 1002}, "order_number", id="number-not-text"),
    pytest.param({**NOCONSENT, "email": "a@b.example\r\nBcc: x@y.example"}, "email",
                 id="header-injection"),
])
def test_invalid_lookup_fields_are_a_422_naming_them(
    client: FlaskClient, body: dict[str, Any], field: str,
) -> None:
    response = client.post(f"{API}/lookup", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_statement_is_recorded_once_per_idempotency_key(app: Flask, client: FlaskClient) -> None:
    first = submit(client, STATEMENT)
    again = submit(client, STATEMENT)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    assert count(app) == 1  # R20
    answer = first.get_json()
    assert set(answer) == {"reference", "submitted_at", "order_matched", "status_url",
                           "pdf_url"}
    stored = load_statement(app.extensions["withdrawal"].engine, answer["reference"])
    assert stored is not None and stored.content["submitted_at"] == answer["submitted_at"]
    assert [line["line_id"] for line in stored.content["lines"]] == ["1"]


def test_the_answer_links_the_status_page_and_the_pdf(client: FlaskClient) -> None:
    answer = submit(client, STATEMENT).get_json()
    assert answer["status_url"].startswith("http://localhost/withdrawal/receipt/")
    page = client.get(answer["status_url"].removeprefix("http://localhost"))
    assert page.status_code == 200 and answer["reference"] in page.get_data(as_text=True)
    pdf = client.get(answer["pdf_url"].removeprefix("http://localhost"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_another_key_is_another_statement(app: Flask, client: FlaskClient) -> None:
    submit(client, STATEMENT, key="a")
    assert submit(client, STATEMENT, key="b").status_code == 201
    assert count(app) == 2


def test_a_key_reused_for_another_consumer_is_refused(app: Flask, client: FlaskClient) -> None:
    submit(client, STATEMENT)
    response = submit(client, {**STATEMENT, "name": "Somebody Else"})
    assert response.status_code == 422 and count(app) == 1


def test_without_idempotency_key_nothing_is_recorded(app: Flask, client: FlaskClient) -> None:
    response = submit(client, STATEMENT, key=None)
    assert response.status_code == 400 and "Idempotency-Key" in response.get_json()["error"]
    assert count(app) == 0


def test_unknown_order_is_still_recorded_with_its_description(
    app: Flask, client: FlaskClient,
) -> None:
    body = {"name": "Ann", "email": "ann@example.com", "order_number": "X-77",
            "description": "Two keys bought in May", "lines": ["1", "2"]}
    response = submit(client, body)
    assert response.status_code == 201  # R11: never refused
    answer = response.get_json()
    assert answer["order_matched"] is False
    stored = load_statement(app.extensions["withdrawal"].engine, answer["reference"])
    assert stored is not None
    assert stored.content["flags"] == ["order-not-found"]
    # The lines the consumer named are not lost with the order.
    assert stored.content["contract_description"] == "Two keys bought in May\nOrder lines: 1, 2"


@pytest.mark.parametrize("line", ["\ud800", "\u0000"])
def test_a_line_id_no_database_can_store_is_a_422(
    app: Flask, client: FlaskClient, line: str,
) -> None:
    body = {"name": "Ann", "email": "ann@example.com", "order_number": "X-78", "lines": [line]}
    response = client.post(f"{API}/statements", data=json.dumps(body),
                           content_type="application/json", headers={"Idempotency-Key": "k"})
    assert response.status_code == 422
    assert "lines" in response.get_json()["fields"] and count(app) == 0


def test_a_statement_the_database_cannot_take_is_accepted_from_the_spool(
    tmp_path: Path,
) -> None:
    """R11: never refused, never a 500 once kept: 202 with the reference it will be recorded
    under; the same key again answers the same."""
    app = create_app({**DEMO_CONFIG, "TESTING": True, "SECRET_KEY": "s",
                      "WITHDRAWAL_DATABASE_URL":
                          f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
                      "WITHDRAWAL_DATABASE_TIMEOUT": 1,
                      "WITHDRAWAL_SPOOL_DIR": str(tmp_path / "spool"),
                      "MAIL_SUPPRESS_SEND": True}, instance_path=str(tmp_path / "instance"))
    body = {"name": "Ann", "email": "ann@example.com", "order_number": "X-79",
            "description": "a key"}
    first = submit(app.test_client(), body)
    assert first.status_code == 202, first.get_data(as_text=True)
    again = submit(app.test_client(), body)
    assert again.status_code == 202
    assert again.get_json()["reference"] == first.get_json()["reference"]
    assert [spool.read(path).content["reference"] for path in spool.waiting(tmp_path / "spool")
            ] == [first.get_json()["reference"]]


def test_a_found_order_needs_one_of_its_lines(app: Flask, client: FlaskClient) -> None:
    none_chosen = submit(client, {**STATEMENT, "lines": []})
    unknown = submit(client, {**STATEMENT, "lines": ["1", "9"]}, key="key-2")
    assert none_chosen.status_code == unknown.status_code == 422
    assert "9" in unknown.get_json()["fields"]["lines"]
    assert count(app) == 0


def test_the_statement_records_the_consumers_language(app: Flask, client: FlaskClient) -> None:
    answer = submit(client, {**STATEMENT, "locale": "it"}).get_json()
    stored = load_statement(app.extensions["withdrawal"].engine, answer["reference"])
    assert stored is not None
    assert stored.content["locale"] == "it"
    assert stored.content["labels"]["confirm"] == "Conferma recesso"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WITHDRAWAL_LOOKUP_RATE_LIMIT": "2 per hour",
            "WITHDRAWAL_API_CORS_ORIGINS": ["https://shop.example"]}


def test_over_the_lookup_limit_nothing_is_shown_and_the_statement_is_flagged(
    app: Flask, client: FlaskClient,
) -> None:
    for _ in range(3):  # found: counts nothing
        assert client.post(f"{API}/lookup", json=NOCONSENT).get_json()["found"] is True
    for _ in range(2):  # not found: counts
        wrong = {**NOCONSENT, "email": "guess@demo.example"}
        assert client.post(f"{API}/lookup", json=wrong).get_json()["found"] is False
    limited = client.post(f"{API}/lookup", json=NOCONSENT).get_json()
    assert limited == {"found": False, "rate_limited": True,
                       "message": "We could not check your order just now."}
    response = submit(client, STATEMENT)
    assert response.status_code == 201  # R4: flagged, never refused
    stored = load_statement(app.extensions["withdrawal"].engine,
                            response.get_json()["reference"])
    assert stored is not None and "lookup-rate-limited" in stored.content["flags"]
    assert "Order lines: 1" in stored.content["contract_description"]


def test_cors_for_the_configured_origin(client: FlaskClient) -> None:
    allowed = client.post(f"{API}/lookup", json=NOCONSENT,
                          headers={"Origin": "https://shop.example"})
    other = client.post(f"{API}/lookup", json=NOCONSENT,
                        headers={"Origin": "https://evil.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in allowed.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers


def test_cors_preflight_of_a_statement(client: FlaskClient) -> None:
    response = client.options(f"{API}/statements", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    assert "Idempotency-Key" in response.headers["Access-Control-Allow-Headers"]


def test_no_cors_for_the_back_office(client: FlaskClient) -> None:
    response = client.options(f"{API}/statements", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_any_origin_with_a_star(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "WITHDRAWAL_API_CORS_ORIGINS": ["*"]})
    response = app.test_client().get(f"{API}/labels", headers={"Origin": "https://a.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    app.extensions["withdrawal"].engine.dispose()


@pytest.mark.parametrize("origins", [["https://shop.example/"], "https://shop.example",
                                     ["shop.example"]])
def test_unusable_cors_origins_stop_start_up(app_config: dict[str, Any], origins: Any) -> None:
    with pytest.raises(Exception, match="WITHDRAWAL_API_CORS_ORIGINS"):
        create_app({**app_config, "WITHDRAWAL_API_CORS_ORIGINS": origins})


class NoOrders:
    def find_order(self, number: str, email: str) -> Order | None:
        return None


def test_the_api_is_exempt_from_the_hosts_csrf_protection(tmp_path: Any) -> None:
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="s", TESTING=True, **DEMO_CONFIG)
    CSRFProtect(app)
    Withdrawal(app, order_source=NoOrders())
    client = app.test_client()
    response = submit(client, {**STATEMENT, "lines": []})
    assert response.status_code == 201
    assert client.post("/withdrawal/", data={"name": "A"}).status_code == 400  # pages: CSRF
    app.extensions["withdrawal"].engine.dispose()
