"""The three steps (issue: three steps, R4-R7, R11, R14, R20), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from support import REFERENCE, Consumer, csrf_token, engine_of, reference_in

from withdrawal.domain import Order
from withdrawal.storage.statements import load_statement
from withdrawal.storage.tables import ledger, outbox, statements


def count(app: Flask, table: Any = statements) -> int:
    with engine_of(app).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def reference_of(response: Any, client: FlaskClient) -> str:
    return reference_in(client.get(response.headers["Location"]).get_data(as_text=True))


def test_identify_page_is_step_1_with_labelled_required_fields(client: FlaskClient) -> None:
    html = client.get("/withdrawal/").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "Step 1 of 3" in html
    for field_id, label in (("name", "Name"), ("email", "E-mail address"),
                            ("order_number", "Order number")):
        assert f'<label for="{field_id}">{label}</label>' in html
        assert re.search(rf'<input[^>]*id="{field_id}"[^>]*required', html)
    assert html.count(" required") == 3  # R5: nothing else is required
    assert ">Continue</button>" in html
    assert "captcha" not in html.lower() and 'type="file"' not in html  # R4


def test_errors_are_tied_to_their_field_with_4xx(client: FlaskClient) -> None:
    page = client.get("/withdrawal/").get_data(as_text=True)
    response = client.post("/withdrawal/", data={
        "csrf_token": csrf_token(page), "name": "", "email": "not-an-address",
        "order_number": "1001"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-describedby="name-error"' in html and 'id="name-error"' in html
    assert "Please enter your name." in html
    assert 'id="email-error"' in html and "valid e-mail address" in html
    assert 'aria-invalid="true"' in html


def test_post_without_csrf_token_is_refused_with_a_message(client: FlaskClient) -> None:
    response = client.post("/withdrawal/", data={
        "name": "A", "email": "a@example.com", "order_number": "1"})
    assert response.status_code == 400
    assert "Your session has expired" in response.get_data(as_text=True)


def test_confirm_with_expired_csrf_token_records_nothing_and_asks_again(
    app: Flask, consumer: Consumer,
) -> None:
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    consumer.select(["1"])
    page = consumer.confirm_page().replace('name="csrf_token" type="hidden" value="',
                                           'name="csrf_token" type="hidden" value="x')
    response = consumer.confirm(page)
    assert response.status_code == 400 and count(app) == 0
    html = response.get_data(as_text=True)
    assert "Your session has expired" in html and 'class="confirm">Confirm withdrawal<' in html


def test_header_injection_in_name_is_refused(client: FlaskClient) -> None:
    page = client.get("/withdrawal/").get_data(as_text=True)
    response = client.post("/withdrawal/", data={
        "csrf_token": csrf_token(page), "name": "Eve\r\nBcc: all@example.com",
        "email": "eve@example.com", "order_number": "1001"})
    assert response.status_code == 400
    assert "single line" in response.get_data(as_text=True)


def test_select_shows_lines_with_assessment_and_preselects_withdrawable(
    consumer: Consumer, client: FlaskClient,
) -> None:
    assert consumer.identify("Mia", "mixed@demo.example", "1008").status_code == 302
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "Step 2 of 3" in html and html.count("<h1>") == 1
    boxes = re.findall(r'<input type="checkbox" name="lines" value="(\d)"[^>]*>', html)
    assert boxes == ["1", "2", "3"]  # every line stays selectable (R11)
    checked = re.findall(r'value="(\d)"[^>]*checked', html)
    assert checked == ["2", "3"]  # the excluded key is not preselected
    assert "16(m)" in html  # why it seems excluded
    assert "guarantee of conformity" in html  # and what else the consumer can do
    assert "support@demo.example" in html
    assert re.search(r"Withdrawable until \w+day, \w+ \d+, 20\d\d,? (at )?11:59:59\sPM "
                     r"Central European (Standard|Summer) Time", html)


def test_expired_line_says_out_of_time_and_stays_selectable(
    consumer: Consumer, client: FlaskClient,
) -> None:
    consumer.identify("Leo", "late@demo.example", "1005")
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "period for this item seems to have ended" in html or "right of withdrawal" in html
    assert 'name="lines" value="1"' in html


@pytest.mark.parametrize(("email", "number"), [
    pytest.param("wrong@demo.example", "1002", id="wrong-email"),
    pytest.param("noconsent@demo.example", "9999", id="wrong-number"),
])
def test_not_found_is_the_same_whichever_was_wrong(
    consumer: Consumer, client: FlaskClient, email: str, number: str,
) -> None:
    consumer.identify("Eve", email, number)
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "We could not find an order with this number and e-mail address." in html
    assert "Windows 11 Pro" not in html
    assert 'name="description"' in html and 'name="lines"' not in html


def test_email_case_and_spaces_do_not_matter(consumer: Consumer, client: FlaskClient) -> None:
    consumer.identify("Ann", "  NoConsent@Demo.Example ", " 1002 ")
    assert "Windows 11 Pro" in client.get("/withdrawal/select").get_data(as_text=True)


def test_nothing_is_recorded_before_confirm(
    app: Flask, consumer: Consumer, client: FlaskClient,
) -> None:
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    consumer.select(["1"])
    page = consumer.confirm_page()
    assert count(app, ledger) == 0 and count(app, statements) == 0  # R6
    assert "Step 3 of 3" in page


def test_confirm_page_has_summary_then_exactly_the_confirm_button(
    consumer: Consumer,
) -> None:
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    consumer.select(["1"])
    page = consumer.confirm_page()
    buttons = re.findall(r"<button[^>]*>(.*?)</button>", page, re.S)
    assert buttons == ["Confirm withdrawal"]  # R6: exactly the label
    summary_end = page.index("</section>")
    between = page[summary_end:page.index("<button")]
    assert re.sub(r"<[^>]+>|\s", "", between) == ""  # R7: nothing between summary and button
    assert ">Change your details</a>" in page and ">Change the products</a>" in page
    assert "Windows 11 Pro" in page and "Ann" in page


@pytest.mark.parametrize(("language", "confirm"), [
    pytest.param("it", "Conferma recesso", id="R6-it"),
    pytest.param("de", "Widerruf bestätigen", id="R6-de"),
    pytest.param("fr", "Confirmer la rétractation", id="R6-fr"),
])
def test_confirm_label_per_language(
    consumer: Consumer, client: FlaskClient, language: str, confirm: str,
) -> None:
    client.get(f"/withdrawal/?lang={language}")
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    consumer.select(["1"])
    assert f'class="confirm">{confirm}</button>' in consumer.confirm_page()


def test_full_flow_records_one_statement_with_its_snapshot(
    app: Flask, consumer: Consumer, client: FlaskClient, recorded_signals: Any,
) -> None:
    client.get("/withdrawal/?lang=it")
    response = consumer.withdraw("Maria Rossi", "mixed@demo.example", "1008", ["1", "2"])
    assert response.status_code == 302 and "/withdrawal/receipt/" in response.headers["Location"]
    reference = reference_of(response, client)
    stored = load_statement(engine_of(app), reference)
    assert stored is not None
    content = stored.content
    assert re.fullmatch(r"W-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", reference)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", content["submitted_at"])
    assert content["name"] == "Maria Rossi" and content["order_matched"] is True
    assert [line["line_id"] for line in content["lines"]] == ["1", "2"]  # R14 partial
    assert content["lines"][0]["assessment"]["status"] == "excluded"
    assert content["lines"][1]["assessment"]["status"] == "withdrawable"
    assert content["labels"]["entry"] == "Recedere dal contratto qui"
    assert content["labels"]["confirm"] == "Conferma recesso"
    assert content["locale"] == "it" and content["timezone"] == "Europe/Rome"
    assert "chosen-excluded" in content["flags"]
    assert count(app, outbox) == 1  # committed with its acknowledgement entry
    assert recorded_signals.names() == ["statement_submitted"]


def test_unknown_order_is_still_recorded(
    app: Flask, consumer: Consumer, client: FlaskClient,
) -> None:
    response = consumer.withdraw("Eve", "eve@example.com", "X-77",
                                 description="Game key bought on 2 November")
    reference = reference_of(response, client)
    content = load_statement(engine_of(app), reference).content  # type: ignore[union-attr]
    assert content["order_matched"] is False and content["lines"] == []  # R11
    assert content["order_number"] == "X-77"
    assert content["contract_description"] == "Game key bought on 2 November"
    assert "order-not-found" in content["flags"]


def test_double_confirm_yields_one_statement(
    app: Flask, consumer: Consumer, client: FlaskClient,
) -> None:
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    consumer.select(["1"])
    page = consumer.confirm_page()
    first = consumer.confirm(page)
    second = consumer.confirm(page)  # double click, or back and resubmit
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]  # R20
    assert count(app) == 1


def test_edited_draft_after_submission_is_a_new_statement(
    app: Flask, consumer: Consumer,
) -> None:
    consumer.withdraw("Ann", "mixed@demo.example", "1008", ["2"])
    consumer.withdraw("Ann", "mixed@demo.example", "1008", ["3"])
    assert count(app) == 2


def test_line_withdrawn_earlier_is_reported_with_its_reference(
    consumer: Consumer, client: FlaskClient,
) -> None:
    reference = reference_of(consumer.withdraw("Ann", "noconsent@demo.example", "1002", ["1"]),
                             client)
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert reference in html


def test_lines_cannot_be_injected_through_the_form(consumer: Consumer, client: FlaskClient) -> None:
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    response = consumer.select(["1", "99"])
    assert response.status_code == 400  # a line that is not in the order


def test_matched_order_needs_at_least_one_line(consumer: Consumer) -> None:
    consumer.identify("Ann", "noconsent@demo.example", "1002")
    response = consumer.select([])
    assert response.status_code == 400
    assert "Please choose at least one product." in response.get_data(as_text=True)


def test_steps_without_a_draft_go_back_to_step_1(client: FlaskClient) -> None:
    for url in ("/withdrawal/select", "/withdrawal/confirm"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/withdrawal/"


def test_confirm_post_with_stale_key_shows_the_summary_again(
    consumer: Consumer, app: Flask,
) -> None:
    consumer.identify("Ann", "mixed@demo.example", "1008")
    consumer.select(["2"])
    page = consumer.confirm_page()
    consumer.select(["3"])  # changed in another tab
    response = consumer.confirm(page)
    assert response.status_code == 409
    assert count(app) == 0


def test_receipt_shows_reference_time_zone_and_statement(
    consumer: Consumer, client: FlaskClient,
) -> None:
    response = consumer.withdraw("Ann <b>Bold</b>", "noconsent@demo.example", "1002", ["1"])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert REFERENCE.search(html)
    assert "Coordinated Universal Time" in html
    assert "Central European" in html
    assert "Windows 11 Pro" in html
    assert "Ann &lt;b&gt;Bold&lt;/b&gt;" in html and "<b>Bold</b>" not in html
    assert "not yet a decision" in html


def test_receipt_link_is_signed(consumer: Consumer, client: FlaskClient) -> None:
    location = consumer.withdraw("Ann", "noconsent@demo.example", "1002", ["1"]).headers["Location"]
    assert client.get(location).status_code == 200  # bookmarkable: no session needed
    fresh = client.application.test_client()
    assert fresh.get(location).status_code == 200
    cut = len(location) - 10
    tampered = location[:cut] + ("A" if location[cut] != "A" else "B") + location[cut + 1:]
    assert client.get(tampered).status_code == 404
    assert client.get("/withdrawal/receipt/W-0000-0000").status_code == 404
    page = client.get(tampered + "?lang=de")  # in the consumer's language, with the other ways
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and "Diese Seite wurde nicht gefunden" in html
    assert "/withdrawal/model-form.pdf" in html


def test_language_switcher_works_without_javascript(client: FlaskClient) -> None:
    html = client.get("/withdrawal/?lang=de").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert '<h1 lang="de">Vertrag widerrufen</h1>' in html
    assert 'hreflang="pl"' in html and "Polski" in html
    assert client.get("/withdrawal/").get_data(as_text=True).count('<html lang="de">') == 1


def test_order_source_failure_does_not_block(app: Flask, client: FlaskClient) -> None:
    class Broken:
        def find_order(self, number: str, email: str) -> None:
            raise ConnectionError("shop database down")

    app.extensions["withdrawal"].order_source = Broken()
    consumer = Consumer(client)
    response = consumer.withdraw("Ann", "ann@example.com", "1002")
    assert response.status_code == 302
    assert count(app) == 1


def _twice(order: Order) -> Order:
    return replace(order, lines=(*order.lines, *order.lines))


def _nul_in_a_title(order: Order) -> Order:
    return replace(order, lines=(replace(order.lines[0], title="Key\x00"), *order.lines[1:]))


@pytest.mark.parametrize("spoil", [pytest.param(_twice, id="line-ids-used-twice"),
                                   pytest.param(_nul_in_a_title, id="nul-in-a-line-title")])
def test_an_order_the_record_cannot_take_goes_on_as_a_failed_look_up(
    app: Flask, client: FlaskClient, spoil: Callable[[Order], Order],
) -> None:
    """The shop's data, not the consumer's: recorded at once, unmatched and flagged, never
    spooled as if the database were away (where its recovery would fail too)."""
    source = app.extensions["withdrawal"].order_source

    class Spoiled:
        def find_order(self, number: str, email: str) -> Order | None:
            order = source.find_order(number, email)
            return order and spoil(order)

    app.extensions["withdrawal"].order_source = Spoiled()
    response = Consumer(client).withdraw("Mario", "pending@demo.example", "1003",
                                         description="a licence key")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    stored = load_statement(engine_of(app), reference_in(page))
    assert stored is not None and stored.content["order_matched"] is False
    assert "order-lookup-failed" in stored.content["flags"]


class _Failing:
    def find_order(self, number: str, email: str) -> Order | None:
        raise ConnectionError("shop database down")


def _recorded(app: Flask, client: FlaskClient, response: Any) -> dict[str, Any]:
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    stored = load_statement(engine_of(app), reference_in(page))
    assert stored is not None
    return dict(stored.content)


def test_lines_chosen_before_the_shop_failed_are_named_in_the_statement(
    app: Flask, client: FlaskClient,
) -> None:
    """The order could be opened at step 2 but not at the confirmation: the chosen lines stay
    in the statement, named, rather than a statement describing nothing."""
    consumer = Consumer(client)
    assert consumer.identify("Ann", "mixed@demo.example", "1008").status_code == 302
    assert consumer.select(["2", "3"]).status_code == 302
    page = consumer.confirm_page()
    app.extensions["withdrawal"].order_source = _Failing()
    content = _recorded(app, client, consumer.confirm(page))
    assert content["order_matched"] is False and "order-vanished" in content["flags"]
    assert content["contract_description"] == "Order lines: 2, 3"


def test_a_description_written_while_the_shop_failed_is_what_is_recorded(
    app: Flask, client: FlaskClient,
) -> None:
    """The order could not be opened at step 2, so the consumer described the contract; the
    order is back at the confirmation: the statement records their words, not an order with
    no line chosen."""
    source = app.extensions["withdrawal"].order_source
    consumer = Consumer(client)
    assert consumer.identify("Ann", "mixed@demo.example", "1008").status_code == 302
    app.extensions["withdrawal"].order_source = _Failing()
    assert consumer.select(description="The two keys of order 1008").status_code == 302
    app.extensions["withdrawal"].order_source = source
    content = _recorded(app, client, consumer.confirm())
    assert content["order_matched"] is False and content["lines"] == []
    assert content["contract_description"] == "The two keys of order 1008"
    assert "order-lookup-failed" in content["flags"]


def test_fallback_language_declares_english_text_and_labels_in_their_language(
    client: FlaskClient,
) -> None:
    """Slovak has its statutory labels but English text: each part says its language."""
    html = client.get("/withdrawal/?lang=sk").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<h1 lang="sk">Odstúpiť od zmluvy tu</h1>' in html
    assert 'lang="sk">Odstúpiť od zmluvy tu</a>' in html  # the footer link


def test_a_failing_shop_receiver_does_not_cost_the_consumer_the_receipt(
    app: Flask, consumer: Consumer, client: FlaskClient,
) -> None:
    from withdrawal.signals import statement_submitted

    def broken(sender: Any, **_: Any) -> None:
        raise RuntimeError("key revocation service down")

    statement_submitted.connect(broken)
    try:
        response = consumer.withdraw("Ann", "noconsent@demo.example", "1002", ["1"])
    finally:
        statement_submitted.disconnect(broken)
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
    assert count(app) == 1 and count(app, outbox) >= 1


def test_every_link_of_step_twos_error_summary_leads_to_its_field(client: FlaskClient) -> None:
    """On a phone the summary's link is how the consumer reaches the field to fix."""
    consumer = Consumer(client)
    assert consumer.identify("Ann", "mixed@demo.example", "1008").status_code == 302
    page = consumer.select([])
    html = page.get_data(as_text=True)
    targets = re.findall(r'<div class="error-summary".*?</div>', html, re.S)[0]
    anchors = re.findall(r'href="#([^"]+)"', targets)
    assert page.status_code == 400 and anchors
    assert all(f'id="{anchor}"' in html for anchor in anchors), anchors
