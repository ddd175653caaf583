"""Sending hostile requests (``strategies``) to one app and judging the answers.

One :class:`Target` per test: an app with one recorded statement (its name carries a
marker), a client with the session's CSRF token and the auditor's credentials, signed links.
The examples of a test share the app on purpose: what one left behind (a draft, a recorded
statement, a decision) is the next one's starting point, as on a real server."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from audit.support import basic
from flask import Flask
from flask.testing import FlaskClient
from hostile.strategies import (
    BODIES,
    BOUNDARY,
    LONGEST_IN_QUERY,
    MARKERS,
    RAW_MARKUP,
    UPLOADS,
    Body,
    Hostile,
    Slot,
    Value,
    encode,
    fields,
    headers,
    json_body,
    json_values,
    multipart,
    value,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Consumer, csrf_token, reference_in

from withdrawal.links import receipt_token
from withdrawal.order_links import link_token

_KEY = re.compile(r'name="key" type="hidden" value="([0-9a-f]{64})"')
#: Draft seeds for the steps after the first: an order that matches (lines preselected), and
#: one that does not, with a marker in the name.
SEEDS = {
    "matched": {"name": "Mia Example", "email": "mixed@demo.example", "order_number": "1008"},
    "unmatched": {"name": "Eve " + MARKERS[0], "email": "eve@example.com",
                  "order_number": "X-" + MARKERS[1][:20]},
}


@dataclass(frozen=True)
class Endpoint:
    """One form (or page) of the app: its method, its paths (``{}`` takes a path value: good
    ones in ``path_values``), its fields (a GET's are its query) with good values each, and
    whether a draft is seeded before each example."""

    id: str
    method: str
    path: str
    known: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    path_values: tuple[Any, ...] = ()
    draft: bool = False
    upload: bool = False


def requests(endpoint: Endpoint) -> st.SearchStrategy[tuple[Hostile, str | None]]:
    """Hostile requests to ``endpoint``, each with the draft to seed first (or None). The
    parts are built once: a strategy made while drawing would cost more than the request."""
    paths = (value(endpoint.path_values, LONGEST_IN_QUERY).map(_path_value)
             if "{}" in endpoint.path else st.just(""))
    seeds = st.sampled_from([None, *SEEDS]) if endpoint.draft else st.none()
    if endpoint.method == "GET":
        gets = st.builds(lambda p, q, h: Hostile(endpoint.path.replace("{}", p), q, headers=h),
                         paths, fields(endpoint.known, LONGEST_IN_QUERY), headers())
        return st.tuples(gets, seeds)
    query = fields({"lang": ("de", "it", "pl", "xx")}, LONGEST_IN_QUERY)
    form = fields(endpoint.known)
    uploads = st.none() | UPLOADS if endpoint.upload else st.none()

    @st.composite
    def posts(draw: st.DrawFn) -> Hostile:
        body = draw(BODIES)
        return Hostile(
            endpoint.path.replace("{}", draw(paths)), draw(query), body=body,
            headers=draw(headers()),
            form=draw(form) if body in (Body.FORM, Body.MULTIPART) else [],
            document=draw(json_values()) if body is Body.JSON else None,
            upload=draw(uploads) if body is Body.MULTIPART else None)

    return st.tuples(posts(), seeds)


def _path_value(v: Value) -> str:
    """A path value stays a slot (filled when sent) when it is one good value alone."""
    if len(v) == 1 and isinstance(v[0], Slot):
        return "{" + v[0].value + "}"
    return encode([("", v)], lambda piece: piece if isinstance(piece, str) else "x")[1:]


@dataclass
class Target:
    app: Flask
    client: FlaskClient
    csrf: str
    reference: str
    token: str
    order_token: str
    key: str | None = None

    @classmethod
    def set_up(cls, app: Flask) -> Target:
        """The app with one statement (recorded through the three steps, a marker in its
        name) and its receipt PDF kept; a client with a session and the auditor's login."""
        app.config["PROPAGATE_EXCEPTIONS"] = True  # a fault raises in the test, never a page
        client = app.test_client()
        client.environ_base.update(HTTP_AUTHORIZATION=basic()["Authorization"])
        seed = SEEDS["matched"]
        done = Consumer(client).withdraw("Ann " + MARKERS[0], seed["email"],
                                         seed["order_number"], lines=["1", "2", "3"])
        assert done.status_code == 302, done.status_code
        receipt = client.get(done.headers["Location"])
        reference = reference_in(receipt.get_data(as_text=True))
        csrf = csrf_token(client.get("/withdrawal/").get_data(as_text=True))
        with app.test_request_context():
            token = receipt_token(reference)
            order_token = link_token(seed["order_number"], seed["email"], "Ann " + MARKERS[2])
        assert client.get(f"/withdrawal/receipt/{token}/withdrawal.pdf").status_code == 200
        return cls(app, client, csrf, reference, token, order_token)

    def fill(self, piece: Any) -> str:
        if not isinstance(piece, Slot):
            return str(piece)
        if piece is Slot.KEY:
            return self._submission_key()
        return {Slot.CSRF: self.csrf, Slot.REFERENCE: self.reference, Slot.TOKEN: self.token,
                Slot.ORDER_TOKEN: self.order_token}[piece]

    def _submission_key(self) -> str:
        if self.key is None:
            found = _KEY.search(self.client.get("/withdrawal/confirm").get_data(as_text=True))
            self.key = found.group(1) if found else "0" * 64
        return self.key

    def seed(self, name: str) -> None:
        """A fresh draft through step 1, as a browser would make it."""
        self.key = None
        response = self.client.post("/withdrawal/", data={"csrf_token": self.csrf,
                                                          **SEEDS[name]})
        assert response.status_code == 302, response.status_code

    def send(self, endpoint: Endpoint, hostile: Hostile, seed: str | None) -> Any:
        if seed is not None:
            self.seed(seed)
        path = hostile.path.format(reference=self.reference, token=self.token,
                                   **{"order-token": self.order_token})
        query = encode(hostile.query, self.fill)
        if endpoint.method == "GET":
            return self.client.get(path, query_string=query, headers=hostile.headers,
                                   follow_redirects=True)
        data, content_type = self._body(hostile)
        self.key = None  # a POST may change the draft
        return self.client.post(path, query_string=query, data=data, headers=hostile.headers,
                                content_type=content_type or None, follow_redirects=True)

    def _body(self, hostile: Hostile) -> tuple[bytes, str]:
        if hostile.body is Body.FORM:
            return encode(hostile.form, self.fill).encode("ascii"), hostile.body.value
        if hostile.body is Body.MULTIPART:
            return (multipart(hostile.form, hostile.upload, self.fill),
                    f"{Body.MULTIPART.value}; boundary={BOUNDARY}")
        if hostile.body is Body.JSON:
            return json_body(hostile.document), hostile.body.value
        if hostile.body is Body.NONE:
            return b"", ""
        return b"<zq7>" + MARKERS[0].encode(), hostile.body.value


def judge(endpoint: Endpoint, hostile: Hostile, response: Any) -> None:
    """No 5xx; a body that is not a form answers 415; no marker unescaped in HTML."""
    status = response.status_code
    assert status < 500, f"{status} for {endpoint.id}"
    if endpoint.method == "POST":
        refused = hostile.body in (Body.JSON, Body.TEXT, Body.XML) or (
            hostile.body is Body.MULTIPART and not endpoint.upload)
        # A path that names nothing answers 404 (or 405) before the body is looked at.
        expected = {415, 404, 405} if refused else set(range(200, 500)) - {415}
        assert status in expected, f"{status} for a {hostile.body.name} body"
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        for raw in RAW_MARKUP:
            assert raw not in html, f"unescaped {raw!r} in {endpoint.id}"


def attack(target: Target, endpoint: Endpoint, examples: int | None = None) -> None:
    """The profile's number of hostile requests to ``endpoint`` (or ``examples``), each
    judged."""
    profile = settings()  # the loaded profile's count, or ``examples`` (the benchmark's)
    if examples is not None:
        profile = settings(profile, max_examples=examples, database=None)

    @settings(profile, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                              HealthCheck.too_slow, HealthCheck.data_too_large],
              deadline=None)
    @given(request=requests(endpoint))
    def one(request: tuple[Hostile, str | None]) -> None:
        hostile, seed = request
        judge(endpoint, hostile, target.send(endpoint, hostile, seed))

    one()
