"""Response headers for the withdrawal function's own pages (the blueprint only, never the host's).

The pages need nothing but their own stylesheet: no script at all (the flow works without
JavaScript, R4), no third-party resource, no plugin, and forms that post only back to the shop.
The PDF copies are served with the same policy: Chromium's built-in viewer still shows them
inline (tests/browser/test_security.py proves it).

The receipt's address carries the secret token that opens it, so the receipt and its PDF send
no ``Referer`` at all; the steps send one only to the shop itself.

Every answer of the blueprint but its stylesheet and the model form (which shows only the
trader's details) is ``Cache-Control: no-store``: the steps, the receipt (also the status
page), its PDF, the receipt check and the error pages show personal data, and Back after the
receipt must ask the server again. The audit area sends the same policy (``audit.pages``).
"""

from __future__ import annotations

from flask import Response, request

#: Everything from the shop's own origin only; ``data:`` images for a shop's inline logo.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
))

#: Endpoints whose address holds the receipt token.
SECRET_URL_ENDPOINTS = frozenset({"withdrawal.receipt", "withdrawal.receipt_pdf_download",
                                  "withdrawal.order_link"})


#: Endpoints whose answers hold nothing personal and may be cached.
CACHEABLE_ENDPOINTS = frozenset({"withdrawal.static", "withdrawal.model_form"})
NOT_STORED = "no-store"


def headers(response: Response) -> Response:
    """``after_request`` of the withdrawal blueprint. A header a view set itself is kept
    (``Cache-Control`` only when it already says ``no-store``), and a host's own
    ``after_request`` (which runs later) may still replace any of them."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", referrer_policy(request.endpoint))
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        not_stored(response)
    return response


def not_stored(response: Response) -> Response:
    """Never kept by the browser or a cache on the way."""
    if NOT_STORED not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = NOT_STORED
    return response


def referrer_policy(endpoint: str | None) -> str:
    """``no-referrer`` where the address is a secret, ``same-origin`` elsewhere."""
    return "no-referrer" if endpoint in SECRET_URL_ENDPOINTS else "same-origin"
