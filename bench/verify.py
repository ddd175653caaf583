"""`flask withdrawal verify` at N statements against the floor: streaming the ledger and
hashing each entry's body (and each kept document's bytes) in one pass.

    .venv/bin/python bench/verify.py                 # 100 000 statements, 10 000 with a PDF
    .venv/bin/python bench/verify.py -n 1000000      # a million
    .venv/bin/python bench/verify.py --quick         # CI
    .venv/bin/python bench/verify.py --url postgresql+psycopg://postgres@127.0.0.1/bench

verify runs as the real command in a process of its own (its wall time and peak RSS); the
floor runs here, on the same database, in the same run."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout

from sqlalchemy import Engine, select  # noqa: E402

from bench._fill import fill  # noqa: E402
from bench._report import Report, arguments, database, run_flask  # noqa: E402
from withdrawal.storage.engine import make_engine  # noqa: E402
from withdrawal.storage.schema import upgrade_schema  # noqa: E402
from withdrawal.storage.tables import documents, ledger  # noqa: E402


def floor(engine: Engine) -> float:
    """Seconds to read every ledger body and every document once and hash each."""
    started = time.perf_counter()
    with engine.connect() as conn:
        for table, column in ((ledger, ledger.c.body), (documents, documents.c.content)):
            result = conn.execution_options(yield_per=2000, stream_results=True).execute(
                select(column).order_by(*table.primary_key.columns))
            for (value,) in result:
                hashlib.sha256(value.encode() if isinstance(value, str) else value).digest()
    return time.perf_counter() - started


def main() -> int:
    args = arguments(__doc__, count=100_000, quick=2_000)
    report = Report("verify", args)
    with tempfile.TemporaryDirectory() as folder:
        url = database(args, folder)
        engine = make_engine(url)
        upgrade_schema(engine)
        started = time.perf_counter()
        fill(engine, args.count, documents_every=10)
        with_documents = args.count // 10
        print(f"filled {args.count} statements ({with_documents} with a kept PDF) in "
              f"{time.perf_counter() - started:.1f} s ({engine.dialect.name})")
        base = floor(engine)
        config = {"WITHDRAWAL_DATABASE_URL": url}
        seconds, rss = run_flask(config, "verify")
        report.notes.update(database=engine.dialect.name, documents=with_documents)
        report.add(f"verify, {args.count} statements", seconds, "s",
                   reference="stream-and-hash floor", reference_value=base, target=2.5)
        report.add("verify: statements per second", args.count / seconds, "/s",
                   reference="floor", reference_value=args.count / base, better="higher")
        report.add("verify: peak RSS of the process", rss, "MB", reference="asked at 1M",
                   reference_value=200.0, target=1.0)
        jobs = max(2, os.cpu_count() or 1)
        seconds, rss = run_flask(config, "verify", "--jobs", str(jobs))
        report.add(f"verify --jobs {jobs} (a process per range)", seconds, "s",
                   reference="stream-and-hash floor", reference_value=base, target=2.5)
        engine.dispose()
    report.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
