"""Median time to render one acknowledgement of receipt, one model withdrawal form, and to
build the whole acknowledgement message (templates in the consumer's language, PDF attached,
MIME bytes).

Run from the repository root: ``.venv/bin/python bench/receipt.py [-n runs] [--quick]`` (or
``make bench``). The first receipt of a fresh process is measured in a process of its own (the
fonts read from their cache on disk, and once with an empty cache), the rest after a warm-up.
"""

from __future__ import annotations

import hashlib
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

# Runs from a checkout without installing the package (make bench, or by hand).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from withdrawal.domain import Trader  # noqa: E402
from withdrawal.receipt.fonts import register_fonts  # noqa: E402
from withdrawal.receipt.modelform import render_model_form_pdf  # noqa: E402
from withdrawal.receipt.pdf import render_receipt_pdf  # noqa: E402
from withdrawal.statement import LineJSON, StatementContent, canonical_json  # noqa: E402

TRADER = Trader(
    name="Demo Keys S.r.l.", address="Via Roma 1\n20121 Milano\nItaly", email="support@demo.example"
)


def _line(line_id: str, title: str, status: str) -> LineJSON:
    reason = {
        "code": "art16m-not-performed",
        "article": "CRD Art. 16(m)",
        "message": "This digital content has not been delivered to you yet, so the exception "
        "for digital content does not apply and you can withdraw without paying anything for it.",
        "params": {},
    }
    return {
        "line_id": line_id,
        "title": title,
        "quantity": 1,
        "unit_price": "19.99",
        "kind": "digital-content",
        "assessment": {
            "line_id": line_id,
            "status": status,
            "assessed_at": "2026-11-22T10:11:12.123456+00:00",
            "period_start": "2026-11-20",
            "deadline": "2026-12-04T23:59:59.999999+01:00",
            "deadline_timezone": "Europe/Rome",
            "policy_deadline": None,
            "no_cost": True,
            "reasons": [reason],
        },
    }


STATEMENT: StatementContent = {
    "reference": "W-7K3M-9QX2",
    "submitted_at": "2026-11-22T10:11:12.123456+00:00",
    "timezone": "Europe/Rome",
    "locale": "it",
    "name": "Maria Rossi",
    "email": "maria@example.com",
    "order_number": "1001",
    "order_matched": True,
    "order_email": "maria@example.com",
    "contract_description": "",
    "currency": "EUR",
    "trader": {"name": TRADER.name, "address": TRADER.address, "email": TRADER.email},
    "lines": [
        _line("1", "Office 2024 Professional licence key", "withdrawable"),
        _line("2", "Windows 11 Pro licence key", "excluded"),
    ],
    "labels": {
        "locale": "it",
        "entry": "Recedere dal contratto qui",
        "confirm": "Conferma recesso",
        "verified": True,
        "source": "Art. 54-bis Cod. Consumo",
        "overridden": False,
    },
    "flags": [],
}


def english(message: str) -> str:
    return message


def receipt(statement: StatementContent = STATEMENT) -> bytes:
    digest = hashlib.sha256(canonical_json(statement)).hexdigest()
    return render_receipt_pdf(statement, statement_hash=digest, gettext=english, locale="it")


_CONSUMERS = itertools.count(1)


def next_receipt() -> bytes:
    """The receipt of another consumer each time (name, e-mail, reference, order, time): the
    paragraphs laid out once per process are the fixed texts only, as in a worker's day."""
    n = next(_CONSUMERS)
    statement: StatementContent = {
        **STATEMENT, "reference": f"W-7K3M-{n:04d}", "name": f"Maria Rossi {n}",
        "email": f"maria{n}@example.com", "order_email": f"maria{n}@example.com",
        "order_number": str(1000 + n),
        "submitted_at": f"2026-11-22T10:{n // 60 % 60:02d}:{n % 60:02d}.123456+00:00",
    }
    return receipt(statement)


def receipt_in_other_scripts() -> bytes:
    """A consumer who writes in Chinese, Japanese, Korean and emoji: the fallback fonts."""
    statement = {**STATEMENT, "name": "王小明 🙂", "lines": [
        {**STATEMENT["lines"][0], "title": "写真スタジオ 2026 ★"},
        {**STATEMENT["lines"][1], "title": "한국어 라이선스 키"},
    ]}
    digest = hashlib.sha256(canonical_json(statement)).hexdigest()
    return render_receipt_pdf(statement, statement_hash=digest, gettext=english, locale="it")


def model_form() -> bytes:
    return render_model_form_pdf(trader=TRADER, gettext=english, locale="it")


