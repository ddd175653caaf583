"""Just enough DER to read an RFC 3161 token's message imprint and time without any library:
``verify`` checks the imprint wherever it runs. (The evidence bundle's ``check.py`` keeps its
own copy of this, so that it needs nothing but Python.)

TimeStampToken = ContentInfo { contentType, [0] SignedData { version, digestAlgorithms,
encapContentInfo { eContentType, [0] OCTET STRING (TSTInfo) }, ... } };
TSTInfo = { version, policy, messageImprint { hashAlgorithm { OID, ... }, hashedMessage },
serialNumber, genTime, ... } (RFC 3161 section 2.4.2, RFC 5652)."""

from __future__ import annotations

from dataclasses import dataclass

#: OID 2.16.840.1.101.3.4.2.1 (SHA-256), DER-encoded content octets.
SHA256_OID = bytes.fromhex("608648016503040201")


class DERError(ValueError):
    """The bytes are not the DER structure expected."""


def read(data: bytes, at: int = 0) -> tuple[int, bytes, int]:
    """The element at ``at``: (tag, content, offset after it)."""
    if at + 2 > len(data):
        raise DERError("truncated")
    tag, length, at = data[at], data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or at + count > len(data):
            raise DERError("unsupported length")
        length, at = int.from_bytes(data[at:at + count], "big"), at + count
    if at + length > len(data):
        raise DERError("truncated")
    return tag, data[at:at + length], at + length


def children(content: bytes) -> list[tuple[int, bytes]]:
    """The elements inside a constructed element's content."""
    found, at = [], 0
    while at < len(content):
        tag, value, at = read(content, at)
        found.append((tag, value))
    return found


@dataclass(frozen=True)
class Imprint:
    algorithm_oid: bytes  # the hash algorithm's OID, DER content octets
    hashed_message: bytes
    gen_time: str  # GeneralizedTime as written, e.g. 20261208101112Z

    @property
    def is_sha256(self) -> bool:
        return self.algorithm_oid == SHA256_OID


def token_imprint(token: bytes) -> Imprint:
    """The message imprint and time of a TimeStampToken (DER ContentInfo)."""
    try:
        return _imprint(token)
    except (IndexError, ValueError) as exc:
        raise DERError(f"not a timestamp token ({exc})") from exc


def _imprint(token: bytes) -> Imprint:
    _tag, content_info, _end = read(token)
    signed = children(children(content_info)[1][1])[0][1]  # [0] EXPLICIT SignedData
    encap = children(signed)[2][1]  # version, digestAlgorithms, encapContentInfo
    tst_info = children(children(encap)[1][1])[0][1]  # [0] EXPLICIT OCTET STRING
    _tag, fields, _end = read(tst_info)
    version, _policy, imprint, _serial, gen_time, *_rest = children(fields)
    algorithm, hashed = children(imprint[1])
    if version[0] != 0x02 or hashed[0] != 0x04 or gen_time[0] != 0x18:
        raise DERError("not a TSTInfo")
    return Imprint(children(algorithm[1])[0][1], hashed[1], gen_time[1].decode("ascii"))
