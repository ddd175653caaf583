"""``flask withdrawal health`` (issue 16, point 2: delivery runs in workers of its own, so a
shop needs an alarm for a worker that stopped): one line per check, exit 1 when a message
waits longer than it should, failed for good, a statement waits in the spool, or the
database cannot be read or lags behind the schema; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text, update
from support import Consumer, SMTPServer, free_port

from withdrawal import spool
from withdrawal.storage.schema import VERSION_TABLE
from withdrawal.storage.statements import utcnow
from withdrawal.storage.tables import outbox


def health(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["withdrawal", "health", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def engine_of(app: Flask) -> Any:
    return app.extensions["withdrawal"].engine


def test_a_healthy_shop_passes_every_check(app: Flask) -> None:
    code, output = health(app)
    assert code == 0, output
    assert [line.split(":")[0] for line in output.splitlines()] == [
        "OK database", "OK delivery", "OK failed", "OK spool"]


def test_an_acknowledgement_no_worker_sent_fails_the_delivery_check(
    app: Flask, consumer: Consumer, runner: Any, smtp_server: SMTPServer,
) -> None:
    consumer.withdraw("Ann", "noconsent@demo.example", "1002", ["1"])  # no worker runs
    assert health(app)[0] == 0  # just owed: a worker has had no time yet
    with engine_of(app).begin() as conn:
        conn.execute(update(outbox).values(next_attempt_at=utcnow() - timedelta(minutes=6)))
    code, output = health(app)
    assert code == 1
    assert "FAIL delivery: 1 message due for more than 5 minutes" in output, output
    assert "is flask withdrawal deliver --loop running?" in output
    assert health(app, "--after", "10")[0] == 0
    runner.invoke(args=["withdrawal", "deliver"])
    assert health(app)[0] == 0


def test_a_message_failed_for_good_fails_until_it_is_requeued(
    make_app: Any, smtp_server: SMTPServer, mail_config: dict[str, Any],
) -> None:
    app = make_app(**mail_config)
    smtp_server.answer = "550 5.1.1 No such user"
    Consumer(app.test_client()).withdraw("Ann", "noconsent@demo.example", "1002", ["1"])
    deliver = app.test_cli_runner().invoke(args=["withdrawal", "deliver"])
    assert "failed 1" in deliver.output, deliver.output
    code, output = health(app)
    assert code == 1 and "FAIL failed: 1 message failed for good" in output, output
    assert "flask withdrawal requeue --failed" in output
    assert "OK delivery" in output  # failed for good: no longer due
    smtp_server.answer = "250 OK"
    app.test_cli_runner().invoke(args=["withdrawal", "requeue", "--failed"])
    assert "FAIL delivery" not in health(app)[1]
    app.test_cli_runner().invoke(args=["withdrawal", "deliver"])
    assert health(app)[0] == 0


def test_a_statement_waiting_in_the_spool_fails_the_spool_check(app: Flask) -> None:
    folder = app.extensions["withdrawal"].spool_dir
    content: Any = {"reference": "W-AAAA-BBBB", "submitted_at": utcnow().isoformat()}
    spool.keep(folder, spool.SpooledStatement("a" * 64, content, "http://shop/"))
    code, output = health(app)
    assert code == 1 and "FAIL spool: 1 statement waits in" in output, output


def test_a_schema_behind_this_version_fails_the_database_check(app: Flask) -> None:
    with engine_of(app).begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '0019'"))
    code, output = health(app)
    assert code == 1
    assert "FAIL database: schema at revision 0019, this version needs" in output, output
    assert "FAIL delivery" not in output and "OK spool" in output


@pytest.mark.sqlite_only
def test_a_database_it_cannot_read_fails_without_a_traceback(make_app: Any, tmp_path: Any) -> None:
    nobody = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"  # nothing listens
    app = make_app(WITHDRAWAL_DATABASE_URL=nobody, WITHDRAWAL_DATABASE_TIMEOUT=2)
    code, output = health(app)
    assert code == 1 and "FAIL database: cannot be read: OperationalError" in output, output
    assert "Traceback" not in output


def test_entries_no_witness_anchored_for_two_intervals_fail_the_anchors_check(
    app: Flask, runner: Any, witness_dir: Any,
) -> None:
    """With witnesses, evidence left unanchored for two intervals (the worker stopped, or its
    witnesses fail and only its log says so) is an alarm; without witnesses there is no
    anchor check."""
    from evidence_support import record

    from withdrawal.health import check_health

    assert [line.split(":")[0] for line in health(app)[1].splitlines()][-1] == "OK spool"
    app.config["WITHDRAWAL_WITNESSES"] = [f"file:{witness_dir}"]
    record(app, acknowledge=False)
    code, output = health(app)
    assert code == 0 and "OK anchors: no entry unanchored for more than 2 hours" in output

    def later(hours: float) -> list[str]:
        checks = check_health(lambda: engine_of(app), app.extensions["withdrawal"].spool_dir,
                              timedelta(minutes=5), now=utcnow() + timedelta(hours=hours),
                              anchor_every=timedelta(hours=1))
        return [str(check) for check in checks if check.name == "anchors"]

    assert later(1.9)[0].startswith("OK anchors")
    [failed] = later(2.1)
    assert failed.startswith("FAIL anchors: entries since ") and "unanchored for more than " \
        "2 hours (two anchor intervals)" in failed
    assert runner.invoke(args=["withdrawal", "anchor"]).exit_code == 0
    assert later(2.1)[0].startswith("OK anchors")  # anchored: only its own events follow
    record(app, "Bea", acknowledge=False)
    assert later(2.1)[0].startswith("FAIL anchors")
