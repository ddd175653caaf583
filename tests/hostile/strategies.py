"""Hostile requests for the property-based tests: what a script, not a browser, may send.

A request is built from an :class:`Endpoint` (method, paths, the fields its form knows and a
few good values for each) and sent through the Flask test client as raw bytes, so that it
can carry what a browser never sends: NUL, lone surrogates (percent-encoded as the bytes
Python's ``surrogatepass`` gives, ``%ED%A0%80``), malformed escapes, huge values, unknown
field names, and bodies that are not forms at all (JSON of any shape, text, multipart with
files). Every text may carry :data:`MARKERS`, which must never come back unescaped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st


class Slot(Enum):
    """A value only known once the app runs: filled in when the request is sent."""

    CSRF = "csrf"  # the session's valid CSRF token
    KEY = "key"  # the draft's submission key
    REFERENCE = "reference"  # a recorded statement's reference
    TOKEN = "token"  # its signed receipt token
    ORDER_TOKEN = "order-token"  # a signed order link (withdrawal_url)


#: Markup a hostile value carries; a page must show it escaped, never as markup.
MARKERS = ('<script>zq7()</script>', '"><img src=x onerror=zq7()>', "'><svg onload=zq7()>")
#: What must never appear in an HTML answer: the markers' tags, unescaped.
RAW_MARKUP = ("<script>zq7", "<img src=x onerror=zq7", "<svg onload=zq7")

#: Already percent-encoded fragments no browser sends: NUL, a lone surrogate (high, low),
#: invalid UTF-8, an overlong NUL, broken escapes, separators.
RAW_ESCAPES = ("%00", "%ED%A0%80", "%ED%BF%BF", "%FF", "%C0%80", "%", "%G0", "%0D%0A", "+", "&",
               "=", "%26", "%3D", ";")


@dataclass(frozen=True)
class Raw:
    """A fragment sent exactly as written (already percent-encoded)."""

    text: str


Piece = str | Raw | Slot
Value = tuple[Piece, ...]

_CHARACTERS = st.characters(codec=None)  # any code point but surrogates
_SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
#: The longest value: a body's (beyond every field's limit, and beyond the 500 kB Werkzeug
#: reads of a form once encoded), a query string's (beyond what servers take in a URL, 8 kB).
LONGEST_IN_BODY, LONGEST_IN_QUERY = 120_000, 3_000


def _huge(longest: int) -> st.SearchStrategy[str]:
    return st.builds(lambda ch, n: ch * n,
                     st.sampled_from(["A", "é", "\U0001f600", "<", "\x00", " ", "%"]),
                     st.integers(min_value=300, max_value=longest))


def _piece(longest: int) -> st.SearchStrategy[Piece]:
    return st.one_of(
        st.text(_CHARACTERS, max_size=40),
        st.sampled_from(MARKERS),
        st.sampled_from(["\x00", "\r\n", "\t", "\x7f", "\u2028", "\ufeff", "\u202e"]),
        _SURROGATES,
        st.builds(Raw, st.sampled_from(RAW_ESCAPES)),
        _huge(longest),
    )


def hostile_value(longest: int = LONGEST_IN_BODY) -> st.SearchStrategy[Value]:
    """A field's value made of hostile pieces."""
    return st.lists(_piece(longest), max_size=5).map(tuple)


def value(good: tuple[Any, ...] = (), longest: int = LONGEST_IN_BODY) -> st.SearchStrategy[Value]:
    """A good value of the field (``good``), one with hostile pieces around it, or a hostile
    one."""
    if not good:
        return hostile_value(longest)
    goods = st.sampled_from(good).map(lambda g: (g,))
    return st.one_of(goods, hostile_value(longest),
                     st.tuples(goods, hostile_value(longest)).map(lambda t: t[0] + t[1]))


