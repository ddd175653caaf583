"""Who may enter the audit area. A shop plugs in its own rule (``audit_access``: a callable
returning True or False, e.g. over Flask-Login's ``current_user``); without one, HTTP Basic
against ``WITHDRAWAL_AUDITORS`` (user name -> werkzeug password hash). With neither the area
answers 404: it is never open by default."""

from __future__ import annotations

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
    valid = check_password_hash(stored or _dummy_hash(), auth.password)
    return auth.username if stored and valid else None


def _challenge() -> WWWAuthenticate:
    return WWWAuthenticate("basic", {"realm": REALM, "charset": "UTF-8"})
