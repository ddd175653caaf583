"""The security headers of the withdrawal pages, through the Flask test client (fast, no
browser): a strict Content-Security-Policy, nosniff and a Referrer-Policy on every response of
the blueprint (pages, PDFs, errors, its stylesheet), ``no-referrer`` where the address carries
the receipt token, and nothing of it on the host's own pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from support import Consumer, csrf_token

from withdrawal import security
from withdrawal.security import CONTENT_SECURITY_POLICY

#: The headers do not depend on the database.
pytestmark = pytest.mark.sqlite_only

STRICT = {
    "default-src": "'self'", "img-src": "'self' data:", "style-src": "'self'",
    "script-src": "'none'", "object-src": "'none'", "base-uri": "'none'",
    "form-action": "'self'", "frame-ancestors": "'self'",
}


def directives(policy: str) -> dict[str, str]:
    pairs = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: value for name, value in pairs}


def assert_protected(response: Any, referrer: str = "same-origin") -> None:
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == referrer


def test_the_policy_is_the_strict_one() -> None:
    assert directives(CONTENT_SECURITY_POLICY) == STRICT


def test_every_step_carries_the_headers(client: FlaskClient) -> None:
    consumer = Consumer(client)
    assert_protected(client.get("/withdrawal/"))
    assert_protected(client.get("/withdrawal/?lang=it"))
    assert_protected(client.get("/withdrawal/select"))  # a redirect: no draft yet
    identified = consumer.identify("Maria Rossi", "mixed@demo.example", "1008")
    assert identified.status_code == 302
    assert_protected(identified)
    assert_protected(client.get("/withdrawal/select"))
    assert_protected(consumer.select())
    assert_protected(client.get("/withdrawal/confirm"))


def test_receipt_and_its_pdf_send_no_referrer(client: FlaskClient) -> None:
    confirmed = Consumer(client).withdraw("Maria Rossi", "maria@example.org", "4711")
    assert confirmed.status_code == 302
    assert_protected(confirmed)
    receipt = confirmed.headers["Location"]
    assert_protected(client.get(receipt), referrer="no-referrer")
    assert_protected(client.get(receipt + "/withdrawal.pdf"), referrer="no-referrer")
    inline = client.get(receipt + "/withdrawal.pdf?view=1")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert_protected(inline, referrer="no-referrer")
    assert_protected(client.get("/withdrawal/receipt/not-a-token"), referrer="no-referrer")


def test_documents_errors_and_the_stylesheet_carry_the_headers(client: FlaskClient) -> None:
    model_form = client.get("/withdrawal/model-form.pdf")
    assert model_form.mimetype == "application/pdf"
    assert_protected(model_form)
    stylesheet = client.get("/withdrawal/static/withdrawal.css")
    assert stylesheet.mimetype == "text/css"
    assert_protected(stylesheet)
    stylesheet.close()
    expired = client.post("/withdrawal/", data={"name": "A", "email": "a@example.com",
                                                "order_number": "1"})
    assert expired.status_code == 400  # no CSRF token: the session-expired page
    assert_protected(expired)
    page = client.get("/withdrawal/").get_data(as_text=True)
    invalid = client.post("/withdrawal/", data={"csrf_token": csrf_token(page)})
    assert invalid.status_code == 400
    assert_protected(invalid)


def test_the_host_pages_are_left_alone(client: FlaskClient) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert "Content-Security-Policy" not in home.headers
    assert "Referrer-Policy" not in home.headers
    assert "Content-Security-Policy" not in client.get("/no-such-page").headers


def test_a_view_or_the_host_may_set_its_own(app: Flask, client: FlaskClient) -> None:
    own = Response("x", headers={"Content-Security-Policy": "default-src 'none'"})
    with app.test_request_context("/withdrawal/"):
        assert security.headers(own).headers["Content-Security-Policy"] == "default-src 'none'"

    @app.after_request
    def host_policy(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = "default-src 'self' https://cdn.example"
        return response

    answer = client.get("/withdrawal/")
    assert answer.headers["Content-Security-Policy"] == "default-src 'self' https://cdn.example"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


# --- Cache-Control (issue 12 point 5) --------------------------------------------------------


def assert_not_stored(response: Any) -> None:
    assert response.headers.get("Cache-Control") == "no-store", response.request.path


def test_every_page_with_personal_data_is_not_stored(app: Flask, client: FlaskClient) -> None:
    """Per URL of the blueprint: the steps (GET, POST, redirects, errors), the receipt that
    is also the status page, its PDF, the order link, the receipt check."""
    consumer = Consumer(client)
    assert_not_stored(client.get("/withdrawal/"))
    assert_not_stored(client.get("/withdrawal/select"))  # no draft: a redirect
    assert_not_stored(client.get("/withdrawal/confirm"))
    assert_not_stored(consumer.identify("Maria Rossi", "mixed@demo.example", "1008"))
    assert_not_stored(client.get("/withdrawal/"))  # prefilled with the draft
    assert_not_stored(client.get("/withdrawal/select"))
    assert_not_stored(consumer.select(["1"]))
    assert_not_stored(client.get("/withdrawal/confirm"))
    confirmed = consumer.confirm()
    assert_not_stored(confirmed)
    receipt = confirmed.headers["Location"]
    assert_not_stored(client.get(receipt))
    assert_not_stored(client.get(receipt + "/withdrawal.pdf"))
    assert_not_stored(client.get(receipt + "/withdrawal.pdf?view=1"))
    assert_not_stored(client.get("/withdrawal/receipt/not-a-token"))
    assert_not_stored(client.post("/withdrawal/", data={"name": "x"}))  # no CSRF token
    assert_not_stored(client.get("/withdrawal/verify"))
    assert_not_stored(client.post("/withdrawal/verify", data={"reference": "W-0000-0000",
                                                               "sha256": "0" * 64}))
    with app.test_request_context("/"):
        from withdrawal import withdrawal_url

        link = withdrawal_url("1008", "mixed@demo.example", external=False)
    assert_not_stored(client.get(link))
    assert_not_stored(client.get("/withdrawal/order/broken"))


def test_the_stylesheet_and_the_model_form_may_be_cached(client: FlaskClient) -> None:
    stylesheet = client.get("/withdrawal/static/withdrawal.css")
    assert "no-store" not in stylesheet.headers.get("Cache-Control", "")
    stylesheet.close()
    model_form = client.get("/withdrawal/model-form.pdf")
    assert "no-store" not in model_form.headers.get("Cache-Control", "")


def test_every_consumer_route_is_covered(app: Flask) -> None:
    """A new route must be added to the table above (or to the cacheable ones)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("withdrawal.")}
    assert endpoints == {
        "withdrawal.identify", "withdrawal.select", "withdrawal.confirm", "withdrawal.receipt",
        "withdrawal.receipt_pdf_download", "withdrawal.order_link", "withdrawal.receipt_check",
    } | security.CACHEABLE_ENDPOINTS


def test_the_demo_mailbox_is_not_stored(make_app: Any) -> None:
    app = make_app(DEMO_MAILBOX=True)
    client = app.test_client()
    Consumer(client).withdraw("Maria Rossi", "mixed@demo.example", "1008", ["1"])
    state_of = app.extensions["withdrawal"]
    state_of.wait_for_background()
    index = client.get("/demo/mailbox/")
    assert index.status_code == 200
    assert_not_stored(index)
    names = re.findall(r'href="/demo/mailbox/([0-9-]+\.eml)"', index.get_data(as_text=True))
    for name in names[:1]:
        assert_not_stored(client.get(f"/demo/mailbox/{name}"))
