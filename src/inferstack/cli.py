"""The `inferstack` command line. Each command imports what it needs when it runs, so offline
commands never load Pulumi and start fast."""

from __future__ import annotations

import argparse
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

    diags, files_with_errors = [], 0
    for path in args.specs:
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
        print(f"{len(args.specs)} spec(s) checked, {state}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return EXIT_FINDINGS if files_with_errors else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .check.checker import Checker
    from .errors import FORMATTERS

    report = Checker(args.kubernetes_version, args.crds).check_paths(args.paths)
    sys.stdout.write(FORMATTERS[args.output](report.diagnostics))
    sys.stdout.flush()
    if args.output == "text":
        print(report.summary(), file=sys.stderr)
    return EXIT_FINDINGS if report.errors else EXIT_OK


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
    _add_output(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("check", help="strictly validate Kubernetes YAML against built-in schemas and the pinned CRDs")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, or directories searched for *.yaml, *.yml, *.json")
    p.add_argument("--crds", metavar="DIR", help="the pinned CRD folder (<component>/<version>/<kind>.yaml); "
                   "default: $INFERSTACK_CRD_DIR, else the user cache's crds/")
    p.add_argument("--kubernetes-version", metavar="V", help="Kubernetes minor whose built-in schemas to use "
                   f"({', '.join(KUBERNETES_SUPPORTED)}; default: {KUBERNETES_DEFAULT})")
    _add_output(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("rules", help="list the diagnostic rules with their ids")
    p.add_argument("ids", nargs="*", metavar="RULE")
    p.add_argument("-o", "--output", choices=("text", "markdown"), default="text")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("schema", help="print the spec's JSON Schema (for editors)")
    p.add_argument("--path", action="store_true", help="print the schema file's path instead")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
