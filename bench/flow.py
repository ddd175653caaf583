"""The whole consumer flow over HTTP, statements per second, against a bare Flask app doing the
same three steps with one INSERT (``_bare_app.py``), both served by gunicorn (2 workers,
4 threads each) on this machine, the same client walking both, in the same run.

The real flow runs the demo shop with delivery on, as in production: the web workers record
each statement and what it owes; a ``flask withdrawal deliver --loop`` worker of its own,
woken at each commit (PostgreSQL NOTIFY, or its short poll on SQLite), sends each
acknowledgement (PDF and e-mail) to a real SMTP server (aiosmtpd) in this process. The
acknowledgement's latency is from the confirm's answer to the SMTP server taking the message.
``BENCH_DELIVERY_WORKERS=2`` starts two workers.

    .venv/bin/python bench/flow.py                 # 300 statements, 8 consumers at once
    .venv/bin/python bench/flow.py --quick         # CI: 30 statements
    .venv/bin/python bench/flow.py --url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout

from bench._report import ROOT, Report, arguments, database  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from serving import SECRET_KEY, HttpConsumer, stop, worker  # noqa: E402
from support import SMTPServer, free_port, serving  # noqa: E402

CONSUMERS = 8
#: Delivery workers beside gunicorn (BENCH_DELIVERY_WORKERS).
WORKERS = int(os.environ.get("BENCH_DELIVERY_WORKERS", "1"))


@contextmanager
def gunicorn(app: str, env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--worker-class", "gthread", "--threads", "4", app]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT),
                                        "SECRET_KEY": SECRET_KEY, **env},
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(log.read_text())
        try:
            with urllib.request.urlopen(url + "/withdrawal/", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer: {log.read_text()}")


def one_statement(url: str, n: int, answered: dict[str, float]) -> float:
    """Walk the three steps; the seconds the confirm POST took. ``answered``: when each
    consumer's confirm was answered (wall clock), by e-mail address."""
    consumer = HttpConsumer(url)
    email = f"c{n}@example.com"
    page = consumer.prepare(f"Consumer {n}", email, f"X{n}", "a licence key")
    started = time.perf_counter()
    answer = consumer.confirm(page)
    took = time.perf_counter() - started
    answered[email] = time.time()
    assert answer.status == 302, answer.body[:500]
    return took


def run(url: str, count: int, answered: dict[str, float]) -> tuple[float, list[float]]:
    one_statement(url, 0, {})  # warm both workers' first request (and the delivery worker)
    one_statement(url, 1, {})
    started = time.perf_counter()
    with ThreadPoolExecutor(CONSUMERS) as pool:
        confirms = list(pool.map(lambda n: one_statement(url, n, answered),
                                 range(2, count + 2)))
    return count / (time.perf_counter() - started), confirms


@contextmanager
def delivery_workers(config: dict[str, Any], log: Path, count: int) -> Iterator[None]:
    """``count`` ``flask withdrawal deliver --loop`` processes of their own, beside gunicorn."""
    processes = [worker(config, log, "deliver", "--loop") for _n in range(count)]
    try:
        yield
    finally:
        for process in processes:
            stop(process)


def latencies(smtp: Any, answered: dict[str, float]) -> list[float]:
    """Seconds from each confirm's answer to its acknowledgement reaching the SMTP server."""
    return [max(0.0, message.at - answered[rcpt]) for message in smtp.messages
            for rcpt in message.rcpt_tos if rcpt in answered]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> int:
    args = arguments(__doc__, count=300, quick=30)
    report = Report("flow", args)
    with tempfile.TemporaryDirectory() as folder, serving(
        SMTPServer("127.0.0.1", free_port())
    ) as smtp:
        bare_env = {"BARE_DATABASE": f"{folder}/bare.sqlite3"}
        with gunicorn("bench._bare_app:create()", bare_env, Path(folder, "bare.log")) as url:
            floor, floor_confirms = run(url, args.count, {})
        config: dict[str, Any] = {
            "SECRET_KEY": SECRET_KEY, "WITHDRAWAL_DATABASE_URL": database(args, folder),
            "MAIL_SERVER": smtp.host, "MAIL_PORT": smtp.port, "MAIL_SUPPRESS_SEND": False,
            "WITHDRAWAL_SPOOL_DIR": f"{folder}/spool",
        }
        app = f"wsgi:create_app({config!r})"
        answered: dict[str, float] = {}
        with gunicorn(app, {}, Path(folder, "flow.log")) as url, delivery_workers(
            config, Path(folder, "worker.log"), WORKERS
        ):
            rate, confirms = run(url, args.count, answered)
            deadline = time.monotonic() + 120
            while len(smtp.messages) < args.count + 2 and time.monotonic() < deadline:
                time.sleep(0.2)
        report.notes.update(consumers=CONSUMERS, acknowledgements=len(smtp.messages),
                            gunicorn="2 workers x 4 threads",
                            delivery=f"{WORKERS} deliver --loop worker(s)")
        report.add("whole flow, delivery on: statements per second", rate, "/s",
                   reference="bare Flask, 3 steps, 1 INSERT", reference_value=floor,
                   better="higher", target=0.5)
        report.add("confirm POST p95", p95(confirms) * 1000, "ms",
                   reference="bare Flask confirm p95", reference_value=p95(floor_confirms) * 1000)
        report.add("  same, against the 50 ms asked for", p95(confirms) * 1000, "ms",
                   reference="target", reference_value=50.0, target=1.0)
        report.add("acknowledgement p95, confirm answered to SMTP", p95(
            latencies(smtp, answered) or [float("nan")]) * 1000, "ms",
            reference="target", reference_value=2000.0, target=1.0)
        report.add("acknowledgements received by SMTP", len(smtp.messages), "",
                   reference="statements", reference_value=args.count + 2, better="higher")
    report.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