def fields(
    known: dict[str, tuple[Any, ...]], longest: int = LONGEST_IN_BODY,
) -> st.SearchStrategy[list[tuple[str, Value]]]:
    """Name and value pairs: the form's own fields (each may repeat) and unknown names."""
    names = [*known] if known else ["q"]
    own = st.one_of([st.tuples(st.just(n), value(known.get(n, ()), longest)) for n in names])
    unknown = st.tuples(st.one_of(st.text(_CHARACTERS, max_size=20), _SURROGATES,
                                  st.sampled_from(["", "csrf_token", "__proto__", "a[]", "\x00"])),
                        hostile_value(longest))
    return st.lists(st.one_of(own, own, own, unknown), max_size=12)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                     st.text(max_size=30), st.sampled_from(MARKERS))
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON document: the shapes a form field should never be (ints, floats, objects)."""
    return _JSON


class Body(Enum):
    FORM = "application/x-www-form-urlencoded"
    MULTIPART = "multipart/form-data"
    JSON = "application/json"
    TEXT = "text/plain"
    XML = "application/xml"
    NONE = ""


@dataclass(frozen=True)
class Hostile:
    """One request, before its slots are filled."""

    path: str
    query: list[tuple[str, Value]]
    body: Body = Body.NONE
    form: list[tuple[str, Value]] = field(default_factory=list)
    document: Any = None  # the JSON body
    upload: bytes | None = None  # a file part (``pdf``) of a multipart body
    headers: dict[str, str] = field(default_factory=dict)


#: The form encodings and what a script may send instead, for a POST.
BODIES = st.sampled_from([Body.FORM, Body.FORM, Body.FORM, Body.FORM, Body.MULTIPART,
                          Body.JSON, Body.TEXT, Body.XML, Body.NONE])
_ACCEPT = st.sampled_from(["", "text/html", "application/json", "*/*",
                           "application/json;q=1, text/html;q=0.1", "x/\x7f;;;q=a"])
_LANGUAGES = st.one_of(st.sampled_from(["", "de", "fr-CH, fr;q=0.9", "pl", "xx", "*",
                                        "it;q=nan", "en;q=1e999"]),
                       st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30))
UPLOADS = st.one_of(st.binary(max_size=200), st.binary(max_size=200).map(b"%PDF-".__add__),
                    st.just(b"%PDF-" + b"x" * (5 * 1024 * 1024 + 1)))


_HEADERS = st.fixed_dictionaries({}, optional={"Accept": _ACCEPT, "Accept-Language": _LANGUAGES})


def headers() -> st.SearchStrategy[dict[str, str]]:
    return _HEADERS


def encode(pairs: list[tuple[str, Value]], fill: Any) -> str:
    """``name=value&...`` percent-encoded as UTF-8 with surrogates passed through."""
    return "&".join(f"{_quote(name)}={_encoded(v, fill)}" for name, v in pairs)


def _quote(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _encoded(value: Value, fill: Any) -> str:
    return "".join(piece.text if isinstance(piece, Raw) else _quote(fill(piece))
                   for piece in value)


def raw_bytes(value: Value, fill: Any) -> bytes:
    """A value's bytes as a multipart part carries them (escapes left as they are)."""
    return b"".join(piece.text.encode() if isinstance(piece, Raw)
                    else fill(piece).encode("utf-8", "surrogatepass") for piece in value)


BOUNDARY = "hostile-boundary-7e3f"


def multipart(pairs: list[tuple[str, Value]], upload: bytes | None, fill: Any) -> bytes:
    parts = []
    for name, v in pairs:
        disposition = f'form-data; name="{_quote(name)}"'.encode()
        parts.append(b"Content-Disposition: " + disposition + b"\r\n\r\n" + raw_bytes(v, fill))
    if upload is not None:
        parts.append(b'Content-Disposition: form-data; name="pdf"; filename="r.pdf"\r\n'
                     b"Content-Type: application/pdf\r\n\r\n" + upload)
    boundary = f"--{BOUNDARY}".encode()
    return b"".join(boundary + b"\r\n" + part + b"\r\n" for part in parts) + boundary + b"--\r\n"


def json_body(document: Any) -> bytes:
    return json.dumps(document, allow_nan=True).encode("utf-8", "surrogatepass")
