"""The write path stays lean: how many SQL statements one confirm runs, and how many times a
statement and its messages take the chain-head lock (counted with SQLAlchemy event listeners;
counts are asserted here, timings only printed by bench/flow.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select
from support import (
    Consumer,
    MakeApp,
    SMTPServer,
    engine_of,
    pdf_text,
    reference_in,
    settle,
    statement_content,
)

from withdrawal.receipt.issue import keep_copy, receipt_copy
from withdrawal.statement import DocumentKind, EventType
from withdrawal.storage.chain import lock_head
from withdrawal.storage.documents import kept_document
from withdrawal.storage.statements import (
    StoredStatement,
    events_of,
    load_statement,
    record_statement,
)
from withdrawal.storage.tables import outbox

#: The confirm's transaction: lock and read the head (one UPDATE ... RETURNING), the submission
#: key and the reference in one query, the earlier statements' lines of the order, the ledger
#: entry, the head, the statement's index row, its lines and its outbox entries (multi-row),
#: and one UPSERT adding the statement to its hour's count (the audit chart reads those counts
#: instead of counting 90 days of statements on every view: revision 0019).
CONFIRM_STATEMENTS = 9


@dataclass
class Recorder:
    """SQL statements run, and commits of transactions that locked the head."""

    statements: list[str] = field(default_factory=list)
    head_locks: int = 0
    _locking: set[int] = field(default_factory=set)

    def executed(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(" ".join(statement.split()))
        if statement.startswith("UPDATE withdrawal_chain_head SET seq=withdrawal_chain_head.seq"):
            self._locking.add(id(conn))

    def committed(self, conn: Any) -> None:
        if id(conn) in self._locking:
            self._locking.discard(id(conn))
            self.head_locks += 1

    def rolled_back(self, conn: Any) -> None:
        self._locking.discard(id(conn))


@contextmanager
def recording(engine: Engine) -> Iterator[Recorder]:
    recorder = Recorder()
    hooks = (("before_cursor_execute", recorder.executed), ("commit", recorder.committed),
             ("rollback", recorder.rolled_back))
    for name, hook in hooks:
        event.listen(engine, name, hook)
    try:
        yield recorder
    finally:
        for name, hook in hooks:
            event.remove(engine, name, hook)


def test_one_confirm_runs_few_sql_statements_and_reads_nothing_back(
    make_app: MakeApp,
) -> None:
    app = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=False)  # the confirm's statements alone
    consumer = Consumer(app.test_client())
    consumer.identify("Maria Rossi", "mixed@demo.example", "1008")
    consumer.select(["1", "2"])
    page = consumer.confirm_page()
    with recording(engine_of(app)) as recorder:
        assert consumer.confirm(page).status_code == 302
    statements = recorder.statements
    assert len(statements) <= CONFIRM_STATEMENTS, "\n".join(statements)
    inserts = [s for s in statements if s.startswith("INSERT")]
    # ledger, statement, lines, outbox and the hour's count (an UPSERT): one each
    assert len(inserts) == 5, inserts
    assert not [s for s in statements if "FROM withdrawal_ledger" in s]  # no re-read


def test_the_receipt_page_reads_the_statement_once(make_app: MakeApp) -> None:
    app = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=False)
    consumer = Consumer(app.test_client())
    location = consumer.withdraw("Maria Rossi", "mixed@demo.example", "1008",
                                 ["1", "2"]).headers["Location"]
    with recording(engine_of(app)) as recorder:
        assert consumer.client.get(location).status_code == 200
    reads = [s for s in recorder.statements if "withdrawal_statements" in s]
    assert len(reads) == 1, reads  # then only its decisions: the standing reuses it
    assert len(recorder.statements) <= 2, "\n".join(recorder.statements)


def test_statement_and_each_delivery_outcome_lock_the_head_once(
    app: Flask, consumer: Consumer, client: FlaskClient, smtp_server: SMTPServer,
    runner: Any,
) -> None:
    with recording(engine_of(app)) as recorder:
        response = consumer.withdraw("Maria Rossi", "mixed@demo.example", "1008", ["1", "2"])
        settle(app)
    reference = reference_in(client.get(response.headers["Location"]).get_data(as_text=True))
    with engine_of(app).connect() as conn:
        statuses = conn.execute(select(outbox.c.status)).scalars().all()
    assert statuses == ["sent", "sent"]  # the acknowledgement and the shop's copy
    # The statement, then each outcome: the receipt PDF is kept in the first one's
    # transaction, with the e-mail that carried it (issue 16, point 1).
    assert recorder.head_locks == 1 + len(statuses)
    types = [e["type"] for e in events_of(engine_of(app), reference)]
    assert types.count(EventType.RECEIPT_PDF_STORED) == 1
    assert types.count(EventType.ACKNOWLEDGEMENT_SENT) == 2
    first = types.index(EventType.ACKNOWLEDGEMENT_SENT)
    assert types[first - 1] == EventType.RECEIPT_PDF_STORED  # appended together
    kept = kept_document(engine_of(app), reference, DocumentKind.RECEIPT_PDF)
    assert kept is not None
    to_consumer = [m for m in smtp_server.messages if "mixed@demo.example" in m.rcpt_tos]
    attached = [part.get_content() for part in to_consumer[0].message().iter_attachments()]
    assert attached == [kept]  # the PDF the consumer got is the one kept
    sent = types.index(EventType.ACKNOWLEDGEMENT_EML_STORED) - 1
    assert types[sent] == EventType.ACKNOWLEDGEMENT_SENT  # kept with its outcome
    result = runner.invoke(args=["withdrawal", "verify"])
    assert result.exit_code == 0, result.output
    # Rendered from the statement as written (not read back): the hash of the one recorded.
    stored = load_statement(engine_of(app), reference)
    pdf = kept_document(engine_of(app), reference, DocumentKind.RECEIPT_PDF)
    assert stored is not None and pdf is not None
    assert stored.content_hash in pdf_text(pdf).replace(" ", "")


def test_the_statement_as_written_is_the_one_read_back(app: Flask) -> None:
    """The after-commit delivery works from the statement as written instead of reading it
    back: it must be the same statement, to the hash."""
    written: list[StoredStatement] = []
    reference, _ = record_statement(
        engine_of(app), submission_key="as-written", order_number=None,
        build=lambda at, _w, ref: statement_content(ref, at), recipients=lambda _c: [],
        recorded=written.append)
    stored = load_statement(engine_of(app), reference)
    assert stored is not None and written[0].reference == reference
    assert written[0].content == stored.content
    assert (written[0].content_hash, written[0].seq, written[0].entry_hash) == (
        stored.content_hash, stored.seq, stored.entry_hash)


def test_a_receipt_downloaded_while_its_e_mail_goes_out_is_the_same_bytes(
    make_app: MakeApp,
) -> None:
    """The worker renders the PDF, sends it and keeps it with the outcome; a download that
    keeps one in between keeps the same bytes, and the outcome then keeps nothing more. (No
    delivery after commit: a background attempt that kept its PDF before this test renders
    one would leave it nothing to render.)"""
    app = make_app(WITHDRAWAL_DELIVER_AFTER_COMMIT=False)
    client = app.test_client()
    consumer = Consumer(client)
    response = consumer.withdraw("Maria Rossi", "mixed@demo.example", "1008", ["1", "2"])
    location = response.headers["Location"]
    reference = reference_in(client.get(location).get_data(as_text=True))
    engine = engine_of(app)
    with app.app_context():
        statement = load_statement(engine, reference)
        assert statement is not None
        copy = receipt_copy(engine, statement, "http://localhost/")  # the outbox's link_base
        assert copy.stored is not None  # rendered, not kept yet
        downloaded = client.get(location + "/withdrawal.pdf").data  # keeps its own
        with engine.begin() as conn:
            lock_head(conn)
            assert keep_copy(conn, reference, copy) == []  # one was kept meanwhile
    assert downloaded == copy.pdf
    assert kept_document(engine, reference, DocumentKind.RECEIPT_PDF) == copy.pdf
