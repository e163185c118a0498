"""Runner 1: the policy rules over objects read from files or rendered in memory, as Diagnostics
(`inferstack check --policies`, and `render` before it writes)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..check.objects import SourcedObject, collect_files, read_files, read_texts
from ..errors import ERROR, WARNING, Diagnostic, sort_diagnostics
from .model import ADVISORY, MANDATORY, Context, Inventory, PolicyRule
from .rules import POLICY_RULES

ALL_SEVERITIES = (MANDATORY, ADVISORY)


def is_object(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str)


def select(severities: Iterable[str] = ALL_SEVERITIES, ids: Iterable[str] | None = None) -> list[PolicyRule]:
    wanted = set(severities)
    chosen = None if ids is None else set(ids)
    return [r for r in POLICY_RULES if r.severity in wanted and (chosen is None or r.id in chosen)]


def evaluate(objects: Sequence[SourcedObject], rules: Sequence[PolicyRule] | None = None) -> list[Diagnostic]:
    """Every rule on every object; cross-object rules see all of `objects` at once."""
    rules = list(POLICY_RULES if rules is None else rules)
    checked = [o for o in objects if is_object(o.data)]
    ctx = Context(Inventory.of(o.data for o in checked))
    out: list[Diagnostic] = []
    for obj in checked:
        for rule in rules:
            for finding in rule.check(obj.data, ctx):
                out.append(obj.diag(finding.path, rule.id, finding.message, finding.hint, rule.diagnostic_severity))
    return sort_diagnostics(out)


@dataclass
class PolicyReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    objects: int = 0
    files: int = 0
    elapsed: float = 0.0

    @property
    def errors(self) -> int:
        return sum(d.severity == ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == WARNING for d in self.diagnostics)

    def summary(self) -> str:
        where = f" in {self.files} file(s)" if self.files else ""
        state = "pass" if not self.errors else f"{self.errors} error(s)"
        return (f"policies: {self.objects} object(s){where}, {state}, {self.warnings} warning(s) "
                f"({len(POLICY_RULES)} rules); {self.elapsed:.2f} s")


def _report(objects: list[SourcedObject], read_problems: list[Diagnostic], files: int, start: float,
            rules: Sequence[PolicyRule] | None) -> PolicyReport:
    diags = read_problems + evaluate(objects, rules)
    return PolicyReport(sort_diagnostics(diags), sum(is_object(o.data) for o in objects), files,
                        time.perf_counter() - start)


def check_paths(paths: Iterable[str | Path], rules: Sequence[PolicyRule] | None = None) -> PolicyReport:
    """Files and directories (*.yaml, *.yml, *.json, recursively), all checked as one set; files that
    cannot be read as YAML are reported (CHK001) and their objects skipped."""
    start = time.perf_counter()
    files = collect_files(paths)
    objects, problems = read_files(files)
    return _report(objects, problems, len(files), start, rules)


def check_texts(texts: Mapping[str, str | bytes], rules: Sequence[PolicyRule] | None = None) -> PolicyReport:
    """YAML streams held in memory (rendered manifests), keyed by the file name to report."""
    start = time.perf_counter()
    objects, problems = read_texts(texts.items())
    return _report(objects, problems, len(texts), start, rules)


def check_objects(objects: Iterable[dict], source: str = "<objects>",
                  rules: Sequence[PolicyRule] | None = None) -> PolicyReport:
    start = time.perf_counter()
    sourced = [o if isinstance(o, SourcedObject) else SourcedObject(o, source) for o in objects]
    return _report(sourced, [], 0, start, rules)
