"""Sealed values: authenticated encryption (AES-256-GCM) keyed from the app's ``SECRET_KEY``,
for what must travel through the browser but must be neither read nor changed there (the
draft between the steps, ``withdrawal.consumer.draft``).

Each use has its own key, derived with HKDF-SHA256 from ``SECRET_KEY`` and a purpose label, so
a value sealed for one purpose never opens for another. Values are compressed (raw deflate)
before they are sealed. A sealed value is ``v1.`` followed by base64url (no padding) of the
12-byte nonce and the ciphertext with its 16-byte tag. ``SECRET_KEY_FALLBACKS`` open values
sealed before a key rotation.
"""

from __future__ import annotations

import base64
import binascii
import os
import zlib
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1."
_NONCE = 12
#: The most a sealed value may unpack to: far more than any draft, far less than harm.
MAX_PLAINTEXT = 64 * 1024


def derive_key(secret: str | bytes, purpose: str) -> bytes:
    """The 32-byte key for ``purpose`` (e.g. ``"withdrawal draft"``) from a secret key."""
    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"withdrawal/" + purpose.encode("utf-8"))
    return hkdf.derive(material)


def seal(plaintext: bytes, key: bytes, purpose: str) -> str:
    """``plaintext`` compressed, encrypted and authenticated under ``key``; the purpose is
    bound as associated data."""
    nonce = os.urandom(_NONCE)
    packed = _deflate(plaintext)
    sealed = AESGCM(key).encrypt(nonce, packed, _aad(purpose))
    return VERSION + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def unseal(value: str, keys: Iterable[bytes], purpose: str) -> bytes | None:
    """The plaintext, or None when ``value`` was changed, cut off, sealed under another key or
    purpose, or is not a sealed value at all."""
    if not value.startswith(VERSION):
        return None
    try:
        raw = base64.urlsafe_b64decode(_padded(value[len(VERSION):]))
    except (binascii.Error, ValueError):
        return None
    if len(raw) <= _NONCE + 16:
        return None
    for key in keys:
        try:
            packed = AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(purpose))
        except InvalidTag:
            continue
        return _inflate(packed)
    return None


def _aad(purpose: str) -> bytes:
    return VERSION.encode("ascii") + purpose.encode("utf-8")


def _padded(text: str) -> bytes:
    data = text.encode("ascii", "strict")
    return data + b"=" * (-len(data) % 4)


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _inflate(data: bytes) -> bytes | None:
    decompressor = zlib.decompressobj(-15)
    try:
        plain = decompressor.decompress(data, MAX_PLAINTEXT)
    except zlib.error:
        return None
    if decompressor.unconsumed_tail or not decompressor.eof:
        return None
    return plain
