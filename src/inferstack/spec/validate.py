"""validate: load -> schema -> semantic rules -> engine capabilities, each stage a list of diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import versions
from ..errors import ERROR, Diagnostic, UsageError, sort_diagnostics
from .loader import SourceDoc, load_document
from .model import API_VERSION, KIND, Stack, build_stack

# Rules whose failure makes the engine checks meaningless (they assume references and arithmetic hold).
PREREQUISITES = {"INF211", "INF212", "INF213", "INF214", "INF221", "INF222", "INF223", "INF224", "INF225"}


@dataclass
class Result:
    file: str
    doc: SourceDoc | None
    stack: Stack | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity == ERROR for d in self.diagnostics)


def _identity(doc: SourceDoc) -> list[Diagnostic]:
    out = []
    api = doc.data.get("apiVersion")
    if "apiVersion" in doc.data and api != API_VERSION:
        out.append(doc.diag(("apiVersion",), "INF006", f"apiVersion is {api!r}; expected {API_VERSION}",
                            f"set apiVersion: {API_VERSION}"))
    kind = doc.data.get("kind")
    if "kind" in doc.data and kind != KIND:
        out.append(doc.diag(("kind",), "INF007", f"kind is {kind!r}; expected {KIND}", f"set kind: {KIND}"))
    return out


def validate_document(doc: SourceDoc, engine: str | None = None) -> Result:
    """All diagnostics for a loaded document; `engine` overrides spec.engine (render --engine)."""
    from .schema import apply_defaults, schema_diagnostics

    diags = _identity(doc)
    if diags:
        return Result(doc.file, doc, None, diags)
    diags = schema_diagnostics(doc)
    if any(d.severity == ERROR for d in diags):
        return Result(doc.file, doc, None, sort_diagnostics(diags))
    data = apply_defaults(doc.data)
    if engine:
        data["spec"]["engine"] = engine
    stack = build_stack(data, versions.KUBERNETES_DEFAULT)

    from .capabilities import capability_diagnostics
    from .semantic import run_semantic_checks

    diags += run_semantic_checks(doc, stack)
    if not any(d.severity == ERROR and d.rule in PREREQUISITES for d in diags):
        # capability checks assume references and arithmetic hold
        diags += capability_diagnostics(doc, stack)
    ok = not any(d.severity == ERROR for d in diags)
    return Result(doc.file, doc, stack if ok else None, sort_diagnostics(diags))


def read_spec(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a spec file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None


def validate_text(raw: bytes | str, file: str, engine: str | None = None) -> Result:
    doc, diags = load_document(raw, file)
    if doc is None or any(d.severity == ERROR for d in diags):
        return Result(file, doc, None, sort_diagnostics(diags))
    result = validate_document(doc, engine)
    result.diagnostics = sort_diagnostics(diags + result.diagnostics)
    return result


def validate_file(path: str, engine: str | None = None) -> Result:
    """Raises UsageError when the file cannot be read; every other problem is a diagnostic."""
    return validate_text(read_spec(path), path, engine)
