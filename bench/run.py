"""inferstack benchmarks: one entry point, a markdown table on stdout, JSON in bench/results/.

    python bench/run.py            # every measurement
    python bench/run.py validate   # only the named ones
    python bench/run.py --repeat 21

Each measurement returns rows of (name, value, unit, target, ok); some add a table of their own.
Numbers are medians of repeated runs on this machine; compare runs on the same machine only.

Command-line timings run the installed `inferstack` in a new process each time, with bytecode
caching on (as after `pip install`), a warm-up run first, and a CRD cache of the bench's own
(INFERSTACK_CACHE_DIR in a temporary folder, filled by the warm-up). Each is reported as wall time
and as CPU time (user + system of the child): on a machine shared with other work the CPU time is
what the command costs, and the wall time what it took. A target is judged on CPU time where both
are given (the commands are single-threaded, so on an idle machine the two agree).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import specs  # noqa: E402 - the bench's own module, next to this file

EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))
QUICKSTART = str(ROOT / "examples" / "quickstart-kind.yaml")
ENGINES = ("aibrix", "kserve", "kthena", "llm-d", "llmaz", "ome")
MEASUREMENTS: dict[str, Callable[[argparse.Namespace], list[dict]]] = {}
TABLES: list[str] = []  # extra markdown tables measurements print after the main one


def measurement(fn):
    MEASUREMENTS[fn.__name__.replace("_", "-")] = fn
    return fn


def row(name: str, value: float, unit: str, target: float | None = None, higher_is_better: bool = False,
        **extra) -> dict:
    ok = None if target is None else (value >= target if higher_is_better else value <= target)
    return {"name": name, "value": round(value, 4), "unit": unit, "target": target,
            "better": "higher" if higher_is_better else "lower", "ok": ok, **extra}


# -- running the command line ---------------------------------------------------------------------


def cli() -> list[str]:
    """The installed console script when present (what users run), else the module."""
    script = Path(sys.executable).with_name("inferstack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "inferstack.cli"]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def run_once(cmd: list[str], *, env: dict | None = None, expect: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run of cmd in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env=env or child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in expect:
        raise SystemExit(f"bench: {' '.join(cmd)} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_run(cmd: list[str], repeat: int, *, warm_up: bool = True, **kwargs) -> tuple[float, float]:
    """Median wall and median CPU seconds of `repeat` runs (after one unmeasured warm-up run)."""
    if warm_up:
        run_once(cmd, **kwargs)
    runs = [run_once(cmd, **kwargs) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def timed_rows(name: str, wall: float, cpu: float, target: float | None = None, **extra) -> list[dict]:
    """A CPU-time row judged against `target`, and the wall time of the same runs beside it."""
    return [row(name, cpu, "s CPU", target, **extra), row("  the same, wall time", wall, "s")]


def cpu_median(fn, repeat: int) -> float:
    """Median CPU seconds of `repeat` calls of fn() in this process."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def crd_dir() -> str:
    found = os.environ.get("INFERSTACK_CRD_DIR") or str(ROOT.parent / "shared" / "crds")
    if not Path(found).is_dir():
        raise SystemExit(f"bench: pinned CRDs not found at {found}; set INFERSTACK_CRD_DIR")
    return found


def renderable_engines(spec_text: str, spec_name: str = "spec.yaml") -> list[str]:
    """The engines that validate and render the spec (an engine still being built refuses)."""
    from inferstack.errors import RenderRefused
    from inferstack.render.pipeline import render_stack
    from inferstack.spec.validate import validate_text

    out = []
    for engine in ENGINES:
        result = validate_text(spec_text, spec_name, engine=engine)
        if not result.ok:
            continue
        try:
            render_stack(result.stack)
        except RenderRefused:
            continue
        out.append(engine)
    return out


# -- cold start -----------------------------------------------------------------------------------


@measurement
def validate(args) -> list[dict]:
    """Cold start of `inferstack validate`: one spec, and every example in one run."""
    one = median_run(cli() + ["validate", QUICKSTART], args.repeat)
    every = median_run(cli() + ["validate", *EXAMPLES], args.repeat)
    return (timed_rows("validate cold start, quickstart", *one, 0.3)
            + timed_rows(f"validate cold start, all {len(EXAMPLES)} examples in one run", *every, 0.5))


