"""Median time to render one acknowledgement of receipt, one model withdrawal form, and to
build the whole acknowledgement message (templates in the consumer's language, PDF attached,
MIME bytes).

Run from the repository root: ``.venv/bin/python bench/receipt.py [runs]`` (or ``make bench``).
The one-off cost of cutting the fonts (once per process) is reported apart, then excluded
by a warm-up.
"""

from __future__ import annotations

import hashlib
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


def receipt() -> bytes:
    digest = hashlib.sha256(canonical_json(STATEMENT)).hexdigest()
    return render_receipt_pdf(STATEMENT, statement_hash=digest, gettext=english, locale="it")


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


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    start = time.perf_counter()
    register_fonts()
    print(f"fonts (once per process): {(time.perf_counter() - start) * 1000:.0f} ms")
    print(f"receipt pdf: median {median_ms(receipt, runs):.1f} ms over {runs} runs")
    start = time.perf_counter()
    receipt_in_other_scripts()
    print(f"first receipt in Chinese, Japanese, Korean and emoji (loads those fonts once per "
          f"process): {(time.perf_counter() - start) * 1000:.0f} ms")
    other = median_ms(receipt_in_other_scripts, runs)
    print(f"receipt pdf in those scripts: median {other:.1f} ms over {runs} runs")
    print(f"model form pdf: median {median_ms(model_form, runs):.1f} ms over {runs} runs")
    whole = median_ms(message_builder(), runs)
    print(f"whole acknowledgement message (pdf + e-mail): median {whole:.1f} ms over {runs} runs")


if __name__ == "__main__":
    main()
