"""The public receipt check, ``<prefix>/verify``: anyone (the consumer, a court, the shop's
lawyer) uploads a receipt PDF, or enters its reference and the SHA-256 printed on it, and
learns whether it is one we issued (byte for byte), when the statement was submitted and,
for a sealed receipt, whether the seal holds. Nothing else about the statement is shown.

No account, no JavaScript, no CSRF token (nothing changes, and scripts may ask); the answer
is JSON with ``Accept: application/json``. Checks are limited per client address
(``WITHDRAWAL_CHECK_RATE_LIMIT``, counted apart from the order look-ups) and uploads to
:data:`MAX_UPLOAD` bytes (413)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, current_app, jsonify, render_template, request
from flask.sansio.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from ..abuse import Counter, client, counter
from ..config import config_value
from ..i18n import gettext
from ..receipt.issue import Seal, seal_problems
from ..state import state
from ..statement import DocumentKind
from ..storage.authenticity import Genuine, check_reference, find_receipt
from ..storage.documents import kept_document

#: The largest upload read (or the host's ``MAX_CONTENT_LENGTH`` when smaller): our receipts
#: are far smaller.
MAX_UPLOAD = 5 * 1024 * 1024
#: Where the app keeps the check's limiter (``app.extensions``).
LIMITER_KEY = "withdrawal-receipt-check"

log = logging.getLogger(__name__)
_REFERENCE = re.compile(r"^W-[0-9A-Z]{4}-[0-9A-Z]{4}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class CheckLimiter:
    """Checks per client address, in the look-ups' store (``withdrawal.abuse``)."""

    counter: Counter

    def allow(self) -> bool:
        """Count one check by this client; False once over the limit. A failing store
        limits nothing."""
        try:
            return self.counter.hit(client())
        except Exception:
            log.exception("rate-limit store failed: the receipt check goes on unlimited")
            return True


def init_limiter(setup: BlueprintSetupState) -> None:
    """When the blueprint is registered: the check's own limiter for this app."""
    app = cast(Flask, setup.app)
    app.extensions[LIMITER_KEY] = CheckLimiter(
        counter(app, "receipt-check", config_value("CHECK_RATE_LIMIT", app)))


def receipt_check() -> ResponseReturnValue:
    """GET: the form. POST: the answer (HTML, or JSON when asked for)."""
    if request.method in ("GET", "HEAD"):
        return _page()
    limiter: CheckLimiter = current_app.extensions[LIMITER_KEY]
    if not limiter.allow():
        return _error(429, gettext("Too many checks from your address. Please try again "
                                   "later."))
    host_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    request.max_content_length = min(host_limit, MAX_UPLOAD) if host_limit else MAX_UPLOAD
    try:
        upload = request.files.get("pdf")
        reference = request.form.get("reference", "").strip().upper()
        digest = re.sub(r"\s", "", request.form.get("sha256", "")).lower()
        pdf = upload.read(MAX_UPLOAD + 1) if upload is not None else b""
    except RequestEntityTooLarge:
        return _error(413, gettext("The file is too large: a receipt has at most %(size)s MB.",
                                   size=MAX_UPLOAD // (1024 * 1024)))
    if pdf:
        return _check_pdf(pdf)
    if reference or digest:
        return _check_reference(reference, digest)
    return _error(400, gettext("Choose the receipt's PDF, or enter its reference and the "
                               "SHA-256 printed on it."))


def _check_pdf(pdf: bytes) -> ResponseReturnValue:
    if not pdf.startswith(b"%PDF-"):
        return _error(400, gettext("The file is not a PDF."))
    found = find_receipt(state().engine, pdf)
    return _answer(found, seal=_seal_valid(pdf) if found and found.sealed else None)


def _check_reference(reference: str, digest: str) -> ResponseReturnValue:
    if not _REFERENCE.match(reference):
        return _error(400, gettext("Enter the reference as printed, e.g. W-7K3M-9QX2."))
    if not _SHA256.match(digest):
        return _error(400, gettext("Enter the SHA-256 as printed: 64 characters, digits and "
                                   "the letters a to f."))
    found = check_reference(state().engine, reference, digest)
    seal = None
    if found is not None and found.sealed:
        kept = kept_document(state().engine, reference, DocumentKind.RECEIPT_PDF)
        seal = _seal_valid(kept) if kept is not None else None
    return _answer(found, seal=seal, reference=reference)


def _seal_valid(pdf: bytes) -> bool | None:
    """Whether the seal holds; None when it cannot be checked here (no pyHanko)."""
    try:
        return not seal_problems(pdf, Seal.configured())
    except RuntimeError:
        return None


def _answer(
    found: Genuine | None, *, seal: bool | None, reference: str | None = None,
) -> ResponseReturnValue:
    result: dict[str, Any] = {"genuine": found is not None,
                              "reference": found.reference if found else reference}
    if found is not None:
        result.update(submitted_at=found.submitted_at, matched=found.matched,
                      sealed=found.sealed, seal_valid=seal)
    if _wants_json():
        return jsonify(result)
    return _page(result=result)


def _error(status: int, message: str) -> ResponseReturnValue:
    if _wants_json():
        return jsonify({"genuine": None, "error": message}), status
    return _page(status, error=message)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _page(status: int = 200, **context: Any) -> ResponseReturnValue:
    return render_template("withdrawal/check.html", max_mb=MAX_UPLOAD // (1024 * 1024),
                           **context), status
