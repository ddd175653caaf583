"""The optional PAdES seal: seal a receipt, verify it, detect tampering."""

from __future__ import annotations

import builtins
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import pdf_text

from withdrawal.receipt.signing import FIELD_NAME, seal_pdf, verify_pdf_seal

pytest.importorskip("pyhanko", reason="the 'signing' extra is not installed")

Render = Callable[..., bytes]


@pytest.fixture
def sealed(render: Render, statement: dict[str, Any], pkcs12_file: tuple[Path, bytes]) -> bytes:
    path, password = pkcs12_file
    return seal_pdf(render(statement), pkcs12_path=str(path), password=password)


def test_a_sealed_receipt_verifies_as_intact_and_trusted(
    sealed: bytes, pkcs12_file: tuple[Path, bytes]
) -> None:
    path, password = pkcs12_file
    check = verify_pdf_seal(sealed, pkcs12_path=str(path), password=password)
    assert (check.present, check.intact, check.valid, check.trusted) == (True, True, True, True)
    assert check.signer_subject is not None and "Demo Keys receipt seal" in check.signer_subject
    assert check.message == "intact and trusted"
    assert "W-7K3M-9QX2" in pdf_text(sealed)  # still the same receipt


def test_without_a_trusted_certificate_integrity_is_reported_apart_from_trust(
    sealed: bytes,
) -> None:
    check = verify_pdf_seal(sealed)
    assert (check.present, check.intact, check.valid, check.trusted) == (True, True, True, False)
    assert "not trusted" in check.message


def test_a_changed_byte_in_the_sealed_content_is_detected(
    sealed: bytes, pkcs12_file: tuple[Path, bytes]
) -> None:
    path, password = pkcs12_file
    at = sealed.index(b"(Acknowledgement of receipt") + 1  # inside the signed /Title
    tampered = sealed[:at] + b"a" + sealed[at + 1 :]
    check = verify_pdf_seal(tampered, pkcs12_path=str(path), password=password)
    assert check.present and not check.intact
    assert check.message == "the sealed content was altered"


def test_an_update_appended_after_sealing_is_detected(
    sealed: bytes, pkcs12_file: tuple[Path, bytes]
) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root["/Lang"] = generic.TextStringObject("de")
    writer.update_root()  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    path, password = pkcs12_file
    check = verify_pdf_seal(out.getvalue(), pkcs12_path=str(path), password=password)
    assert check.present and not check.intact
    assert check.message == "content was added to the document after it was sealed"


def test_an_unsealed_receipt_has_no_seal(render: Render, statement: dict[str, Any]) -> None:
    check = verify_pdf_seal(render(statement))
    assert not check.present and not check.intact
    assert FIELD_NAME in check.message


def test_garbage_is_reported_not_raised() -> None:
    check = verify_pdf_seal(b"%PDF-1.4\nnot really a pdf")
    assert not check.present and "cannot be read" in check.message


def test_a_wrong_password_is_an_error(
    render: Render, statement: dict[str, Any], pkcs12_file: tuple[Path, bytes]
) -> None:
    path, _ = pkcs12_file
    with pytest.raises(ValueError):
        seal_pdf(render(statement), pkcs12_path=str(path), password=b"wrong")


def test_missing_pyhanko_names_the_signing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pyhanko(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pyhanko" or name.startswith("pyhanko."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyhanko)
    with pytest.raises(RuntimeError, match=r"'signing' extra"):
        seal_pdf(b"%PDF", pkcs12_path="unused.p12", password=None)
    with pytest.raises(RuntimeError, match=r"'signing' extra"):
        verify_pdf_seal(b"%PDF")
