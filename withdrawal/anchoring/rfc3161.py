"""RFC 3161 timestamps of the chain's head: the request (built with asn1crypto, which comes
with the ``signing`` extra), sent over HTTP with the standard library, and the token's check.

The token's message imprint is the head hash itself (a SHA-256). Checking that the imprint is
the anchored hash needs no library (``der``); checking the TSA's signature needs pyHanko and
is done where it is installed. Trusting the TSA's certificate is the reader's decision (its
certificate is in the token); nothing is fetched."""

from __future__ import annotations

import secrets
import urllib.request
from typing import Any

from .der import DERError, token_imprint

#: Seconds to wait for the timestamping authority.
TSA_TIMEOUT = 30

_MISSING = ("RFC 3161 witnesses need asn1crypto: install the 'signing' extra "
            "(pip install withdrawal[signing])")


class TimestampError(RuntimeError):
    """The timestamping authority gave no usable token."""


def request_token(url: str, digest: bytes, *, timeout: float = TSA_TIMEOUT) -> bytes:
    """A TimeStampToken (DER) over ``digest`` (a SHA-256) from the TSA at ``url``."""
    try:
        from asn1crypto import tsp
    except ImportError as exc:
        raise TimestampError(_MISSING) from exc
    nonce = secrets.randbits(63)
    query = tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                            "hashed_message": digest},
        "nonce": nonce, "cert_req": True,
    })
    request = urllib.request.Request(url, data=query.dump(), method="POST", headers={
        "Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = response.read()
    except OSError as exc:
        raise TimestampError(f"{url}: {exc}") from exc
    return _token(tsp.TimeStampResp.load(answer), digest, nonce)


def _token(response: Any, digest: bytes, nonce: int) -> bytes:
    status = response["status"]["status"].native
    if status not in ("granted", "granted_with_mods"):
        text = response["status"]["status_string"].native
        raise TimestampError(f"the TSA refused: {status} {text or ''}".strip())
    token = response["time_stamp_token"]
    info = token["content"]["encap_content_info"]["content"].parsed
    if info["message_imprint"]["hashed_message"].native != digest:
        raise TimestampError("the TSA's token covers another hash")
    if info["nonce"].native != nonce:
        raise TimestampError("the TSA's token answers another request (nonce)")
    return bytes(token.dump())


def token_problems(token: bytes, head_hash: str) -> list[str]:
    """Why ``token`` does not prove ``head_hash``: its imprint (always checked) and, where
    pyHanko is installed, its signature. Empty when it holds."""
    try:
        imprint = token_imprint(token)
    except DERError as exc:
        return [str(exc)]
    if not imprint.is_sha256 or imprint.hashed_message.hex() != head_hash:
        return [f"its message imprint is not the anchored hash {head_hash}"]
    return signature_problems(token)


def signature_problems(token: bytes) -> list[str]:
    """The TSA's signature over the token's TSTInfo (skipped without pyHanko)."""
    try:
        from asn1crypto import cms
        from pyhanko.sign.validation.generic_cms import validate_sig_integrity
    except ImportError:
        return []
    import hashlib

    try:
        signed = cms.ContentInfo.load(token)["content"]
        signer = signed["signer_infos"][0]
        serial = signer["sid"].chosen["serial_number"].native
        cert = next(c.chosen for c in signed["certificates"]
                    if c.chosen.serial_number == serial)
        content = signed["encap_content_info"]["content"].contents
        algorithm = signer["digest_algorithm"]["algorithm"].native
        intact, valid = validate_sig_integrity(signer, cert, "tst_info",
                                               hashlib.new(algorithm, content).digest())
    except Exception as exc:  # a malformed token is a finding, not a crash of verify
        return [f"its signature cannot be checked: {exc.__class__.__name__}: {exc}"]
    if not (intact and valid):
        return ["the TSA's signature does not hold"]
    return []
