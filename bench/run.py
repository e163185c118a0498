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
import os
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


CHECK_OBJECTS = sorted((ROOT / "tests" / "check" / "valid").glob("*.yaml"))
CHECK_COPIES = 5  # 42 hand-written valid objects x 5 = 210 objects (built-ins and custom resources)


def _check_objects() -> list[dict]:
    import copy

    import yaml

    base = [d for p in CHECK_OBJECTS for d in yaml.safe_load_all(p.read_text())]
    out = []
    for i in range(CHECK_COPIES):
        for obj in base:
            obj = copy.deepcopy(obj)
            obj["metadata"]["name"] = f"{obj['metadata']['name']}-{i}"
            out.append(obj)
    return out


def _crd_dir() -> str:
    found = os.environ.get("INFERSTACK_CRD_DIR") or str(ROOT.parent / "shared" / "crds")
    if not Path(found).is_dir():
        raise SystemExit(f"check: pinned CRDs not found at {found}; set INFERSTACK_CRD_DIR")
    return found


def _rate(fn, count: int, repeat: int) -> float:
    """Objects per CPU second: the median of `repeat` calls of fn() that each check `count` objects.
    CPU time, not wall time, so that other load on the machine does not skew the comparison."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return count / statistics.median(times)


@measurement
def check(args) -> list[dict]:
    """`inferstack check`: warm objects/s on ~200 mixed objects, kubernetes-validate on the built-in
    ones in the same run, the per-object ratio, one warm Deployment (all in CPU time), and the first
    check in a new process with the CRD cache cold and warm (wall and CPU time)."""
    import tempfile

    import kubernetes_validate
    import yaml

    from inferstack.check.checker import Checker

    objects = _check_objects()
    crd_dir = _crd_dir()
    with tempfile.TemporaryDirectory() as tmp:
        checker = Checker("1.34", crd_dir, cache_dir=Path(tmp) / "warm-up")
        report = checker.check_objects(objects)  # warm-up: reads the CRDs, compiles the validators
        if not report.ok:
            raise SystemExit("check: the benchmark objects are not valid:\n" + "".join(d.text() + "\n" for d in report.diagnostics))
        builtins = [o for o in objects if checker.builtins.schema(o["apiVersion"], o["kind"]) is not None]
        mixed = _rate(lambda: checker.check_objects(objects), len(objects), args.repeat)
        ours_builtin = _rate(lambda: checker.check_objects(builtins), len(builtins), args.repeat)
        deployment = [o for o in objects if o["kind"] == "Deployment"][:1]
        deployment_ms = 1000 / _rate(lambda: checker.check_objects(deployment), 1, max(args.repeat, 51))
        sample = builtins[: len(builtins) // CHECK_COPIES]  # one copy: ~22 ms each
        theirs = _rate(lambda: [kubernetes_validate.validate(o, "1.34", strict=True) for o in sample], len(sample),
                       max(3, args.repeat // 3))

        coverage = _cel_coverage(checker)
        manifest = Path(tmp) / "objects.yaml"
        manifest.write_text(yaml.safe_dump_all(objects))
        cmd = cli() + ["check", "--crds", crd_dir, str(manifest)]
        caches = [Path(tmp) / f"cold-{i}" for i in range(max(1, min(3, args.repeat)))]
        cold = [_wall(cmd, cache) for cache in caches]
        warm = [_wall(cmd, caches[0]) for _ in range(args.repeat)]
    return [
        row(f"check warm, {len(objects)} mixed objects ({len(builtins)} built-in)", mixed, "objects/s", 2000, True),
        row(f"check warm, the {len(builtins)} built-in objects", ours_builtin, "objects/s", None, True),
        row("kubernetes-validate validate(strict=True), built-in objects", theirs, "objects/s", None, True),
        row("check vs kubernetes-validate per object (mixed vs built-in)", mixed / theirs, "x", 20, True),
        row("check vs kubernetes-validate per object (built-in vs built-in)", ours_builtin / theirs, "x", 20, True),
        row("check warm, one Deployment", deployment_ms, "ms", 1.0),
        row(f"check first run in a new process, CRD cache cold ({len(objects)} objects)",
            statistics.median(w for w, _ in cold), "s", 15),
        row(f"check first run in a new process, CRD cache warm ({len(objects)} objects)",
            statistics.median(w for w, _ in warm), "s", 2),
        row("  the same, CPU time, CRD cache cold", statistics.median(c for _, c in cold), "s"),
        row("  the same, CPU time, CRD cache warm", statistics.median(c for _, c in warm), "s"),
        row(f"CEL per pass: {report.cel.summary().split(': ', 1)[1]}", report.cel.evaluated, "evaluations"),
        row("CEL rules in the pinned CRDs' served versions ("
            + ", ".join(f"{n} {reason}" for reason, n in coverage.most_common()) + ")", sum(coverage.values()), "rules"),
    ]


def _cel_coverage(checker):
    """How the pinned CRDs' rules classify: evaluable, or skipped and why (reads every pinned CRD)."""
    from collections import Counter

    from inferstack.check.cel_rules import CelCompiler

    compiler = CelCompiler()
    found: Counter = Counter()

    def walk(node):
        if isinstance(node, dict):
            for rule in node.get("x-kubernetes-validations") or []:
                found[compiler.compile(rule["rule"]).skip_reason or "evaluable"] += 1
            for key, value in node.items():
                if key != "x-kubernetes-validations":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for crd in checker.crds.load_all():
        for version in crd.versions.values():
            if version.served:
                walk(checker.crds.schema(crd, version))
    return found


def _wall(cmd: list[str], cache: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of cmd in a new process, with INFERSTACK_CACHE_DIR=cache."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "INFERSTACK_CACHE_DIR": str(cache)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"check: {' '.join(cmd)} failed: {result.stderr.strip()}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