def message_builder() -> Callable[[], bytes]:
    """A recorded statement in a throw-away demo app; each call renders its PDF and message."""
    import tempfile

    from withdrawal.delivery.messages import compose
    from withdrawal.statement import content_hash
    from withdrawal.storage.statements import StoredStatement
    from wsgi import create_app

    folder = tempfile.mkdtemp(prefix="withdrawal-bench-")
    app = create_app({"SECRET_KEY": "bench", "WITHDRAWAL_DATABASE_URL": f"sqlite:///{folder}/b.db"},
                     instance_path=folder)
    stored = StoredStatement(
        reference=STATEMENT["reference"], content=STATEMENT, content_hash=content_hash(STATEMENT),
        seq=1, entry_hash="0" * 64, submitted_at=datetime.fromisoformat(STATEMENT["submitted_at"]),
    )

    def build() -> bytes:
        with app.app_context():
            message = compose(stored, "acknowledgement", STATEMENT["email"], pdf=receipt(),
                              link_base="https://shop.example/")
            return message.as_bytes()

    return build


def median_ms(render: Callable[[], bytes], runs: int) -> float:
    render()  # warm-up: styles, font subsets, Babel's locale data
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


# Figures noted in issue 16 (same machine, before this work), used when WeasyPrint is absent.
NOTED = {"weasyprint_warm": 116.6, "weasyprint_first": 860.0, "before_warm": 14.0,
         "before_first": 1800.0}

_FIRST = """
import sys, time
sys.path.insert(0, {bench!r})
import receipt
started = time.perf_counter()
receipt.receipt()
print((time.perf_counter() - started) * 1000)
"""


def first_pdf_ms(cache: str | None = None) -> float:
    """The first receipt of a fresh process (imports done), in milliseconds."""
    import os
    import subprocess

    env = dict(os.environ)
    if cache is not None:
        env["WITHDRAWAL_FONT_CACHE_DIR"] = cache
    out = subprocess.run([sys.executable, "-c", _FIRST.format(bench=str(Path(__file__).parent))],
                         env=env, check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def weasyprint_renderer() -> Callable[[], bytes] | None:
    """The same receipt's fields as HTML through WeasyPrint, when it is installed."""
    try:
        import weasyprint  # type: ignore[import-not-found]
    except ImportError:
        return None
    from html import escape

    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in STATEMENT.items() if k not in ("lines", "labels", "trader"))
    lines = "".join(f"<tr><td>{escape(line['title'])}</td><td>"
                    f"{escape(line['assessment']['status'])}</td></tr>"
                    for line in STATEMENT["lines"])
    html = (f"<html><body style='font-family: Noto Sans'><h1>Receipt</h1><table>{rows}</table>"
            f"<table>{lines}</table></body></html>")
    return lambda: weasyprint.HTML(string=html).write_pdf()


def main() -> None:
    from bench._report import Report, arguments

    args = arguments(__doc__, count=30, quick=5)
    report = Report("receipt", args)
    runs = args.count
    register_fonts()
    firsts = sorted(first_pdf_ms() for _ in range(3 if args.quick else 5))
    weasy = weasyprint_renderer()
    if weasy is not None:
        import time as clock

        started = clock.perf_counter()
        weasy()
        weasy_first, weasy_warm = (clock.perf_counter() - started) * 1000, median_ms(weasy, runs)
        source = "WeasyPrint, same run"
    else:
        weasy_first, weasy_warm = NOTED["weasyprint_first"], NOTED["weasyprint_warm"]
        source = "WeasyPrint (issue 16, not installed here)"
    report.notes["reference"] = source
    report.add("first receipt PDF, fresh process (fonts cached)", firsts[len(firsts) // 2],
               "ms", reference=source, reference_value=weasy_first)
    report.add("  same, against the 100 ms asked for", firsts[len(firsts) // 2], "ms",
               reference="target", reference_value=100.0, target=1.0)
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        report.add("first receipt PDF, fresh process, empty font cache", first_pdf_ms(empty),
                   "ms", reference="before (issue 16)", reference_value=NOTED["before_first"])
    warm = median_ms(next_receipt, runs)
    report.add(f"receipt PDF, warm (median of {runs}, another consumer each)", warm, "ms",
               reference=source, reference_value=weasy_warm, target=0.1)
    report.add("  same, against the 8 ms asked for", warm, "ms", reference="target",
               reference_value=8.0, target=1.0)
    other = median_ms(receipt_in_other_scripts, runs)
    report.add("receipt PDF in CJK and emoji, warm", other, "ms", reference="Latin receipt",
               reference_value=warm)
    report.add("model form PDF, warm", median_ms(model_form, runs), "ms")
    report.add("whole acknowledgement message (PDF + e-mail)", median_ms(message_builder(), runs),
               "ms", reference="receipt PDF alone", reference_value=warm)
    report.write()


if __name__ == "__main__":
    main()
