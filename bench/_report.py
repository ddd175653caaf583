"""What every benchmark shares: its command line (``--quick`` for the small sizes CI runs), and
a report that prints each figure beside its reference with the ratio, then writes them all as
JSON to ``bench/results/<benchmark>.json`` (with the machine they ran on).

A ratio is always ``figure / reference``; ``better`` says which way is good ("lower" for times,
"higher" for rates), ``target`` is the ratio issue 16 asks for, when it asks for one. Nothing
here asserts: a benchmark prints, it does not pass or fail on a figure."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))  # runs from a checkout without installing the package


def arguments(doc: str | None, count: int, quick: int, **extra: Any) -> argparse.Namespace:
    """``-n`` (how many), ``--quick`` (the CI size) and ``--url`` (a database of your own)."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=None,
                        help=f"size of the run (default {count}, with --quick {quick})")
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--url", help="SQLAlchemy URL of an empty database (default: a "
                                      "temporary SQLite file)")
    for flag, options in extra.items():
        parser.add_argument(flag.replace("_", "-"), **options)
    args = parser.parse_args()
    if args.count is None:
        args.count = quick if args.quick else count
    return args


@dataclass
class Figure:
    what: str
    value: float
    unit: str
    reference: str = ""
    reference_value: float | None = None
    better: str = "lower"
    target: float | None = None  # the ratio asked for (issue 16), if any

    @property
    def ratio(self) -> float | None:
        if not self.reference_value:
            return None
        return self.value / self.reference_value

    def line(self) -> str:
        text = f"{self.what:<52} {self.value:>10.4g} {self.unit:<4}"
        if self.reference_value is not None:
            text += f" | {self.reference}: {self.reference_value:.4g} {self.unit}"
            text += f" | ratio {self.ratio:.2f} ({self.better} is better"
            if self.target is not None:
                sign = "<=" if self.better == "lower" else ">="
                text += f", target {sign} {self.target:g}"
            text += ")"
        return text


@dataclass
class Report:
    name: str
    args: argparse.Namespace
    figures: list[Figure] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, what: str, value: float, unit: str, **reference: Any) -> Figure:
        figure = Figure(what, value, unit, **reference)
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure

    def write(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.json"
        data = {
            "benchmark": self.name,
            "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": bool(self.args.quick),
            "count": self.args.count,
            "machine": machine(),
            "notes": self.notes,
            "figures": [{**asdict(f), "ratio": f.ratio} for f in self.figures],
        }
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"-> {path.relative_to(ROOT)}")
        return path


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


_MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from wsgi import create_app
app = create_app({config!r})
runner = app.test_cli_runner()
started = time.perf_counter()
result = runner.invoke(args=["withdrawal", *{command!r}])
elapsed = time.perf_counter() - started
if result.exit_code != 0:
    sys.stderr.write(result.output + repr(result.exception))
    sys.exit(1)
print(json.dumps({{"seconds": elapsed,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_flask(config: dict[str, Any], *command: str) -> tuple[float, float]:
    """``flask withdrawal <command>`` against the demo app with ``config``, in a process of
    its own, timed from after the imports and the app's creation: (seconds, peak RSS in MB of
    that process, start-up included)."""
    import subprocess

    code = _MEASURE.format(root=str(ROOT), config={"SECRET_KEY": "bench", **config},
                           command=list(command))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise SystemExit(f"flask withdrawal {' '.join(command)} failed: {done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return float(figures["seconds"]), float(figures["rss"])


def database(args: argparse.Namespace, folder: str) -> str:
    """The database URL of the run: ``--url``, else a SQLite file in ``folder``."""
    return str(args.url or f"sqlite:///{folder}/bench.sqlite3")

