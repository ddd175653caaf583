"""Issue point 1: who may enter the audit area. A table of (method, url, role, status) covers
every audit route; without a hook or auditors the area does not exist (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from audit.support import AUDITOR, EML, PASSWORD, PDF, basic, record, store_document
from flask import Flask, g
from flask.testing import FlaskClient
from support import MakeApp, csrf_token

from withdrawal.state import state

P = "/withdrawal/audit"
REF = "{ref}"

#: Every route of the blueprint, with what a valid auditor request answers.
ROUTES = [
    ("GET", f"{P}/", 200),
    ("GET", f"{P}/statements", 200),
    ("GET", f"{P}/statements/{REF}", 200),
    ("POST", f"{P}/statements/{REF}/decisions", 302),
    ("POST", f"{P}/statements/{REF}/resend", 302),
    ("GET", f"{P}/statements/{REF}/receipt.pdf", 200),
    ("GET", f"{P}/statements/{REF}/receipt-download.pdf", 200),
    ("GET", f"{P}/statements/{REF}/acknowledgement.eml", 200),
    ("GET", f"{P}/statements/{REF}/decision-notice-1.eml", 200),
    ("GET", f"{P}/statements/{REF}/evidence.zip", 200),
    ("GET", f"{P}/export.csv", 200),
    ("GET", f"{P}/export.jsonl", 200),
    ("GET", f"{P}/integrity", 200),
    ("POST", f"{P}/integrity/verify", 302),
    ("GET", f"{P}/static/audit.css", 200),
]
ENDPOINTS = {
    "overview", "statements", "statement", "decide", "resend", "receipt", "receipt_download",
    "acknowledgement_eml", "decision_notice_eml", "evidence", "export_list", "integrity_page",
    "verify_now", "static",
}

CASES = [
    pytest.param(method, url, role, expected if role == "auditor" else 401,
                 id=f"{role}-{method}-{url.removeprefix(P) or '/'}")
    for method, url, expected in ROUTES
    for role in ("anonymous", "wrong-password", "unknown-user", "auditor")
]

HEADERS = {
    "anonymous": {},
    "wrong-password": basic(password="wrong"),
    "unknown-user": basic(user="mallory"),
    "auditor": basic(),
}


def _statement(app: Flask) -> str:
    reference = record(app)
    store_document(app, reference, "receipt-pdf", PDF)
    store_document(app, reference, "acknowledgement-eml", EML)
    store_document(app, reference, "decision-notice-eml-1", EML)
    return reference


def _send(client: FlaskClient, method: str, url: str, headers: dict[str, str]) -> Any:
    data: dict[str, str] = {}
    if method == "POST" and headers == HEADERS["auditor"]:
        page_url = url.rsplit("/", 1)[0]
        page = client.get(page_url if "integrity" not in url else f"{P}/integrity",
                          headers=headers).get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "decide-csrf_token": csrf_token(page),
                "decide-lines": "1", "decide-outcome": "accepted"}
    return client.open(url, method=method, headers=headers, data=data)


@pytest.mark.parametrize(("method", "url", "role", "expected"), CASES)
def test_access_table(app: Flask, client: FlaskClient, method: str, url: str, role: str,
                      expected: int) -> None:
    url = url.replace(REF, _statement(app))
    response = _send(client, method, url, HEADERS[role])
    response.close()
    assert response.status_code == expected
    if expected == 401:
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith("Basic ") and 'realm="withdrawal audit"' in challenge
    else:
        assert response.headers["Cache-Control"] == "no-store"


def test_the_table_covers_every_audit_route(app: Flask) -> None:
    rules = {rule.rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("withdrawal_audit.")}
    adapter = app.url_map.bind("localhost")
    covered = [adapter.match(url.replace(REF, "W-0000-0000"), method, return_rule=True)[0]
               for method, url, _status in ROUTES]
    assert {rule.rule for rule in covered} == rules
    assert {rule.endpoint.split(".", 1)[1] for rule in covered} == ENDPOINTS


@pytest.fixture
def bare_app(make_app: MakeApp) -> Callable[[Any], Flask]:
    """Apps without auditors, optionally with an ``audit_access`` hook."""

    def make(hook: Any = None) -> Flask:
        application = make_app(WITHDRAWAL_AUDITORS={})
        if hook is not None:
            state(application).audit_access = hook
        return application

    return make


@pytest.mark.parametrize(("method", "url", "_expected"), ROUTES)
def test_without_hook_or_auditors_the_area_is_not_there(
    bare_app: Callable[[Any], Flask], method: str, url: str, _expected: int,
) -> None:
    application = bare_app(None)
    response = application.test_client().open(url.replace(REF, "W-0000-0000"), method=method,
                                              headers=basic())
    assert response.status_code == 404
    assert "WWW-Authenticate" not in response.headers


def test_a_hook_that_refuses_answers_403(bare_app: Callable[[Any], Flask]) -> None:
    calls: list[bool] = []

    def refuse() -> bool:
        calls.append(True)
        return False

    application = bare_app(refuse)
    for method, url, _status in ROUTES:
        response = application.test_client().open(url.replace(REF, "W-0000-0000"),
                                                  method=method, headers=basic())
        assert response.status_code == 403
    assert len(calls) == len(ROUTES)


def test_a_hook_that_admits_replaces_basic_auth_and_names_the_auditor(
    bare_app: Callable[[Any], Flask],
) -> None:
    def admit() -> bool:
        g.withdrawal_auditor = "shop-login:olga"
        return True

    application = bare_app(admit)
    client = application.test_client()
    assert client.get(f"{P}/").status_code == 200
    reference = record(application)
    page = client.get(f"{P}/statements/{reference}").get_data(as_text=True)
    response = client.post(f"{P}/statements/{reference}/decisions",
                           data={"decide-csrf_token": csrf_token(page), "decide-lines": "1",
                                 "decide-outcome": "revoked"})
    assert response.status_code == 302
    page = client.get(f"{P}/statements/{reference}").get_data(as_text=True)
    assert "shop-login:olga" in page


def test_hook_wins_over_auditors(app: Flask) -> None:
    app.extensions["withdrawal"].audit_access = lambda: False
    assert app.test_client().get(f"{P}/", headers=basic()).status_code == 403




def test_consumer_pages_stay_open(client: FlaskClient) -> None:
    assert client.get("/withdrawal/").status_code == 200


def test_basic_credentials_are_hashed_once_then_remembered(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # scrypt costs 80-320 ms: a session's later pages must not pay it again (issue 16).
    from werkzeug.security import check_password_hash, generate_password_hash

    from withdrawal.audit import access

    checked: list[str] = []

    def counting(stored: str, password: str) -> bool:
        checked.append(password)
        return check_password_hash(stored, password)

    monkeypatch.setattr(access, "check_password_hash", counting)
    monkeypatch.setattr(access, "_admitted", type(access._admitted)())
    for _ in range(3):
        assert client.get("/withdrawal/audit/", headers=basic()).status_code == 200
    assert checked == [PASSWORD]

    assert client.get("/withdrawal/audit/", headers=basic(password="wrong")).status_code == 401
    assert checked == [PASSWORD, "wrong"]  # a wrong password is hashed, never remembered

    # A new password in the configuration: the remembered one no longer opens the area.
    app.config["WITHDRAWAL_AUDITORS"] = {AUDITOR: generate_password_hash(
        "new password", method="pbkdf2:sha256:1000")}
    assert client.get("/withdrawal/audit/", headers=basic()).status_code == 401
    assert client.get("/withdrawal/audit/",
                      headers=basic(password="new password")).status_code == 200


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@pytest.mark.parametrize("method", METHODS)
def test_a_closed_area_answers_404_to_every_method(
    bare_app: Callable[[Any], Flask], method: str,
) -> None:
    """Issue 12: the POST-only URLs answered 405 with ``Allow:``, telling that the area is
    there. Every method on every URL is 404 now, with no ``Allow``."""
    client = bare_app(None).test_client()
    for _method, url, _status in ROUTES:
        response = client.open(url.replace(REF, "W-0000-0000"), method=method,
                               headers=basic())
        response.close()
        assert response.status_code == 404, (method, url)
        assert "Allow" not in response.headers and "WWW-Authenticate" not in response.headers


def test_an_open_area_asks_who_before_it_tells_which_methods(client: FlaskClient) -> None:
    for url in (f"{P}/integrity/verify", f"{P}/statements/W-0000-0000/resend"):
        anonymous = client.get(url)
        assert anonymous.status_code == 401 and "Allow" not in anonymous.headers
        auditor = client.get(url, headers=basic())
        assert auditor.status_code == 405 and "POST" in auditor.headers["Allow"]
    refused = client.put(f"{P}/", headers=basic(password="wrong"))
    assert refused.status_code == 401


def test_a_wrong_method_elsewhere_is_left_to_flask(client: FlaskClient) -> None:
    """The check runs before every request of the app, but acts on audit URLs only."""
    response = client.put("/withdrawal/")
    assert response.status_code == 405


def test_audit_pages_send_the_consumer_pages_policy(app: Flask, client: FlaskClient) -> None:
    from withdrawal.security import CONTENT_SECURITY_POLICY

    reference = _statement(app)
    for url in (f"{P}/", f"{P}/statements", f"{P}/statements/{reference}", f"{P}/integrity",
                f"{P}/export.csv", f"{P}/statements/{reference}/receipt.pdf"):
        response = client.get(url, headers=basic())
        response.close()
        assert response.status_code == 200, url
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response.headers["Cache-Control"] == "no-store", url
