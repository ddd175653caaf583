"""An optional PAdES seal on the receipt PDF, and its verification, with pyHanko.

A seal lets anyone check later that the acknowledgement is the trader's and unaltered, without
asking the trader's database. pyHanko is the optional ``signing`` extra, so it is imported only
when a seal is made or checked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIELD_NAME = "WithdrawalSeal"

_MISSING = (
    "PDF sealing needs pyHanko: install the 'signing' extra (pip install withdrawal[signing])"
)


@dataclass(frozen=True)
class SealCheck:
    """What :func:`verify_pdf_seal` found.

    ``intact``: the sealed bytes are unchanged and nothing was appended after sealing.
    ``valid``: the signature itself is cryptographically valid. ``trusted``: the signer's
    certificate chains to a trusted certificate (only the PKCS#12 passed in is trusted, and
    nothing is fetched from the network), so integrity is reported apart from trust.
    """

    present: bool
    intact: bool
    valid: bool
    trusted: bool
    signer_subject: str | None
    message: str


def seal_pdf(pdf: bytes, *, pkcs12_path: str, password: bytes | None) -> bytes:
    """``pdf`` with an invisible PAdES seal (field ``WithdrawalSeal``) by the key and
    certificate in the PKCS#12 file, appended as an incremental update."""
    _require_pyhanko()
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12_data(
        Path(pkcs12_path).read_bytes(), other_certs=(), passphrase=password
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = io.BytesIO()
    signers.PdfSigner(metadata, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


def verify_pdf_seal(
    pdf: bytes, *, pkcs12_path: str | None = None, password: bytes | None = None
) -> SealCheck:
    """Check the ``WithdrawalSeal`` of ``pdf``. The certificates in ``pkcs12_path`` (if given)
    are the only trusted ones; without it the seal can be intact but never trusted."""
    _require_pyhanko()
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    except PdfReadError as exc:
        return _absent(f"the file cannot be read as a PDF: {exc}")
    seal = next((s for s in signatures if s.field_name == FIELD_NAME), None)
    if seal is None:
        return _absent(f"no {FIELD_NAME} signature in the document")
    return _check(seal, _trust_roots(pkcs12_path, password))


def _require_pyhanko() -> None:
    try:
        import pyhanko  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(_MISSING) from exc


def _absent(message: str) -> SealCheck:
    return SealCheck(False, False, False, False, None, message)


def _check(seal: Any, trust_roots: list[Any]) -> SealCheck:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # No fetching: verification must work offline and must not leak that a receipt is checked.
    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)
    status = validate_pdf_signature(seal, signer_validation_context=context)
    untouched = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    intact = bool(status.intact and untouched)
    return SealCheck(
        present=True,
        intact=intact,
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer_subject=status.signing_cert.subject.human_friendly,
        message=_describe(intact, bool(status.intact), bool(status.valid), bool(status.trusted)),
    )


def _describe(intact: bool, hash_ok: bool, valid: bool, trusted: bool) -> str:
    if not hash_ok:
        return "the sealed content was altered"
    if not intact:
        return "content was added to the document after it was sealed"
    if not valid:
        return "the seal's signature is not valid"
    if not trusted:
        return "intact, but the signer's certificate is not trusted"
    return "intact and trusted"


def _trust_roots(pkcs12_path: str | None, password: bytes | None) -> list[Any]:
    if pkcs12_path is None:
        return []
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
    from pyhanko.keys import load_certs_from_pemder_data

    _, certificate, chain = pkcs12.load_key_and_certificates(
        Path(pkcs12_path).read_bytes(), password
    )
    pem = b"".join(cert.public_bytes(Encoding.PEM) for cert in [certificate, *chain] if cert)
    # pyhanko-certvalidator wants asn1crypto certificates: DER bytes fail despite its docs.
    return list(load_certs_from_pemder_data(pem))
