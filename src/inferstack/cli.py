"""The `inferstack` command line. Each command imports what it needs when it runs, so offline
commands never load Pulumi and start fast."""

from __future__ import annotations

import argparse
import gc
import sys

from . import __version__
from .errors import UsageError
from .versions import KUBERNETES_DEFAULT, KUBERNETES_SUPPORTED

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
ENGINE_CHOICES = ("aibrix", "llm-d", "llmaz", "ome", "kthena", "kserve")


def _add_output(p: argparse.ArgumentParser, choices=("text", "json", "github")) -> None:
    p.add_argument("-o", "--output", choices=choices, default="text", help="output format (default: text)")


def cmd_validate(args: argparse.Namespace) -> int:
    from .errors import FORMATTERS, has_errors, sort_diagnostics
    from .spec.validate import validate_file

    diags, files_with_errors, checked = [], 0, 0
    for path in args.specs:
        if args.only_specs and not _looks_like_spec(path):
            continue
        checked += 1
        result = validate_file(path, engine=args.engine)
        diags += result.diagnostics
        files_with_errors += has_errors(result.diagnostics, args.strict)
    diags = sort_diagnostics(diags)
    sys.stdout.write(FORMATTERS[args.output](diags))
    sys.stdout.flush()
    if args.output == "text":
        errors = sum(d.severity == "error" for d in diags)
        warnings = len(diags) - errors
        state = "valid" if not files_with_errors else f"{files_with_errors} invalid"
        print(f"{checked} spec(s) checked, {state}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return EXIT_FINDINGS if files_with_errors else EXIT_OK


def _print_diagnostics(diags, output: str = "text") -> None:
    from .errors import FORMATTERS

    sys.stdout.write(FORMATTERS[output](diags))
    sys.stdout.flush()


def cmd_render(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .engines import ENGINE_NAMES
    from .errors import RenderRefused, sort_diagnostics
    from .render.pipeline import render_stack
    from .render.writer import write
    from .spec.validate import read_spec, validate_text

    raw = read_spec(args.spec)
    own = validate_text(raw, args.spec)
    if not own.ok:
        _print_diagnostics(own.diagnostics)
        return EXIT_FINDINGS
    engines = list(ENGINE_NAMES) if args.engine == "all" else [args.engine or own.stack.engine]
    out = Path(args.out)
    results = []
    for engine in engines:
        result = own if engine == own.stack.engine else validate_text(raw, args.spec, engine=engine)
        if not result.ok:
            if len(engines) == 1:
                _print_diagnostics(result.diagnostics)
                return EXIT_FINDINGS
            rules = sorted({d.rule for d in result.diagnostics if d.severity == "error"})
            print(f"inferstack: skipped {engine}: the spec uses what {engine} cannot express ({', '.join(rules)}; "
                  f"see: inferstack validate --engine {engine} {args.spec})", file=sys.stderr)
            continue
        try:
            results.append(render_stack(result.stack))
        except RenderRefused as exc:
            print(f"inferstack: error: {engine}: {exc}", file=sys.stderr)
            return EXIT_FINDINGS
    targets = {r.engine: (out / r.engine if args.engine == "all" else out) for r in results}
    if not args.no_check:
        findings = _check_renders(results, targets, args.crds)
        if findings is None:
            pass  # no pinned CRDs: warned, written unchecked
        elif any(d.severity == "error" for d in findings):
            _print_diagnostics(sort_diagnostics(findings))
            print("inferstack: error: the rendered objects do not pass check; nothing was written", file=sys.stderr)
            return EXIT_FINDINGS
        else:
            _print_diagnostics(sort_diagnostics(findings))
    if not args.no_policies:
        from .render.verify import policy_findings

        findings = [d for r in results for d in policy_findings(r, prefix=str(targets[r.engine]))]
        if findings:
            _print_diagnostics(sort_diagnostics(findings))
            print("inferstack: error: the rendered objects break mandatory policies; nothing was written", file=sys.stderr)
            return EXIT_FINDINGS
    for rendered in results:
        write(rendered, targets[rendered.engine])
        print(f"{rendered.engine}: {len(rendered.objects)} objects, {len(rendered.installs)} installs -> "
              f"{targets[rendered.engine]}", file=sys.stderr)
    return EXIT_OK


def _check_renders(results, targets, crd_dir):
    """Diagnostics of `check` over every render, or None (with a warning) when the pinned CRDs are missing."""
    from .render.verify import check_rendered

    findings = []
    for rendered in results:
        try:
            report = check_rendered(rendered, crd_dir, prefix=str(targets[rendered.engine]))
        except UsageError as exc:
            print(f"inferstack: warning: rendered objects were not checked: {exc}", file=sys.stderr)
            return None
        findings += report.diagnostics
    return findings
def cmd_preview(args: argparse.Namespace) -> int:
    from .errors import RenderRefused
    from .pulumi.source import Source, SpecRejected, load

    try:
        rendered, warnings = load(Source(args.spec, engine=args.engine, infrastructure_only=args.infrastructure_only))
    except SpecRejected as exc:
        _print_diagnostics(exc.diagnostics)
        return EXIT_FINDINGS
    except RenderRefused as exc:
        hint = "" if args.infrastructure_only else " (--infrastructure-only previews the engine-independent layer)"
        print(f"inferstack: error: {exc}{hint}", file=sys.stderr)
        return EXIT_FINDINGS
    from .pulumi.preview import format_json, format_text, run_preview  # imports Pulumi: only here

    recording = run_preview(rendered)
    if warnings and args.output == "text":
        _print_diagnostics(warnings)
    formatter = format_json if args.output == "json" else format_text
    sys.stdout.write(formatter(recording, rendered, args.spec))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff import diff_sides
    from .diff.output import format_json, format_markdown, format_text
    from .diff.sources import changed_specs, read_side

    if args.base_ref:
        if args.base or args.head:
            raise UsageError("give BASE and HEAD, or --base-ref REF, not both")
        pairs = changed_specs(args.base_ref)
    else:
        if not (args.base and args.head):
            raise UsageError("diff needs BASE and HEAD (files or GITREF:path), or --base-ref REF")
        pairs = [(read_side(args.base), read_side(args.head))]
    diffs, invalid = [], False
    for base, head in pairs:
        outcome = diff_sides(base, head)
        if outcome.diff is None:
            _print_diagnostics(outcome.diagnostics)
            for reason in outcome.refused:
                print(f"inferstack: error: {reason}", file=sys.stderr)
            invalid = True
        else:
            diffs.append(outcome.diff)
    if invalid:
        return EXIT_FINDINGS
    if args.output == "markdown":
        sys.stdout.write(format_markdown(diffs))
    elif args.output == "json":
        sys.stdout.write(format_json(diffs))
    else:
        color = {"always": True, "never": False}.get(args.color, sys.stdout.isatty())
        sys.stdout.write(format_text(diffs, color=color))
    return EXIT_FINDINGS if args.exit_code and any(d.has_changes for d in diffs) else EXIT_OK


def _looks_like_spec(path: str) -> bool:
    """For pre-commit: a YAML file is a spec when it declares kind: InferenceStack."""
    import re

    try:
        with open(path, "rb") as f:
            return re.search(rb"^kind:\s*InferenceStack\s*$", f.read(), re.M) is not None
    except OSError:
        return True  # let validate report the problem


def cmd_compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .engines import ENGINE_NAMES
    from .report import build as report
    from .report.compare import build, load_results
    from .spec.validate import read_spec, validate_text

    engines = list(ENGINE_NAMES) if args.engines == "all" else [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINE_NAMES]
    if unknown or not engines:
        raise UsageError(f"unknown engine(s): {', '.join(unknown) or '(none given)'}; choose from {', '.join(ENGINE_NAMES)} or all")
    tty = sys.stderr.isatty()

    def progress(engine: str) -> None:
        i = engines.index(engine) + 1
        bar = "#" * i + "." * (len(engines) - i)
        if tty:
            print(f"\r[{bar}] {i}/{len(engines)} rendering {engine:<8}", end="", file=sys.stderr, flush=True)

    raw = read_spec(args.spec)
    own = validate_text(raw, args.spec)
    if not own.ok:
        _print_diagnostics(own.diagnostics)
        return EXIT_FINDINGS
    results = load_results(Path(args.results)) if args.results else {}
    comparison = build(raw, args.spec, engines, progress)
    if tty:
        print(file=sys.stderr)
    comparison.results = results
    written = report.write(comparison, Path(args.out))
    rendered = sum(c.ok for c in comparison.columns)
    print(f"compared {len(engines)} engine(s), {rendered} can serve the spec -> {written[0].parent}/report.md, report.html",
          file=sys.stderr)
    return EXIT_OK


def cmd_bench_collect(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .bench import identity
    from .bench.collect import collect_documents, write

    if args.benchmark and not args.spec:
        raise UsageError("--benchmark needs --spec SPEC (the spec the benchmark is defined in)")
    if args.spec and not args.benchmark:
        raise UsageError("--spec needs --benchmark NAME (which of the spec's benchmarks produced the files)")
    if args.engine and not args.spec:
        raise UsageError("--engine needs --spec SPEC")
    from_spec = identity.from_spec(args.spec, args.benchmark, args.engine) if args.spec else None
    from_summary = identity.from_summary(args.summary) if args.summary else None
    outcome = collect_documents(args.paths, identity.merge(from_spec, from_summary))
    write(outcome, Path(args.out))
    for doc, path in zip(outcome.documents, outcome.written, strict=True):
        run = doc["run"]
        print(f"{path}: {run['tool']} ({run['side']}), {len(doc['stages'])} stage(s) from {len(run['sources'])} source(s)",
              file=sys.stderr)
    for line in outcome.skipped:
        print(f"inferstack: skipped {line}", file=sys.stderr)
    for line in outcome.problems:
        print(f"inferstack: error: {line}", file=sys.stderr)
    print(f"collected {len(outcome.documents)} run(s) -> {args.out}", file=sys.stderr)
    return EXIT_FINDINGS if outcome.problems else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .errors import FORMATTERS, sort_diagnostics

    diagnostics, summaries = [], []
    if not args.policies_only:
        from .check.checker import Checker

        report = Checker(args.kubernetes_version, args.crds).check_paths(args.paths)
        diagnostics += report.diagnostics
        summaries.append(report.summary())
    if args.policies or args.policies_only:
        from .policy import check_paths as policy_check

        policies = policy_check(args.paths)
        # unreadable files are the schema check's to report, unless it did not run
        diagnostics += [d for d in policies.diagnostics if args.policies_only or d.rule.startswith("POL")]
        summaries.append(policies.summary())
    diagnostics = sort_diagnostics(diagnostics)
    sys.stdout.write(FORMATTERS[args.output](diagnostics))
    sys.stdout.flush()
    if args.output == "text":
        for line in summaries:
            print(line, file=sys.stderr)
    return EXIT_FINDINGS if any(d.severity == "error" for d in diagnostics) else EXIT_OK


def cmd_postrender(args: argparse.Namespace) -> int:
    import json

    import yaml

    from .render.postrender import apply_patches, patches_for, patches_from_dicts

    if bool(args.plan) == bool(args.patches_file):
        raise UsageError("postrender needs --plan installs.yaml --install NAME, or --patches-file FILE")
    if args.plan:
        if not args.install:
            raise UsageError("--plan needs --install NAME")
        with open(args.plan, encoding="utf-8") as f:
            patches = patches_for(yaml.safe_load(f) or {}, args.install)
    else:
        with open(args.patches_file, encoding="utf-8") as f:
            patches = patches_from_dicts(json.load(f))
    sys.stdout.write(apply_patches(sys.stdin.read(), patches))
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from .rule_catalog import RULES

    wanted = [r.upper() for r in args.ids]
    unknown = [r for r in wanted if r not in RULES]
    if unknown:
        raise UsageError(f"unknown rule id(s): {', '.join(unknown)}")
    rules = [r for r in RULES.values() if not wanted or r.id in wanted]
    if args.output == "markdown":
        print("| id | name | severity | what it checks |\n|---|---|---|---|")
        for r in rules:
            print(f"| `{r.id}` | {r.name} | {r.severity} | {r.doc} |")
        return EXIT_OK
    for r in rules:
        print(f"{r.id}  {r.severity:<7}  {r.name:<26}  {r.doc}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .paths import spec_schema_path

    path = spec_schema_path()
    print(path if args.path else path.read_text(encoding="utf-8"), end="" if not args.path else "\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inferstack",
        description="Validate, render, check and compare LLM-inference stacks from one spec.",
    )
    parser.add_argument("--version", action="version", version=f"inferstack {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("validate", help="schema, semantic and engine-capability checks of spec files")
    p.add_argument("specs", nargs="+", metavar="SPEC")
    p.add_argument("--engine", choices=ENGINE_CHOICES, help="validate as if spec.engine were ENGINE")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--only-specs", action="store_true",
                   help="skip files that do not declare kind: InferenceStack (for pre-commit on all YAML)")
    _add_output(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("render", help="render the stack: summary.json, installs.yaml, kind-config.yaml, manifests/")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (DIR/<engine>/ with --engine all)")
    p.add_argument("--engine", choices=ENGINE_CHOICES + ("all",), help="render for another engine, or for every engine")
    p.add_argument("--crds", metavar="DIR", help="pinned CRD folder for the check of the output "
                   "(default: $INFERSTACK_CRD_DIR, else the user cache's crds/)")
    p.add_argument("--no-check", action="store_true", help="write without checking the objects against schemas and CRDs")
    p.add_argument("--no-policies", action="store_true", help="write without evaluating the mandatory policies (POL...)")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("preview", help="the Pulumi program's resource tree, offline (mock runtime: no cluster, no CLI)")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--engine", choices=ENGINE_CHOICES, help="preview as if spec.engine were ENGINE (inferstack:engine)")
    p.add_argument("--infrastructure-only", action="store_true",
                   help="only the engine-independent layer: cluster, GPUs, scheduling, gateway, namespaces, volumes")
    _add_output(p, ("text", "json"))
    p.set_defaults(func=cmd_preview)

    p = sub.add_parser("diff", help="preview-diff of two specs (files or GITREF:path) for PR review")
    p.add_argument("base", nargs="?", metavar="BASE")
    p.add_argument("head", nargs="?", metavar="HEAD")
    p.add_argument("--base-ref", metavar="REF", help="diff every spec changed between REF and the working tree")
    p.add_argument("-o", "--output", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--exit-code", action="store_true", help="exit 1 when there are changes")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("compare", help="side-by-side report of the engines for one spec (report.md, report.html)")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--engines", default="all", help="all, or a comma-separated list (default: all)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--results", metavar="DIR", help="normalised results from inferstack bench collect")
    p.set_defaults(func=cmd_compare)

    bench = sub.add_parser("bench", help="benchmark results: bench collect")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="COMMAND")
    bench_sub.required = True
    p = bench_sub.add_parser("collect", help="normalise benchmark tool outputs and Job logs into BenchmarkResult documents")
    p.add_argument("paths", nargs="+", metavar="PATH", help="result files, folders of them, or captured Job logs")
    p.add_argument("--out", required=True, metavar="DIR", help="where <run id>.json documents are written")
    p.add_argument("--spec", metavar="SPEC", help="attribute files without a Job log to this spec's benchmark (rendered offline)")
    p.add_argument("--benchmark", metavar="NAME", help="the spec's benchmarks[].name the files came from (with --spec)")
    p.add_argument("--engine", choices=ENGINE_CHOICES, help="the engine the stack ran with, when not spec.engine (with --spec)")
    p.add_argument("--summary", metavar="SUMMARY", help="summary.json of the render that was deployed")
    p.set_defaults(func=cmd_bench_collect)

    p = sub.add_parser("check", help="strictly validate Kubernetes YAML against built-in schemas and the pinned CRDs")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, or directories searched for *.yaml, *.yml, *.json")
    p.add_argument("--crds", metavar="DIR", help="the pinned CRD folder (<component>/<version>/<kind>.yaml); "
                   "default: $INFERSTACK_CRD_DIR, else the user cache's crds/")
    p.add_argument("--kubernetes-version", metavar="V", help="Kubernetes minor whose built-in schemas to use "
                   f"({', '.join(KUBERNETES_SUPPORTED)}; default: {KUBERNETES_DEFAULT})")
    p.add_argument("--policies", action="store_true",
                   help="also evaluate the policy rules (POL...): mandatory ones are errors, advisory ones warnings")
    p.add_argument("--policies-only", action="store_true",
                   help="evaluate only the policy rules, without the schema check (needs no CRDs)")
    _add_output(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("postrender", help="Helm post-renderer: apply an install's patches (stdin -> stdout)")
    p.add_argument("--plan", metavar="INSTALLS_YAML", help="a rendered installs.yaml")
    p.add_argument("--install", metavar="NAME", help="the install whose patches to apply")
    p.add_argument("--patches-file", metavar="FILE", help="patches as JSON (what the Pulumi program writes)")
    p.set_defaults(func=cmd_postrender)

    p = sub.add_parser("rules", help="list the diagnostic rules with their ids")
    p.add_argument("ids", nargs="*", metavar="RULE")
    p.add_argument("-o", "--output", choices=("text", "markdown"), default="text")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("schema", help="print the spec's JSON Schema (for editors)")
    p.add_argument("--path", action="store_true", help="print the schema file's path instead")
    p.set_defaults(func=cmd_schema)
    return parser


# Commands that run briefly and make few reference cycles: the cyclic garbage collector would spend
# 15-20% of a render scanning the schemas and objects the run keeps alive anyway (reference counting
# frees the rest). It is paused while such a command runs. `preview` (Pulumi's runtime) keeps it.
PAUSE_GC = frozenset({"validate", "render", "check", "diff", "compare", "postrender"})


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paused = args.command in PAUSE_GC and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"inferstack: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so plainly, without a traceback
        print(f"inferstack: internal error: {type(exc).__name__}: {exc} (please report this)", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if paused:
            gc.enable()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
