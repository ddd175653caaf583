"""The evidence bundle for one statement: a ZIP that lets anyone check, without this software,
what was received, when, what the consumer was sent, and that the record was not altered.

Inside: statement.json (the content exactly as hashed), chain-entry.json (the hashed header of
its chain entry), chain-proof.json (hash, recomputation, neighbours), events.json (each event
with its own header), the acknowledgement PDF and the e-mail as sent when kept, the anchor that
covers the entry (``bundle_anchor``), manifest.json (with the decisions: each line's state, the
refund and every decision, folded from events.json), SHA256SUMS, README.txt and check.py (a
stdlib-only checker)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from ..decisions import state_json
from ..statement import DocumentKind, canonical_json, notice_seq, sha256_hex
from ..storage.documents import kept_document
from ..storage.statements import utcnow
from ..storage.tables import ledger
from .bundle_anchor import anchor_files
from .integrity import latest_check
from .proof import entry_header
from .records import StatementRecord

DOCUMENT_FILES: dict[str, str] = {DocumentKind.RECEIPT_PDF: "receipt.pdf",
                                  DocumentKind.ACKNOWLEDGEMENT_EML: "acknowledgement.eml"}


def document_file(kind: str) -> str:
    """A kept document's file name in the bundle: ``decision-notice-<seq>.eml`` for a
    decision's notice."""
    seq = notice_seq(kind)
    return f"decision-notice-{seq}.eml" if seq is not None else DOCUMENT_FILES.get(kind, kind)


#: Renders README.txt from the bundle's facts (the view passes a Jinja template).
ReadmeRenderer = Callable[[dict[str, Any]], str]


def _pretty(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True).encode() + b"\n"


def events_json(conn: Connection, reference: str) -> list[dict[str, Any]]:
    """Each event of the statement with the header its hash covers."""
    rows = conn.execute(select(ledger).where(ledger.c.reference == reference,
                                             ledger.c.kind == "event")
                        .order_by(ledger.c.seq)).all()
    events = []
    for row in rows:
        body = json.loads(row.body)
        events.append({
            "seq": row.seq, "recorded_at": row.recorded_at.isoformat(),
            "type": body.get("type"), "data": body.get("data"), "hash": row.hash,
            "prev_hash": row.prev_hash, "erased_fields": json.loads(row.erased or "{}"),
            "entry": entry_header(row),
        })
    return events


def _documents(conn: Connection, record: StatementRecord,
               ) -> tuple[dict[str, bytes], dict[str, Any]]:
    files: dict[str, bytes] = {}
    listed: dict[str, Any] = {}
    for kind, document in sorted(record.documents.items()):
        content = (kept_document(conn, record.reference, kind)
                   if document.available else None)
        name = document_file(kind)
        if content is not None:
            files[name] = content
        listed[kind] = {"file": name if content is not None else None,
                        "sha256": document.sha256}
    return files, listed


def bundle_files(
    conn: Connection, record: StatementRecord, *, by: str, readme: ReadmeRenderer,
    now: datetime | None = None,
) -> dict[str, bytes]:
    """The bundle's files by name (everything but the ZIP container). ``conn`` is the one
    ``record`` was read on, in ``one_snapshot``: every file then shows the same instant of the
    record (no event whose document the bundle lacks, no anchor newer than its events)."""
    files = {
        "statement.json": canonical_json(record.content),
        "chain-entry.json": canonical_json(record.proof.header),
        "chain-proof.json": _pretty(record.proof.as_json()),
        "events.json": _pretty(events_json(conn, record.reference)),
        "check.py": Path(__file__).with_name("bundle_check.py").read_bytes(),
    }
    documents, listed = _documents(conn, record)
    files.update(documents)
    anchored, anchor = anchor_files(conn, record.seq)
    files.update(anchored)
    facts = _facts(conn, record, by=by, now=now or utcnow(), documents=listed)
    facts["anchor"] = anchor
    facts["files"] = {name: sha256_hex(content) for name, content in sorted(files.items())}
    files["manifest.json"] = _pretty(facts)
    files["README.txt"] = readme(facts).encode()
    files["SHA256SUMS"] = "".join(
        f"{sha256_hex(content)}  {name}\n" for name, content in sorted(files.items())
    ).encode()
    return files


def _facts(
    conn: Connection, record: StatementRecord, *, by: str, now: datetime,
    documents: dict[str, Any],
) -> dict[str, Any]:
    """What manifest.json and README.txt state about the statement and its export."""
    check = latest_check(conn)
    return {
        "reference": record.reference, "exported_at": now.isoformat(), "exported_by": by,
        "submitted_at": record.content.get("submitted_at") or record.submitted_at.isoformat(),
        "seq": record.seq, "entry_hash": record.proof.hash,
        "statement_sha256": record.content_sha256, "erased": record.erased,
        "documents": documents,
        "decisions": None if record.decided is None else state_json(
            record.reference, record.decided.content, record.decided.folded, now.date()),
        "latest_verification": None if check is None else {
            "checked_at": check.checked_at.isoformat(), "ok": check.ok,
            "statements": check.statements, "entries": check.entries,
            "problem": check.problem,
        },
    }


def bundle_zip(files: dict[str, bytes], folder: str, when: datetime) -> bytes:
    """A ZIP with every file under ``folder/``, all dated ``when`` (UTC)."""
    stamp = when.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ["README.txt", *sorted(set(files) - {"README.txt"})]:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
