"""What one check run found and counted."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ERROR, Diagnostic
from .cel_rules import CelCounts


@dataclass
class CheckReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    objects: int = 0  # objects checked (a List's items count one each)
    files: int = 0  # files read (0 for in-memory objects)
    cel: CelCounts = field(default_factory=CelCounts)
    elapsed: float = 0.0  # seconds
    crd_files_parsed: int = 0  # CRD files parsed from YAML in this run (cache misses)
    crd_cache_hits: int = 0

    @property
    def errors(self) -> int:
        return sum(d.severity == ERROR for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def cel_evaluated(self) -> int:
        return self.cel.evaluated

    @property
    def cel_skipped(self) -> dict[str, int]:
        return dict(sorted(self.cel.skipped.items()))

    def summary(self) -> str:
        where = f" in {self.files} file(s)" if self.files else ""
        state = "valid" if self.ok else f"{self.errors} error(s)"
        return f"{self.objects} object(s){where} checked, {state}; {self.cel.summary()}; {self.elapsed:.2f} s"