@measurement
def render(args) -> list[dict]:
    """Cold start of `inferstack render` (validate, render, check against the pinned CRDs, write)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = cli() + ["render", QUICKSTART, "--out", tmp, "--crds", crd_dir()]
        quickstart = median_run(cmd, args.repeat)
        unchecked = median_run(cmd + ["--no-check"], args.repeat)
    return (timed_rows("render cold start, quickstart (validate + render + check + write)", *quickstart)
            + timed_rows("render cold start, quickstart, --no-check", *unchecked))


# -- every example, every engine -----------------------------------------------------------------


def examples_child() -> dict:
    """In a new process: validate, render and check every example for every engine that can express
    it; the parent times the whole process (imports and CRD cache reads included)."""
    from inferstack.errors import RenderRefused
    from inferstack.render.pipeline import render_stack
    from inferstack.render.verify import check_rendered
    from inferstack.spec.validate import validate_text

    renders = objects = 0
    skipped = []
    for path in EXAMPLES:
        raw = Path(path).read_bytes()
        for engine in ENGINES:
            result = validate_text(raw, path, engine=engine)
            if not result.ok:
                continue  # the example uses what this engine cannot express
            try:
                rendered = render_stack(result.stack)
            except RenderRefused:
                skipped.append(f"{Path(path).stem}/{engine}")
                continue
            report = check_rendered(rendered, crd_dir())
            if report.errors:
                raise SystemExit(f"bench: {path} ({engine}) does not pass check:\n{report.diagnostics[0].text()}")
            renders += 1
            objects += len(rendered.objects)
    return {"renders": renders, "objects": objects, "skipped": skipped}


@measurement
def examples(args) -> list[dict]:
    """Render + check of every example for every engine: all in one new process, and with the command
    line (`inferstack render EXAMPLE --engine all`, one process per example)."""
    cmd = [sys.executable, str(Path(__file__)), "--child", "examples"]
    info = json.loads(subprocess.run(cmd, cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True).stdout)
    one_process = median_run(cmd, args.repeat)
    rows = timed_rows(f"render + check, every example x every engine ({info['renders']} renders, "
                      f"{info['objects']} objects), one process", *one_process, 3.0)
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for path in EXAMPLES:
            runs.append(median_run(cli() + ["render", path, "--engine", "all", "--out", tmp, "--crds", crd_dir()],
                                   max(3, args.repeat // 2)))
    # No target: the target is on the work (the row above); this adds a process start per example
    # (interpreter, imports, cold check caches), which the cold-start rows measure.
    rows += timed_rows(f"the same with the CLI: `render --engine all` per example ({len(EXAMPLES)} processes, summed)",
                       sum(w for w, _ in runs), sum(c for _, c in runs))
    if info["skipped"]:
        rows.append(row(f"renders refused (RenderRefused): {', '.join(info['skipped'])}", len(info["skipped"]),
                        "renders"))
    return rows


# -- scale series ---------------------------------------------------------------------------------

SCALE = (1, 10, 100, 500)


@measurement
def scale(args) -> list[dict]:
    """`inferstack render` (validate, render, check, write) of the quickstart scaled to 1, 10, 100 and
    500 models, for every engine: time, objects, time per model, and how the cost per added model grows."""
    rows = []
    lines = ["| engine | " + " | ".join(f"{n} model{'s' if n > 1 else ''}" for n in SCALE)
             + " | per model at 500 | growth |", "|---|" + "---:|" * (len(SCALE) + 2)]
    repeat = max(1, args.scale_repeat)
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for n in SCALE:
            files[n] = Path(tmp) / f"scaled-{n}.yaml"
            files[n].write_text(specs.scaled_text(n), encoding="utf-8")
        engines = renderable_engines(files[1].read_text())
        for engine in engines:
            commands = {n: cli() + ["render", str(files[n]), "--engine", engine, "--out", str(Path(tmp) / f"out-{n}"),
                                    "--crds", crd_dir()] for n in SCALE}
            run_once(commands[SCALE[0]])  # warm-up
            runs: dict[int, list] = {n: [] for n in SCALE}
            for _ in range(repeat):  # round robin: a change of load on the machine hits every size alike
                for n in SCALE:
                    runs[n].append(run_once(commands[n]))
            points = {n: (statistics.median(w for w, _ in runs[n]), statistics.median(c for _, c in runs[n]),
                          _objects(Path(tmp) / f"out-{n}")) for n in SCALE}
            rows += _scale_rows(engine, points)
            lines.append(_scale_line(engine, points))
    TABLES.append("Scale series: `inferstack render` CPU seconds (objects) of the quickstart with N models. "
                  "Growth: the CPU cost of each model added from 100 to 500 over that from 10 to 100 "
                  "(1.0 is linear).\n\n" + "\n".join(lines))
    return rows


def _objects(out: Path) -> int:
    return json.loads((out / "summary.json").read_text())["objects"]["total"]


def _marginal(points: dict, a: int, b: int) -> float:
    return (points[b][1] - points[a][1]) / (b - a)


def _growth(points: dict) -> float:
    return _marginal(points, 100, 500) / _marginal(points, 10, 100)


def _scale_rows(engine: str, points: dict) -> list[dict]:
    wall, cpu, objects = points[500]
    return [
        row(f"scale {engine}: render + check + write, 500 models ({objects} objects)", cpu, "s CPU", 10.0),
        row("  the same, wall time", wall, "s"),
        row(f"scale {engine}: CPU per model added, 100 -> 500 models", 1000 * _marginal(points, 100, 500), "ms"),
        row(f"scale {engine}: growth (per added model, 100->500 over 10->100; 1.0 = linear)", _growth(points), "x", 1.5),
    ]


def _scale_line(engine: str, points: dict) -> str:
    cells = [f"{points[n][1]:.2f} s ({points[n][2]})" for n in SCALE]
    return (f"| {engine} | " + " | ".join(cells) + f" | {1000 * points[500][1] / 500:.1f} ms | "
            f"{_growth(points):.2f} |")


# -- check against kubernetes-validate -----------------------------------------------------------

CHECK_OBJECTS = sorted((ROOT / "tests" / "check" / "valid").glob("*.yaml"))
CHECK_COPIES = 5  # 42 hand-written valid objects x 5 = 210 objects (built-ins and custom resources)


CLI_OBJECTS = 400  # the command lines: enough objects that process start-up does not decide the ratio


def _check_objects() -> list[dict]:
    import yaml

    base = [d for p in CHECK_OBJECTS for d in yaml.safe_load_all(p.read_text())]
    return _copies(base, len(base) * CHECK_COPIES)


def _copies(objects: list[dict], count: int) -> list[dict]:
    """`count` objects: copies of `objects` in turn, each renamed (-0, -1, ...) so that none is a duplicate."""
    import copy

    out = []
    for i in range(count):
        obj = copy.deepcopy(objects[i % len(objects)])
        obj["metadata"]["name"] = f"{obj['metadata']['name']}-{i // len(objects)}"
        out.append(obj)
    return out


def _rate(fn, count: int, repeat: int) -> float:
    """Objects per CPU second: the median of `repeat` calls of fn() that each check `count` objects.
    CPU time, not wall time, so that other load on the machine does not skew the comparison."""
    return count / cpu_median(fn, repeat)


@measurement
def check(args) -> list[dict]:
    """`inferstack check` against kubernetes-validate on the same machine in one run: warm objects/s
    through both APIs (CPU time), both command lines on the same built-in objects, one warm Deployment,
    and the first check in a new process with the CRD cache cold and warm."""
    import kubernetes_validate
    import yaml

    from inferstack.check.checker import Checker

    objects = _check_objects()
    with tempfile.TemporaryDirectory() as tmp:
        checker = Checker("1.34", crd_dir(), cache_dir=Path(tmp) / "warm-up")
        report = checker.check_objects(objects)  # warm-up: reads the CRDs, compiles the validators
        if not report.ok:
            raise SystemExit("check: the benchmark objects are not valid:\n" + "".join(d.text() + "\n" for d in report.diagnostics))
        builtins = [o for o in objects if checker.builtins.schema(o["apiVersion"], o["kind"]) is not None]
        mixed = _rate(lambda: checker.check_objects(objects), len(objects), args.repeat)
        ours_builtin = _rate(lambda: checker.check_objects(builtins), len(builtins), args.repeat)
        deployment = [o for o in objects if o["kind"] == "Deployment"][:1]
        deployment_ms = 1000 / _rate(lambda: checker.check_objects(deployment), 1, max(args.repeat, 51))
        sample = builtins[: len(builtins) // CHECK_COPIES]  # one copy: ~20 ms each
        their_repeat = max(3, args.repeat // 3)
        theirs_default = _rate(lambda: [kubernetes_validate.validate(o, "1.34") for o in sample], len(sample), their_repeat)
        theirs_strict = _rate(lambda: [kubernetes_validate.validate(o, "1.34", strict=True) for o in sample], len(sample),
                              their_repeat)

        coverage = _cel_coverage(checker)
        manifest = Path(tmp) / "objects.yaml"
        manifest.write_text(yaml.safe_dump_all(objects))
        cli_objects = _copies(sample, CLI_OBJECTS)
        builtin_manifest = Path(tmp) / "builtins.yaml"
        builtin_manifest.write_text(yaml.safe_dump_all(cli_objects))
        cmd = cli() + ["check", "--crds", crd_dir(), str(manifest)]
        caches = [Path(tmp) / f"cold-{i}" for i in range(max(1, min(3, args.repeat)))]
        cold = [run_once(cmd, env=child_env(INFERSTACK_CACHE_DIR=str(cache))) for cache in caches]
        warm_env = child_env(INFERSTACK_CACHE_DIR=str(caches[0]))
        warm = [run_once(cmd, env=warm_env) for _ in range(args.repeat)]
        ours_cli = median_run(cli() + ["check", "--crds", crd_dir(), str(builtin_manifest)], args.repeat, env=warm_env)
        their_command = [str(Path(sys.executable).with_name("kubernetes-validate")), "-k", "1.34", "--quiet"]
        their_cli = median_run(their_command + [str(builtin_manifest)], 3)
        their_cli_strict = median_run(their_command + ["--strict", str(builtin_manifest)], 3)
    n = len(cli_objects)
    ours_rate, their_rate, their_strict_rate = n / ours_cli[1], n / their_cli[1], n / their_cli_strict[1]
    return [
        row(f"check warm, {len(objects)} mixed objects ({len(builtins)} built-in)", mixed, "objects/s", 2000, True),
        row(f"check warm, the {len(builtins)} built-in objects", ours_builtin, "objects/s", None, True),
        row("kubernetes-validate validate(obj, '1.34') (its default path), built-in objects", theirs_default,
            "objects/s", None, True),
        row("kubernetes-validate validate(obj, '1.34', strict=True), built-in objects", theirs_strict, "objects/s",
            None, True),
        row("check vs kubernetes-validate default path, per object (built-in vs built-in)", ours_builtin / theirs_default,
            "x", 20, True),
        row("check vs kubernetes-validate default path, per object (mixed vs built-in)", mixed / theirs_default, "x",
            20, True),
        row("check vs kubernetes-validate strict, per object (built-in vs built-in)", ours_builtin / theirs_strict, "x",
            20, True),
        row(f"`inferstack check FILE` ({n} built-in objects, one file, new process, start-up included)", ours_rate,
            "objects/CPU s", None, True, wall=ours_cli[0], cpu=ours_cli[1]),
        row(f"`kubernetes-validate -k 1.34 FILE` (its default), the same {n} objects", their_rate, "objects/CPU s", None,
            True, wall=their_cli[0], cpu=their_cli[1]),
        row(f"`kubernetes-validate -k 1.34 --strict FILE`, the same {n} objects", their_strict_rate, "objects/CPU s",
            None, True, wall=their_cli_strict[0], cpu=their_cli_strict[1]),
        row("check CLI vs kubernetes-validate CLI default, per object", ours_rate / their_rate, "x", 20, True),
        row("check CLI vs kubernetes-validate CLI --strict, per object", ours_rate / their_strict_rate, "x", 20, True),
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


# -- diff -----------------------------------------------------------------------------------------

DIFF_OBJECTS = 5000
DIFF_ENGINE = "llm-d"  # the most objects per model


def _render_scaled(models: int, engine: str, variant: str = ""):
    from inferstack.render.pipeline import render_stack
    from inferstack.spec.validate import validate_text

    result = validate_text(specs.scaled_text(models, variant=variant), f"{variant or 'base'}.yaml", engine=engine)
    if not result.ok:
        raise SystemExit(f"bench: the scaled spec is not valid for {engine}: {result.diagnostics[0].text()}")
    return render_stack(result.stack)


def _models_for(objects: int, engine: str) -> int:
    """The fewest models for which the scaled quickstart renders at least `objects` objects for `engine`."""
    counts = {n: len(_render_scaled(n, engine).objects) for n in (10, 20)}
    per_model = (counts[20] - counts[10]) / 10
    models = int(10 + -(-(objects - counts[10]) // per_model))
    while len(_render_scaled(models, engine).objects) < objects:
        models += 1
    return models


@measurement
def diff(args) -> list[dict]:
    """Diff of two large renders (at least 5,000 objects each; models added, removed, rescaled and
    reconfigured): the comparison and its text, markdown and JSON output in this process (CPU time),
    and `inferstack diff` of the two spec files end to end (both sides validated and rendered)."""
    from inferstack.diff import diff_renders
    from inferstack.diff.output import format_json, format_markdown, format_text

    models = _models_for(DIFF_OBJECTS, DIFF_ENGINE)
    texts = {side: specs.scaled_text(models, variant=variant) for side, variant in (("base", ""), ("head", "head"))}
    base = _render_scaled(models, DIFF_ENGINE)
    rows = []
    for variant, what in (("head", "a pull request"), ("relabel", "every object changed")):
        head = _render_scaled(models, DIFF_ENGINE, variant)
        counts = diff_renders("scaled.yaml", base, head).counts()

        def compare(head=head):
            d = diff_renders("scaled.yaml", base, head)
            format_text([d], color=False), format_markdown([d]), format_json([d])

        in_process = cpu_median(compare, max(3, args.repeat // 2))
        label = (f"{what}: {len(base.objects)} vs {len(head.objects)} objects, {counts['add']} added, "
                 f"{counts['remove']} removed, {counts['change']} changed, {counts['replace']} replaced")
        rows.append(row(f"diff of two renders ({label}), compare + text/markdown/JSON output", in_process, "s CPU", 2.0))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for side, text in texts.items():
            spec = Path(tmp) / f"{side}.yaml"
            spec.write_text(text.replace("engine: kthena", f"engine: {DIFF_ENGINE}"), encoding="utf-8")
            paths.append(str(spec))
        end_to_end = median_run(cli() + ["diff", *paths, "-o", "markdown"], max(1, args.scale_repeat))
    rows += timed_rows("`inferstack diff` of the two specs, end to end (validate + render both sides + diff)",
                       *end_to_end)
    return rows


# -- Pulumi preview -------------------------------------------------------------------------------


@measurement
def preview(args) -> list[dict]:
    """`inferstack preview` of the quickstart: the Pulumi program under the mock runtime, in a new process."""
    full = median_run(cli() + ["preview", QUICKSTART], max(3, args.repeat // 2))
    infra = median_run(cli() + ["preview", "--infrastructure-only", QUICKSTART], max(3, args.repeat // 2))
    return (timed_rows("preview (Pulumi mock runtime), quickstart", *full)
            + timed_rows("preview --infrastructure-only, quickstart", *infra))


# -- entry point ----------------------------------------------------------------------------------

CHILDREN = {"examples": examples_child}


def print_table(rows: list[dict]) -> None:
    print("| measurement | value | target | ok |")
    print("|---|---:|---:|:-:|")
    for r in rows:
        target = "" if r["target"] is None else f"{'>=' if r['better'] == 'higher' else '<='} {r['target']} {r['unit']}"
        ok = {True: "yes", False: "NO", None: ""}[r["ok"]]
        print(f"| {r['name']} | {_number(r['value'])} {r['unit']} | {target} | {ok} |")


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus(),
            "cpu_model": _cpu_model(), "load_average_at_start": [round(x, 2) for x in load] if load else None,
            "bytecode_cache": True, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", metavar="NAME",
                        help=f"measurements to run (default: all): {', '.join(MEASUREMENTS)}")
    parser.add_argument("--repeat", type=int, default=11, help="runs per timing (median is reported)")
    parser.add_argument("--scale-repeat", type=int, default=3, help="runs per point of the scale series and the diff CLI")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child]()))
        return 0
    unknown = [n for n in args.only if n not in MEASUREMENTS]
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(unknown)}")
    meta = machine()
    rows = []
    with tempfile.TemporaryDirectory(prefix="inferstack-bench-cache-") as cache:
        os.environ["INFERSTACK_CACHE_DIR"] = cache  # the bench's own CRD cache, for the children and this process
        os.environ.setdefault("INFERSTACK_CRD_DIR", crd_dir())
        for name in args.only or MEASUREMENTS:
            started = time.perf_counter()
            rows += [dict(r, measurement=name) for r in MEASUREMENTS[name](args)]
            print(f"bench: {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    meta["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    print_table(rows)
    for table in TABLES:
        print("\n" + table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "rows": rows, "tables": TABLES}, indent=2) + "\n")
    print(f"\nwritten: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}", file=sys.stderr)
    return 0 if all(r["ok"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
