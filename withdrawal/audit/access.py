"""Who may enter the audit area. A shop plugs in its own rule (``audit_access``: a callable
returning True or False, e.g. over Flask-Login's ``current_user``); without one, HTTP Basic
against ``WITHDRAWAL_AUDITORS`` (user name -> werkzeug password hash). With neither the area
answers 404: it is never open by default.

A password hash is slow on purpose (scrypt: 80 to 320 ms), and a browser sends the Basic
credentials with every request: each worker process checks a credential against its hash once,
then keeps a keyed digest of it (a random key of the process, never in a cookie or on disk)
for ``REMEMBER`` seconds, so the next pages of the session cost a SHA-256. A changed or
removed hash in ``WITHDRAWAL_AUDITORS`` no longer matches what was kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import cache

from flask import abort, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import config_value
from ..state import state

AccessRule = Callable[[], bool]
REALM = "withdrawal audit"

#: Seconds a credential checked against its hash stays admitted in this process.
REMEMBER = 15 * 60
#: Credentials kept at most (the oldest are forgotten first).
CAPACITY = 256

_KEY = secrets.token_bytes(32)
_admitted: OrderedDict[bytes, float] = OrderedDict()
_admitted_lock = threading.Lock()


@cache
def _dummy_hash() -> str:
    """Checked when the user name is unknown, so a wrong name costs as long as a wrong
    password (with werkzeug's default method, as the auditors' hashes usually are)."""
    return generate_password_hash("not a password")


def access_rule() -> AccessRule | None:
    """The shop's ``audit_access`` hook, if it gave one."""
    return state().audit_access


def check_access() -> None:
    """Run before every audit request: return to go on, or abort with 404, 403 or 401."""
    rule = access_rule()
    if rule is not None:
        if not rule():
            abort(403)
        return
    auditors: Mapping[str, str] = config_value("AUDITORS") or {}
    if not auditors:
        abort(404)
    user = basic_auth_user(auditors)
    if user is None:
        raise Unauthorized(www_authenticate=_challenge())
    g.withdrawal_auditor = user


def basic_auth_user(auditors: Mapping[str, str]) -> str | None:
    """The auditor named by valid HTTP Basic credentials, or None."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
        return None
    stored = auditors.get(auth.username)
    if stored and _remembered(_digest(auth.username, auth.password, stored)):
        return auth.username
    valid = check_password_hash(stored or _dummy_hash(), auth.password)
    if not (stored and valid):
        return None
    _remember(_digest(auth.username, auth.password, stored))
    return auth.username


def _digest(user: str, password: str, stored: str) -> bytes:
    message = "\0".join((user, password, stored)).encode()
    return hmac.new(_KEY, message, hashlib.sha256).digest()


def _remembered(digest: bytes) -> bool:
    with _admitted_lock:
        until = _admitted.get(digest)
        if until is None:
            return False
        if until < time.monotonic():
            del _admitted[digest]
            return False
        return True


def _remember(digest: bytes) -> None:
    with _admitted_lock:
        _admitted[digest] = time.monotonic() + REMEMBER
        _admitted.move_to_end(digest)
        while len(_admitted) > CAPACITY:
            _admitted.popitem(last=False)


def _challenge() -> WWWAuthenticate:
    return WWWAuthenticate("basic", {"realm": REALM, "charset": "UTF-8"})
