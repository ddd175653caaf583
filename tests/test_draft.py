"""Issue 12 point 5, the draft between the steps: sealed (AES-GCM, keyed from SECRET_KEY) in
its own cookie whose attributes the package sets, under 4 KB for the worst input the forms
accept, and a tampered, undecryptable or old cookie is no draft (step 1 again, with a
sentence saying why), never a 500."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from flask.testing import FlaskClient
from support import Consumer, MakeApp, engine_of, reference_in
from werkzeug.middleware.proxy_fix import ProxyFix

from withdrawal.consumer.draft import COOKIE, MAX_SET_COOKIE, PURPOSE, line_key
from withdrawal.domain import Order, OrderLine
from withdrawal.sealing import derive_key, seal, unseal
from withdrawal.state import state
from withdrawal.storage.statements import load_statement

#: Nothing here depends on the database.
pytestmark = pytest.mark.sqlite_only

NAME, EMAIL, NUMBER = "Maria Rossi", "mixed@demo.example", "1008"
EXPIRED = "Your entries were kept for a limited time only and have been deleted."
UNREADABLE = "Your entries could not be read any more."


def draft_cookie(response: Any) -> str | None:
    """The ``Set-Cookie`` header of the draft in ``response``, or None."""
    return next((h for h in response.headers.getlist("Set-Cookie")
                 if h.startswith(COOKIE + "=")), None)


def cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]


def attributes(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")[1:]}


def test_the_draft_is_sealed_in_its_own_cookie(app: Flask, client: FlaskClient) -> None:
    response = Consumer(client).identify(NAME, EMAIL, NUMBER)
    assert response.status_code == 302
    header = draft_cookie(response)
    assert header is not None
    value = cookie_value(header)
    assert value.startswith("v1.")
    for secret in (NAME, "Maria", EMAIL, "mixed", NUMBER):
        assert secret not in value
        assert all(secret not in h for h in response.headers.getlist("Set-Cookie"))
    assert attributes(header) == {"HttpOnly", "Path=/withdrawal", "SameSite=Lax"}
    with app.test_request_context():
        plain = unseal(value, [derive_key("test-secret", PURPOSE)], PURPOSE)
    assert plain is not None and json.loads(plain)["d"]["name"] == NAME
    assert unseal(value, [derive_key("another-secret", PURPOSE)], PURPOSE) is None
    assert unseal(value, [derive_key("test-secret", "other")], "other") is None


def test_secure_over_https_behind_a_proxy(app: Flask) -> None:
    """As docs/security.md tells shops behind a proxy: ProxyFix makes the request HTTPS."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)  # type: ignore[method-assign]
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    header = draft_cookie(Consumer(client).identify(NAME, EMAIL, NUMBER))
    assert header is not None and "Secure" in attributes(header)


def test_the_shop_session_holds_no_personal_data(app: Flask, client: FlaskClient) -> None:
    response = Consumer(client).identify(NAME, EMAIL, NUMBER)
    assert response.status_code == 302
    with client.session_transaction() as session:
        kept = json.dumps(dict(session))
    for secret in (NAME, EMAIL, NUMBER):
        assert secret not in kept


def test_the_flow_goes_on_with_the_sealed_draft(app: Flask, client: FlaskClient) -> None:
    response = Consumer(client).withdraw(NAME, EMAIL, NUMBER, lines=["1"])
    assert response.status_code == 302
    deleted = draft_cookie(response)
    assert deleted is not None and "Expires=Thu, 01 Jan 1970" in deleted
    reference = reference_in(client.get(response.headers["Location"]).get_data(as_text=True))
    stored = load_statement(engine_of(app), reference)
    assert stored is not None and [line["line_id"] for line in stored.content["lines"]] == ["1"]


def _tamper(value: str) -> str:
    middle = len(value) // 2
    return value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1:]


