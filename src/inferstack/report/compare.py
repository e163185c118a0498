"""compare: render one spec for every engine and gather what a side-by-side report shows."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..bench.schema import first_error
from ..engines import get_engine
from ..engines.features import FEATURES, features_used
from ..errors import Diagnostic, RenderRefused, UsageError
from ..render.pipeline import render_stack
from ..render.result import Rendered
from ..spec.validate import validate_text


@dataclass
class EngineColumn:
    engine: str
    title: str
    version: str
    rendered: Rendered | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)  # why the spec is not expressible
    refused: str | None = None  # why a valid spec could not be rendered

    @property
    def ok(self) -> bool:
        return self.rendered is not None


@dataclass
class FeatureRow:
    feature: str
    title: str
    path: str
    cells: dict[str, tuple[str, str]]  # engine -> (level, how/why)


@dataclass
class Comparison:
    spec: str
    stack_name: str
    columns: list[EngineColumn]
    features: list[FeatureRow]
    results: dict[str, list[dict]] = field(default_factory=dict)  # engine -> BenchmarkResult documents


def build(raw: bytes, label: str, engines: list[str], progress: Callable[[str], None] = lambda _: None) -> Comparison:
    own = validate_text(raw, label)
    if not own.ok:
        raise UsageError(f"{label} is not a valid spec; run inferstack validate {label}")
    stack = own.stack
    columns = []
    for name in engines:
        progress(name)
        eng = get_engine(name)
        col = EngineColumn(name, eng.title, eng.version)
        result = own if name == stack.engine else validate_text(raw, label, engine=name)
        if not result.ok:
            col.diagnostics = [d for d in result.diagnostics if d.severity == "error"]
        else:
            try:
                col.rendered = render_stack(result.stack)
            except RenderRefused as exc:
                col.refused = str(exc)
        columns.append(col)
    rows = []
    seen = set()
    for use in features_used(stack):
        if use.feature in seen:
            continue
        seen.add(use.feature)
        cells = {}
        for col in columns:
            support = get_engine(col.engine).support(use.feature)
            cells[col.engine] = (support.level, support.how)
        from ..errors import json_path

        rows.append(FeatureRow(use.feature, FEATURES[use.feature].title, json_path(use.path), cells))
    return Comparison(label, stack.name, columns, rows)


def footprint(rendered: Rendered) -> dict[str, Any]:
    crds = sorted({p for i in rendered.installs for p in i.provides})
    return {
        "installs": [f"{i.name} {i.version}" for i in rendered.installs],
        "helmReleases": sum(i.method == "helm" for i in rendered.installs),
        "bundles": sum(i.method == "manifest" for i in rendered.installs),
        "crdGroups": crds,
        "objects": len(rendered.objects),
        "objectsByPhase": rendered.summary["objects"]["byPhase"],
    }


def load_results(directory: Path) -> dict[str, list[dict]]:
    """BenchmarkResult documents under `directory`, grouped by engine (validated against the schema)."""
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory of benchmark results")
    grouped: dict[str, list[dict]] = {}
    for path in sorted(directory.rglob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UsageError(f"{path}: not a JSON result document ({exc})") from None
        if not isinstance(doc, dict) or doc.get("kind") != "BenchmarkResult":
            continue
        error = first_error(doc)
        if error:
            raise UsageError(f"{path}: not a valid BenchmarkResult at {error}")
        engine = doc["stack"].get("engine") or "unknown"
        grouped.setdefault(engine, []).append(doc)
    if not grouped:
        raise UsageError(f"{directory}: no BenchmarkResult documents found (run inferstack bench collect first)")
    return grouped
