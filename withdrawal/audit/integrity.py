"""The chain's latest verification, shown on every audit page: run ``verify_chain`` and keep
its result (when, ok, counts, the first problem)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select

from ..storage.anchors import WitnessEvidence
from ..storage.engine import Source, connected
from ..storage.statements import utcnow
from ..storage.tables import verifications
from ..storage.verify import verify_chain

#: After this long without a check, the banner says the result is stale.
STALE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class CheckResult:
    checked_at: datetime
    ok: bool
    statements: int
    entries: int
    problem: str
    checked_by: str

    def stale(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.checked_at > STALE_AFTER


def verify_and_store(
    engine: Engine, *, by: str, witnesses: WitnessEvidence | None = None,
) -> CheckResult:
    """Verify the whole chain now (with what the witnesses hold) and keep the result;
    ``problem`` keeps the first problem of each kind."""
    result = verify_chain(engine, witnesses)
    check = CheckResult(utcnow(), result.ok, result.statements, result.entries,
                        "; ".join(result.problems), by)
    with engine.begin() as conn:
        conn.execute(insert(verifications).values(
            checked_at=check.checked_at, ok=check.ok, statements=check.statements,
            entries=check.entries, problem=check.problem, checked_by=check.checked_by,
        ))
    return check


def latest_checks(source: Source, limit: int = 1) -> list[CheckResult]:
    """The most recent results, newest first."""
    query = select(verifications).order_by(verifications.c.id.desc()).limit(limit)
    with connected(source) as conn:
        return [CheckResult(r.checked_at, r.ok, r.statements, r.entries, r.problem,
                            r.checked_by) for r in conn.execute(query)]


def latest_check(source: Source) -> CheckResult | None:
    found = latest_checks(source, 1)
    return found[0] if found else None