@pytest.mark.parametrize("change", [
    pytest.param(_tamper, id="one-character-changed"),
    pytest.param(lambda v: v[:-10], id="cut-off"),
    pytest.param(lambda v: "v1.%%%not-base64", id="garbage"),
    pytest.param(lambda v: "v1." + "A" * 40, id="well-formed-but-forged"),
    pytest.param(lambda v: "v9." + v[3:], id="another-version"),
    pytest.param(lambda v: "é" * 10, id="not-ascii"),
])
def test_a_tampered_cookie_is_no_draft(client: FlaskClient, change: Any) -> None:
    header = draft_cookie(Consumer(client).identify(NAME, EMAIL, NUMBER))
    assert header is not None
    client.set_cookie(COOKIE, change(cookie_value(header)), path="/withdrawal")
    for url in ("/withdrawal/select", "/withdrawal/confirm"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/withdrawal/")
    posted = client.post("/withdrawal/confirm", data={"key": "x"})
    assert posted.status_code in (302, 400)
    step_1 = client.get("/withdrawal/")
    assert step_1.status_code == 200
    assert UNREADABLE in step_1.get_data(as_text=True)
    deleted = draft_cookie(step_1)
    assert deleted is not None and "Expires=Thu, 01 Jan 1970" in deleted
    assert UNREADABLE not in client.get("/withdrawal/").get_data(as_text=True)


def test_an_old_draft_is_gone(app: Flask, client: FlaskClient) -> None:
    written = int(time.time()) - 24 * 3600 - 60
    plain = json.dumps({"t": written, "d": {"name": NAME, "email": EMAIL,
                                             "order_number": NUMBER}}).encode()
    client.set_cookie(COOKIE, seal(plain, derive_key("test-secret", PURPOSE), PURPOSE),
                      path="/withdrawal")
    assert client.get("/withdrawal/select").status_code == 302
    page = client.get("/withdrawal/").get_data(as_text=True)
    assert EXPIRED in page and NAME not in page


@pytest.mark.parametrize("lang, sentence", [
    ("de", "Ihre Eingaben"), ("fr", "Vos saisies"), ("it", "I dati"),
])
def test_the_sentence_is_translated(client: FlaskClient, lang: str, sentence: str) -> None:
    client.set_cookie(COOKIE, "v1." + "A" * 60, path="/withdrawal")
    assert sentence in client.get(f"/withdrawal/?lang={lang}").get_data(as_text=True)


def test_a_rotated_key_still_opens_the_draft(make_app: MakeApp) -> None:
    old = make_app()
    client = old.test_client()
    Consumer(client).identify(NAME, EMAIL, NUMBER)
    new = make_app(SECRET_KEY="rotated", SECRET_KEY_FALLBACKS=["test-secret"])
    moved = new.test_client()
    cookie = client.get_cookie(COOKIE, path="/withdrawal")
    assert cookie is not None
    moved.set_cookie(COOKIE, cookie.value, path="/withdrawal")
    assert moved.get("/withdrawal/select").status_code == 200


# --- the worst case: what the forms accept, at its largest and least compressible -------------

_RANDOM = random.Random(12)


def noise(length: int, low: int = 0x10000, high: int = 0x110000) -> str:
    """Random characters (by default of four UTF-8 bytes each, from all supplementary
    planes): nothing for deflate to squeeze."""
    return "".join(chr(_RANDOM.randrange(low, high)) for _ in range(length))


def worst_email() -> str:
    """The longest, least compressible address the e-mail field takes: CJK characters before
    the @ and in the domain's labels, as many as the length limits let through."""
    domain = ".".join(noise(10, 0x4E00, 0x9FFF) for _ in range(3)) + ".de"
    for length in range(64, 0, -1):
        address = noise(length, 0x4E00, 0x9FFF) + "@" + domain
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            continue
        return address
    raise AssertionError("no valid address")


def worst_identity() -> tuple[str, str, str]:
    return noise(200), worst_email(), noise(64)


class ManyLines:
    """The demo orders, plus one order of 100 lines whose ids are 200 characters long."""

    def __init__(self, demo: Any, email: str, number: str) -> None:
        self.demo, self.email, self.number = demo, email, number
        self.ids = [noise(200) for _ in range(100)]

    def find_order(self, number: str, email: str) -> Order | None:
        if number.strip() != self.number or email.strip() != self.email:
            return self.demo.find_order(number, email)  # type: ignore[no-any-return]
        base: Order = self.demo.find_order("1002", "noconsent@demo.example")
        line: OrderLine = base.lines[0]
        lines = tuple(replace(line, line_id=line_id, title=f"Key {n}")
                      for n, line_id in enumerate(self.ids))
        return replace(base, number=self.number, email=self.email, lines=lines)


def test_the_worst_identity_fits_and_a_realistic_long_description_too(
    client: FlaskClient,
) -> None:
    name, email, number = worst_identity()
    response = Consumer(client).identify(name, email, number)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    header = draft_cookie(response)
    assert header is not None and len(header.encode()) <= MAX_SET_COOKIE < 4096
    # 1000 random Greek letters, far less compressible than any real text, fit even then
    assert client.get("/withdrawal/select").status_code == 200
    described = Consumer(client).select(description=noise(1000, 0x391, 0x3CA))
    assert described.status_code == 302
    header = draft_cookie(described)
    assert header is not None and len(header.encode()) <= MAX_SET_COOKIE


def test_an_ordinary_identity_with_1000_random_cjk_characters_fits(client: FlaskClient) -> None:
    Consumer(client).identify("Li Wei", "li.wei@example.org", "2026-000123")
    described = Consumer(client).select(description=noise(1000, 0x4E00, 0xA000))
    assert described.status_code == 302
    header = draft_cookie(described)
    assert header is not None and len(header.encode()) <= MAX_SET_COOKIE


def test_a_description_too_long_to_keep_is_a_field_error(client: FlaskClient) -> None:
    name, email, number = worst_identity()
    Consumer(client).identify(name, email, number)
    refused = Consumer(client).select(description=noise(1000))
    assert refused.status_code == 400
    assert draft_cookie(refused) is None  # the draft of step 1 is kept as it was
    assert "Your description is too long to be kept between the steps." in refused.get_data(
        as_text=True)
    assert Consumer(client).select(description=noise(300)).status_code == 302


def test_an_order_of_many_long_lines_fits(app: Flask, client: FlaskClient) -> None:
    name, email, number = worst_identity()
    email = email.casefold()
    state(app).order_source = ManyLines(state(app).order_source, email, number)
    identified = Consumer(client).identify(name, email, number)
    assert identified.status_code == 302
    header = draft_cookie(identified)
    assert header is not None and len(header.encode()) <= MAX_SET_COOKIE
    order = state(app).order_source.find_order(number, email)
    assert order is not None
    ids = [line.line_id for line in order.lines]
    chosen = Consumer(client).select(ids)
    assert chosen.status_code == 302, chosen.get_data(as_text=True)[-800:]
    header = draft_cookie(chosen)
    assert header is not None and len(header.encode()) <= MAX_SET_COOKIE
    assert client.get("/withdrawal/confirm").status_code == 200


def test_line_keys() -> None:
    assert line_key("1") == "1" and line_key("abc-12") == "abc-12"
    long_key = line_key("x" * 200)
    assert long_key.startswith("~") and len(long_key) == 9
    assert line_key("~1") != "~1"  # an id that looks like a digest is kept by its digest


def test_drafts_written_in_the_future_beyond_clock_skew_are_old(
    app: Flask, client: FlaskClient,
) -> None:
    written = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    plain = json.dumps({"t": written, "d": {"name": NAME, "email": EMAIL,
                                             "order_number": NUMBER}}).encode()
    client.set_cookie(COOKIE, seal(plain, derive_key("test-secret", PURPOSE), PURPOSE),
                      path="/withdrawal")
    assert EXPIRED in client.get("/withdrawal/").get_data(as_text=True)
