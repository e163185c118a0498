"""inferstack benchmarks: one entry point, a markdown table on stdout, JSON in bench/results/.

    python bench/run.py            # every measurement
    python bench/run.py validate   # only the named ones
    python bench/run.py --repeat 21

Each measurement returns rows of (name, value, unit, target, ok). Numbers are medians of
repeated runs on this machine; compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))
MEASUREMENTS: dict[str, Callable[[argparse.Namespace], list[dict]]] = {}


def measurement(fn):
    MEASUREMENTS[fn.__name__.replace("_", "-")] = fn
    return fn


def row(name: str, value: float, unit: str, target: float | None = None, higher_is_better: bool = False) -> dict:
    ok = None if target is None else (value >= target if higher_is_better else value <= target)
    return {"name": name, "value": round(value, 4), "unit": unit, "target": target, "ok": ok}


def median_wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cli() -> list[str]:
    """The installed console script when present (what users run), else the module."""
    script = Path(sys.executable).with_name("inferstack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "inferstack.cli"]


@measurement
def validate(args) -> list[dict]:
    """Cold start of `inferstack validate` on every example (a new process each run)."""
    one = median_wall(cli() + ["validate", EXAMPLES[0]], args.repeat)
    every = median_wall(cli() + ["validate", *EXAMPLES], args.repeat)
    return [
        row("validate cold start, one spec", one, "s", 0.3),
        row(f"validate cold start, all {len(EXAMPLES)} examples", every, "s", 0.5),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", metavar="NAME",
                        help=f"measurements to run (default: all): {', '.join(MEASUREMENTS)}")
    parser.add_argument("--repeat", type=int, default=11, help="runs per timing (median is reported)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    args = parser.parse_args()
    unknown = [n for n in args.only if n not in MEASUREMENTS]
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(unknown)}")
    rows = []
    for name in args.only or MEASUREMENTS:
        rows += MEASUREMENTS[name](args)
    print("| measurement | value | target | ok |")
    print("|---|---:|---:|:-:|")
    for r in rows:
        target = "" if r["target"] is None else f"{r['target']} {r['unit']}"
        ok = {True: "yes", False: "NO", None: ""}[r["ok"]]
        print(f"| {r['name']} | {r['value']} {r['unit']} | {target} | {ok} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()}
    out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"\nwritten: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}", file=sys.stderr)
    return 0 if all(r["ok"] is not False for r in rows) else 1


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
