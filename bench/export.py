"""`flask withdrawal export` (CSV) at N statements against the database's own CSV dump of the
same rows: the statements' index joined with their chain entry, their lines and their latest
acknowledgement, newest first
(``sqlite3 -csv`` on SQLite, ``COPY ... TO STDOUT`` through psql on PostgreSQL).

    .venv/bin/python bench/export.py                 # 100 000 statements
    .venv/bin/python bench/export.py -n 1000000      # a million
    .venv/bin/python bench/export.py --quick         # CI

Both run as processes of their own writing to a file; the export is timed from after its
start-up (imports, app)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout

from sqlalchemy import make_url  # noqa: E402

from bench._fill import fill  # noqa: E402
from bench._report import Report, arguments, database, run_flask  # noqa: E402
from withdrawal.storage.engine import make_engine  # noqa: E402
from withdrawal.storage.schema import upgrade_schema  # noqa: E402

SAME_ROWS = """
SELECT s.reference, s.submitted_at, s.name, s.email, s.order_number, s.order_matched,
       s.locale, s.flags, l.seq, l.hash,
       (SELECT {aggregate} FROM withdrawal_statement_lines AS x WHERE x.reference = s.reference),
       a.status, a.message_id
FROM withdrawal_statements AS s JOIN withdrawal_ledger AS l ON l.seq = s.seq
LEFT JOIN withdrawal_outbox AS a ON a.id = (
    SELECT max(o.id) FROM withdrawal_outbox AS o
    WHERE o.reference = s.reference AND o.purpose = 'acknowledgement')
ORDER BY s.seq DESC
"""


def dump(url: str, target: Path) -> float | None:
    """Seconds for the database's own CSV dump of the same rows (None: no client here)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not shutil.which("sqlite3"):
            return None
        query = SAME_ROWS.format(aggregate="group_concat(x.line_id || ':' || x.status, ' ')")
        command = ["sqlite3", "-csv", "-header", str(parsed.database), query]
    else:
        if not shutil.which("psql"):
            return None
        query = SAME_ROWS.format(aggregate="string_agg(x.line_id || ':' || x.status, ' ')")
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        command = ["psql", dsn, "-c", f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"]
    started = time.perf_counter()
    with target.open("wb") as out:
        subprocess.run(command, stdout=out, check=True)
    return time.perf_counter() - started


def main() -> int:
    args = arguments(__doc__, count=100_000, quick=2_000)
    report = Report("export", args)
    with tempfile.TemporaryDirectory() as folder:
        url = database(args, folder)
        engine = make_engine(url)
        upgrade_schema(engine)
        fill(engine, args.count)
        engine.dispose()
        config = {"WITHDRAWAL_DATABASE_URL": url}
        out = Path(folder, "export.csv")
        seconds, rss = run_flask(config, "export", "--format", "csv", "-o", str(out))
        reference = dump(url, Path(folder, "dump.csv"))
        rate = args.count / seconds
        report.notes["database"] = make_url(url).get_backend_name()
        report.add(f"export CSV, {args.count} statements", seconds, "s",
                   reference="the database's CSV dump", reference_value=reference)
        report.add("export: rows per second", rate, "/s", reference="CSV dump",
                   reference_value=args.count / reference if reference else None,
                   better="higher", target=1.0)
        report.add("export: peak RSS of the process", rss, "MB")
        report.add("export: file size", os.path.getsize(out) / 1e6, "MB")
    report.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
