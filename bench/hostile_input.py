"""Benchmark of the hostile-input tests (tests/hostile): how long N generated requests take per
form, and what the 10,000 per form that CI runs (``CI=true``) would cost.

Each form gets a fresh demo shop on a temporary SQLite database (or the database given with
--url: a PostgreSQL URL whose search_path is an empty schema), one recorded statement, then N
hypothesis examples through the Flask test client.

    .venv/bin/python bench/hostile_input.py                       # 100 per form, every form
    .venv/bin/python bench/hostile_input.py -n 10000 identify-post
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hostile.runner import Endpoint, Target, attack  # noqa: E402
from hostile.test_fuzz_audit import ENDPOINTS as AUDIT  # noqa: E402
from hostile.test_fuzz_consumer import ENDPOINTS as CONSUMER  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from withdrawal.state import state  # noqa: E402
from wsgi import create_app  # noqa: E402

FORMS: dict[str, Endpoint] = {**{e.id: e for e, _pg in CONSUMER},
                              **{"audit-" + e.id: e for e, _pg in AUDIT}}
CI_EXAMPLES = 10_000


def run(endpoint: Endpoint, examples: int, url: str | None) -> tuple[float, float, float]:
    """Seconds to set up, seconds for ``examples`` requests, and the CPU seconds of those
    (this process's: the wall clock also counts what other processes take)."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "MAIL_SUPPRESS_SEND": True,
            "WITHDRAWAL_DATABASE_URL": url or f"sqlite:///{folder}/withdrawal.sqlite3",
            "WITHDRAWAL_DELIVER_AFTER_COMMIT": False,
            "WITHDRAWAL_CHECK_RATE_LIMIT": "1000000 per hour",
            "WITHDRAWAL_AUDITORS": {"clara": generate_password_hash(
                "correct horse battery staple", method="pbkdf2:sha256:1000")},
        }, instance_path=f"{folder}/instance")
        target = Target.set_up(app)
        ready, cpu = time.perf_counter(), time.process_time()
        attack(target, endpoint, examples)
        done, cpu = time.perf_counter(), time.process_time() - cpu
        state(app).engine.dispose()
    return ready - started, done - ready, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--examples", type=int, default=100)
    parser.add_argument("--url", help="a database URL instead of a temporary SQLite file")
    parser.add_argument("--quick", action="store_true",
                        help="the CI size (make bench-quick): 20 examples of step 1's POST")
    parser.add_argument("forms", nargs="*", help=f"forms to run (default: all): {list(FORMS)}")
    args = parser.parse_args()
    if args.quick:
        args.examples, args.forms = 20, args.forms or ["identify-post"]
    total = 0.0
    print(f"{'form':<24} {'setup s':>8} {'run s':>8} {'cpu s':>8} {'ms/req':>8} {'10k s':>8}")
    for name in args.forms or list(FORMS):
        setup, spent, cpu = run(FORMS[name], args.examples, args.url)
        per = spent / args.examples
        total += per * CI_EXAMPLES + setup
        print(f"{name:<24} {setup:8.1f} {spent:8.1f} {cpu:8.1f} {per * 1000:8.1f} "
              f"{per * CI_EXAMPLES:8.0f}", flush=True)
    print(f"10,000 per form for these forms: about {total / 60:.0f} min")


if __name__ == "__main__":
    main()
