"""Issue 14: revision 0014 replaces the whole-statement decision index by the per-line one,
filled from the chain, so a statement decided as a whole in round one still shows and filters
correctly (its decision covers all its lines: here, a statement without lines)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, select

from withdrawal.storage.decisions import rebuild_line_decisions
from withdrawal.storage.engine import make_engine
from withdrawal.storage.schema import upgrade_schema
from withdrawal.storage.statements import load_statement
from withdrawal.storage.tables import ledger, line_decisions, outbox
from wsgi import create_app

DATA = Path(__file__).with_name("data")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def round_one(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The first release's database, as tests/test_migrations.py uses it."""
    if request.param == "sqlite":
        copy = tmp_path / "round1.sqlite3"
        shutil.copy(DATA / "round1.sqlite3", copy)
        return f"sqlite:///{copy}"
    url = str(request.getfixturevalue("pg_url"))
    schema = url.rsplit("%3D", 1)[1]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql((DATA / "round1-postgres.sql").read_text()
                             .replace("{schema}", schema))
    engine.dispose()
    return url


def decided(engine: Engine) -> tuple[str, list[str]]:
    """The statement round one accepted as a whole (refund due 2026-12-14), and its line ids
    ("*" for a statement without lines)."""
    with engine.connect() as conn:
        reference = conn.execute(select(ledger.c.reference).where(
            ledger.c.body.like('%"decision":"accepted"%'))).scalar_one()
    stored = load_statement(engine, reference)
    assert stored is not None
    return reference, [line["line_id"] for line in stored.content["lines"]] or ["*"]


def test_round_one_decisions_are_folded_into_the_line_index(round_one: str) -> None:
    engine = make_engine(round_one)
    upgrade_schema(engine)
    reference, line_ids = decided(engine)
    tables = set(inspect(engine).get_table_names())
    assert "withdrawal_decisions_index" not in tables
    assert "event_seq" in {c["name"] for c in inspect(engine).get_columns("withdrawal_outbox")}
    with engine.connect() as conn:
        rows = conn.execute(select(line_decisions)).all()
        assert conn.execute(select(outbox.c.event_seq)).scalars().all() == [None, None]
    assert [(r.reference, r.line_id, r.state, r.refund_due.isoformat()) for r in rows] == [
        (reference, line, "accepted", "2026-12-14") for line in line_ids]
    assert rebuild_line_decisions(engine) == 1  # the same from the chain at any time
    with engine.connect() as conn:
        assert conn.execute(select(line_decisions)).all() == rows
    engine.dispose()


def test_the_audit_area_shows_and_filters_a_round_one_decision(round_one: str) -> None:
    from withdrawal.audit.paging import page
    from withdrawal.audit.queries import Filters
    from withdrawal.audit.views import scope
    from withdrawal.backoffice import statement_state

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "MAIL_SUPPRESS_SEND": True,
                      "WITHDRAWAL_DATABASE_URL": round_one,
                      "WITHDRAWAL_DELIVER_AFTER_COMMIT": False})
    engine = app.extensions["withdrawal"].engine
    try:
        reference, line_ids = decided(engine)
        with app.test_request_context():
            state = statement_state(reference)
            found = page(engine, Filters(decision="accepted"), scope())
            undecided = page(engine, Filters(decision="undecided"), scope())
        assert [line["state"] for line in state["lines"]] == ["accepted"] * len(line_ids)
        assert [d["outcome"] for d in state["decisions"]] == ["accepted"]
        assert state["refund"]["due_on"] == "2026-12-14"
        assert [row.reference for row in found.rows] == [reference]
        assert found.rows[0].decision == "accepted"
        assert reference not in [row.reference for row in undecided.rows]
    finally:
        engine.dispose()
