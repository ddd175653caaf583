"""The filtered list as CSV or JSON Lines, produced row by row from the streamed batches of
``export_rows``: memory stays constant whatever the number of statements.

CSV cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with a single quote: a consumer's name must never run as a formula."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from .queries import StatementRow

FORMATS = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}

COLUMNS = (
    "reference", "submitted_at", "name", "email", "order_number", "order_matched", "locale",
    "flags", "lines", "acknowledgement", "acknowledgement_message_id", "decision",
    "refund_due", "refunded_on", "key_revoked_at", "personal_data_erased", "seq", "entry_hash",
    "refund_overdue", "line_decisions", "decisions",
)

CHUNK_SIZE = 64 * 1024

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(_FORMULA_START)


def safe_cell(value: str) -> str:
    """Neutralise a cell a spreadsheet would evaluate (OWASP CSV injection)."""
    return "'" + value if value and value[0] in _FORMULA_CHARS else value


def record(row: StatementRow) -> dict[str, Any]:
    """One statement as exported: plain JSON types, lines and flags as lists."""
    delivery = row.delivery
    return {
        "reference": row.reference, "submitted_at": row.submitted_at.isoformat(),
        "name": row.name, "email": row.email, "order_number": row.order_number,
        "order_matched": row.order_matched, "locale": row.locale, "flags": row.flags,
        "lines": row.lines, "acknowledgement": delivery.status if delivery else "none",
        "acknowledgement_message_id": delivery.message_id if delivery else None,
        "decision": row.decision, "refund_due": _iso(row.refund_due),
        "refunded_on": _iso(row.refunded_on), "key_revoked_at": _iso(row.key_revoked_at),
        "personal_data_erased": row.erased, "seq": row.seq, "entry_hash": row.entry_hash,
        "refund_overdue": row.refund_overdue(row.today) if row.today else False,
        "line_decisions": {line: data["state"] for line, data in row.line_states.items()},
        "decisions": row.decisions,
    }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def csv_cells(data: dict[str, Any]) -> list[str]:
    return [safe_cell(_flat(key, data[key])) for key in COLUMNS]


def _flat(key: str, value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is str:  # most cells: nothing to convert
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    nested = _NESTED.get(key)
    return nested(value) if nested is not None else str(value)


_NESTED: dict[str, Callable[[Any], str]] = {
    "flags": " ".join,
    "lines": lambda lines: " | ".join(_line_text(line) for line in lines),
    "line_decisions": lambda states: " ".join(f"{line}:{state}"
                                              for line, state in states.items()),
    "decisions": lambda decisions: " | ".join(_decision_text(d) for d in decisions),
}


def _line_text(line: dict[str, Any]) -> str:
    quantity = f" x{line['quantity']}" if line.get("quantity", 1) != 1 else ""
    found = str(line.get("status"))
    if line.get("period_ended") and found not in ("expired", "shop-policy"):
        found += ", out of time"
    if line.get("state", "undecided") != "undecided":
        found += f"; {line['state']}"
    return f"{line.get('title')}{quantity} [{found}]"


def _decision_text(decision: dict[str, Any]) -> str:
    """``2026-12-01T10:00:00+00:00 accepted 1,2 (reason) 49.98``: one decision in a cell."""
    parts = [decision["recorded_at"], decision["outcome"], ",".join(decision["lines"]) or "*"]
    if decision.get("reason"):
        parts.append(f"({decision['reason']})")
    if decision.get("amount"):
        parts.append(str(decision["amount"]))
    return " ".join(parts)


def csv_row(row: StatementRow) -> list[str]:
    """``csv_cells(record(row))`` without the record in between (the export's hot path):
    the same cells in the same order."""
    delivery, safe = row.delivery, safe_cell
    return [
        safe(row.reference), row.submitted_at.isoformat(), safe(row.name), safe(row.email),
        safe(row.order_number or ""), "yes" if row.order_matched else "no", safe(row.locale),
        safe(" ".join(row.flags)), safe(" | ".join(map(_line_text, row.lines))),
        safe(delivery.status if delivery else "none"),
        safe((delivery.message_id or "") if delivery else ""), safe(row.decision),
        _iso(row.refund_due) or "", _iso(row.refunded_on) or "",
        _iso(row.key_revoked_at) or "", "yes" if row.erased else "no", str(row.seq),
        safe(row.entry_hash),
        "yes" if row.today and row.refund_overdue(row.today) else "no",
        safe(" ".join(f"{line}:{data['state']}" for line, data in row.line_states.items())),
        safe(" | ".join(map(_decision_text, row.decisions))),
    ]


def csv_chunks(rows: Iterable[StatementRow]) -> Iterator[str]:
    """The header, then the statements, one CSV line each, in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(csv_row(row))
        if buffer.tell() >= CHUNK_SIZE:
            yield _drain(buffer)
    yield _drain(buffer)


def jsonl_chunks(rows: Iterable[StatementRow]) -> Iterator[str]:
    """One JSON object per line and statement, in chunks of about 64 KiB."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write(json.dumps(record(row), ensure_ascii=False, sort_keys=True) + "\n")
        if buffer.tell() >= CHUNK_SIZE:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def chunks(fmt: str, rows: Iterable[StatementRow]) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    return csv_chunks(rows) if fmt == "csv" else jsonl_chunks(rows)
