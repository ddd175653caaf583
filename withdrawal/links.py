"""Unguessable, bookmarkable links to a statement's on-screen receipt: the reference signed with
the app's SECRET_KEY. They do not expire; rotating SECRET_KEY invalidates them."""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "withdrawal-receipt"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)  # type: ignore[arg-type]


def receipt_token(reference: str) -> str:
    return _serializer().dumps(reference)


def reference_from_token(token: str) -> str | None:
    try:
        reference = _serializer().loads(token)
    except BadSignature:
        return None
    return reference if isinstance(reference, str) else None


def receipt_url(reference: str, *, external: bool = False) -> str:
    return url_for("withdrawal.receipt", token=receipt_token(reference), _external=external)
