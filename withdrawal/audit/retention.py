"""Retention (GDPR Art. 5(1)(e)): erase the personal data of statements older than the period
while the chain stays verifiable.

An entry's hash commits each top-level field by its digest (``chain.field_digests``), and a
field listed in the entry's ``erased`` contributes the digest kept there. So erasing keeps
``erased = {"content": <digest of the original content>}`` and stores the content with its
personal fields replaced by ``"[erased]"``: the recomputed hash is unchanged. Events about the
statement lose their personal fields the same way (``data``). The index's name and e-mail are
blanked, the PDF and the e-mail as sent are deleted (their digests go into the
``personal-data-erased`` event) and the outbox forgets the addresses and webhook bodies."""

from __future__ import annotations

import json
import re
from calendar import monthrange
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from ..statement import ERASED, EventType, canonical_json, sha256_hex
from ..storage.chain import lock_head
from ..storage.statements import append_event
from ..storage.tables import documents, ledger, outbox, statements

#: Statement content fields that identify the consumer.
PERSONAL_CONTENT = ("name", "email", "order_email", "contract_description")
#: Event data fields that may identify the consumer (addresses, SMTP errors, free notes).
PERSONAL_EVENT_DATA = ("recipient", "error", "note")

_PERIOD = re.compile(r"^\s*(\d+)\s*([ymd])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """A retention period such as ``10y``, ``6m`` or ``30d``."""

    count: int
    unit: str  # y, m, d

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    def before(self, now: datetime) -> datetime:
        """The instant ``now`` minus this period (month ends clamp: 31 March - 1m = 28/29 Feb)."""
        if self.unit == "d":
            return now - timedelta(days=self.count)
        months = self.count * (12 if self.unit == "y" else 1)
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        day = min(now.day, monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)


def parse_period(text: str) -> Period:
    match = _PERIOD.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a period such as 10y, 6m or 30d")
    return Period(int(match.group(1)), match.group(2).lower())


def erase_fields(values: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A copy with each listed field that holds something replaced by ``[erased]``."""
    return {key: ERASED if key in fields and value not in (None, "") else value
            for key, value in values.items()}


@dataclass
class PurgeReport:
    cutoff: datetime
    references: list[str] = field(default_factory=list)


def due_for_erasure(engine: Engine, cutoff: datetime, batch: int = 500) -> Iterator[str]:
    """References of statements submitted before ``cutoff`` and not yet erased, oldest first,
    read in keyset batches."""
    last = 0
    while True:
        query = (
            select(statements.c.seq, statements.c.reference, ledger.c.erased)
            .join(ledger, ledger.c.seq == statements.c.seq)
            .where(statements.c.submitted_at < cutoff, statements.c.seq > last)
            .order_by(statements.c.seq).limit(batch)
        )
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        yield from (r.reference for r in rows if not _is_erased(r.erased))
        if len(rows) < batch:
            return
        last = rows[-1].seq


def _is_erased(erased: str | None) -> bool:
    return bool(erased) and "content" in json.loads(erased or "{}")


def purge(engine: Engine, cutoff: datetime, *, period: str = "", dry_run: bool = False,
          ) -> PurgeReport:
    """Erase the personal data of every statement submitted before ``cutoff``, one
    transaction per statement."""
    report = PurgeReport(cutoff)
    for reference in due_for_erasure(engine, cutoff):
        if not dry_run:
            with engine.begin() as conn:
                erase_statement(conn, reference, {"retention": period,
                                                  "cutoff": cutoff.isoformat()})
        report.references.append(reference)
    return report


def erase_statement(conn: Connection, reference: str, why: Mapping[str, Any]) -> None:
    """Erase one statement's personal data in the caller's transaction."""
    lock_head(conn)
    entries = conn.execute(
        select(ledger).where(ledger.c.reference == reference).order_by(ledger.c.seq)
    ).all()
    erased = [found for entry in entries
              if (found := _erase_entry(conn, entry, *_PERSONAL[entry.kind == "statement"]))]
    conn.execute(update(statements).where(statements.c.reference == reference)
                 .values(name="", email="", email_lower=""))
    conn.execute(update(outbox).where(outbox.c.reference == reference)
                 .values(recipient=ERASED, last_error=None, payload=None))
    kept = _delete_documents(conn, reference)
    append_event(conn, reference, EventType.PERSONAL_DATA_ERASED, {
        **why, "content_fields": list(PERSONAL_CONTENT),
        "event_fields": list(PERSONAL_EVENT_DATA), "documents": kept, "entries": erased,
    })


#: By "is it the statement": the field of an entry that retention erases, and what of it.
_PERSONAL = {True: ("content", PERSONAL_CONTENT), False: ("data", PERSONAL_EVENT_DATA)}


def _erase_entry(
    conn: Connection, entry: Any, name: str, fields: tuple[str, ...],
) -> dict[str, Any] | None:
    """Erase the personal parts of the entry's field ``name``; what the erasure event records
    of it (its entry, the field, the digest of the field before and after), or None when
    there was nothing to erase. The digest after commits, in the chain, what is left: the
    submission time, the lines, the decisions, which the entry's own hash no longer covers
    once its field's original is gone (``storage.verify_erasures`` compares them)."""
    body = json.loads(entry.body)
    value = body.get(name)
    erased = json.loads(entry.erased) if entry.erased else {}
    if not isinstance(value, dict) or name in erased:
        return None
    new_value = erase_fields(value, fields)
    if new_value == value:
        return None
    erased[name] = sha256_hex(canonical_json(value))
    conn.execute(update(ledger).where(ledger.c.seq == entry.seq).values(
        body=canonical_json({**body, name: new_value}).decode(), erased=json.dumps(erased),
    ))
    return {"seq": entry.seq, "field": name, "original": erased[name],
            "erased": sha256_hex(canonical_json(new_value))}


def _delete_documents(conn: Connection, reference: str) -> dict[str, str]:
    """Delete the statement's documents; returns their digests, kind -> sha256."""
    rows = conn.execute(select(documents.c.kind, documents.c.sha256)
                        .where(documents.c.reference == reference)).all()
    conn.execute(delete(documents).where(documents.c.reference == reference))
    return {row.kind: row.sha256 for row in rows}
