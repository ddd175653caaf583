"""Response headers for the withdrawal function's own pages (the blueprint only, never the host's).

The pages need nothing but their own stylesheet: no script at all (the flow works without
JavaScript, R4), no third-party resource, no plugin, and forms that post only back to the shop.
The PDF copies are served with the same policy: Chromium's built-in viewer still shows them
inline (tests/browser/test_security.py proves it).

The receipt's address carries the secret token that opens it, so the receipt and its PDF send
no ``Referer`` at all; the steps send one only to the shop itself.
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


def headers(response: Response) -> Response:
    """``after_request`` of the withdrawal blueprint. A header a view set itself is kept, and a
    host's own ``after_request`` (which runs later) may still replace any of them."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", referrer_policy(request.endpoint))
    return response


def referrer_policy(endpoint: str | None) -> str:
    """``no-referrer`` where the address is a secret, ``same-origin`` elsewhere."""
    return "no-referrer" if endpoint in SECRET_URL_ENDPOINTS else "same-origin"
