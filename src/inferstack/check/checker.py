"""The checker: routes each object to its schema (built-in kind or pinned CRD) and collects findings.

A Checker is built once per (Kubernetes version, CRD folder) and reused: it reads the built-in
definitions, CRD cache entries and compiles validators only when an object first needs them,
and keeps them for later calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import versions
from ..errors import WARNING, Diagnostic, sort_diagnostics
from . import locations
from .builtin_kinds import DEFINITIONS_URI, OBJECT_META_REF, BuiltinKinds, api_version, kubernetes_minor
from .cel_rules import CelCompiler, CelCounts
from .cel_values import CelValues
from .crd_cache import CrdCache
from .crd_catalog import CrdCatalog
from .metadata import name_problems
from .objects import SourcedObject, as_sourced, collect_files, json_problems, read_files, read_texts
from .report import CheckReport
from .schema_errors import collapse, did_you_mean, findings, is_blocking
from .structural import ActiveSubtrees, StructuralWalk
from .validators import KindValidator, SchemaSet


@dataclass
class Target:
    """Where objects of one apiVersion/kind are validated, or why they cannot be."""

    group: str
    kind: str
    cluster_scoped: bool = False
    schema: dict | None = None
    crd_schema: dict | None = None  # set for custom resources: the structural walk runs on it
    unknown: tuple[str, str | None] | None = None  # (message, hint) when there is no schema
    validator: KindValidator | None = None


def split_api_version(value: str) -> tuple[str, str]:
    group, _, version = value.rpartition("/")
    return group, version


def _unpinned_install(api_version: str, kind: str) -> str | None:
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return versions.UNPINNED_CRDS.get(f"{group}/{kind}")


class Checker:
    def __init__(self, kubernetes_version: str | None = None, crd_dir: str | Path | None = None, *,
                 cache_dir: str | Path | None = None, pinned_crds: dict[str, str] | None = None):
        self.kubernetes_version = kubernetes_minor(kubernetes_version)
        crd_path, origin = locations.crd_dir(crd_dir)
        cache_root = Path(cache_dir) if cache_dir is not None else locations.cache_dir()
        self.builtins = BuiltinKinds(self.kubernetes_version, cache_root)
        self.crds = CrdCatalog(crd_path, CrdCache(cache_root, OBJECT_META_REF), pinned_crds, origin)
        self._schemas: SchemaSet | None = None
        self._targets: dict[tuple[str, str], Target] = {}
        self._cel = CelCompiler()
        self._cel_values = CelValues()
        self._active = ActiveSubtrees()

    # -- public API -----------------------------------------------------------------------------

    def check_objects(self, objects: Iterable[Any], *, source: str | None = None, files: int = 0) -> CheckReport:
        """Check in-memory objects: dicts (reported under `source`, e.g. `<rendered>/manifests/30-models.yaml`)
        or SourcedObjects that carry their own file name and positions. `files` is what the report counts."""
        return self._run(as_sourced(objects, source), [], files=files)

    def check_texts(self, texts: Mapping[str, str | bytes]) -> CheckReport:
        """Check YAML/JSON streams held in memory, e.g. rendered manifests, keyed by the file name to
        report (`<rendered>/manifests/30-models.yaml`): findings get real lines without a file on disk."""
        start = time.perf_counter()
        objects, diags = read_texts(texts.items())
        return self._run(objects, diags, files=len(texts), start=start)

    def check_paths(self, paths: Iterable[str | Path]) -> CheckReport:
        """Check files, and directories' *.yaml/*.yml/*.json recursively (multi-document YAML)."""
        start = time.perf_counter()
        files = collect_files(paths)
        objects, diags = read_files(files)
        return self._run(objects, diags, files=len(files), start=start)

    # -- the run --------------------------------------------------------------------------------

    def _run(self, objects: list[SourcedObject], diags: list[Diagnostic], files: int,
             start: float | None = None) -> CheckReport:
        start = time.perf_counter() if start is None else start
        hits, parsed = self.crds.cache.hits, self.crds.cache.parsed
        report = CheckReport(files=files)
        seen: dict[tuple, SourcedObject] = {}
        out = list(diags)
        for obj in objects:
            out += self.check_object(obj, report.cel, seen)
            report.objects += 1
        report.diagnostics = sort_diagnostics(out)
        report.crd_cache_hits = self.crds.cache.hits - hits
        report.crd_files_parsed = self.crds.cache.parsed - parsed
        report.elapsed = time.perf_counter() - start
        return report

    def check_object(self, obj: SourcedObject, counts: CelCounts, seen: dict[tuple, SourcedObject]) -> list[Diagnostic]:
        data = obj.data
        if obj.doc is None:  # handed over in memory: make sure it is JSON data first
            problems = json_problems(data)
            if problems:
                return [obj.diag(path, "CHK004", message) for path, message in problems]
        if not isinstance(data, dict):
            kind = "null" if data is None else type(data).__name__
            return [obj.diag((), "CHK002", f"the document is a {kind}, not a Kubernetes object",
                             "each document needs apiVersion, kind and metadata")]
        problems = [obj.diag((key,), "CHK002", f"{key} is missing" if key not in data else
                             f"{key} must be a non-empty string, not {data[key]!r}")
                    for key in ("apiVersion", "kind") if not isinstance(data.get(key), str) or not data[key]]
        if problems:
            return problems
        target = self._target(data["apiVersion"], data["kind"])
        out: list[Diagnostic] = []
        unpinned = _unpinned_install(data["apiVersion"], data["kind"])
        if target.unknown is not None and unpinned:
            out.append(obj.diag(("kind",), "CHK012",
                                f"{data['kind']} ({data['apiVersion']}) is not validated: the {unpinned} install "
                                "registers its CRD, but no pinned copy of it exists", "review this object by hand",
                                severity=WARNING))
        elif target.unknown is not None:
            message, hint = target.unknown
            out.append(obj.diag(("kind",), "CHK011", message, hint))
        else:
            out += self._validate(obj, target, counts)
        for path, message, hint in name_problems(data, target.group, target.kind):
            out.append(obj.diag(path, "CHK008", message, hint))
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        if target.cluster_scoped and meta.get("namespace"):
            out.append(obj.diag(("metadata", "namespace"), "CHK009",
                                f"{target.kind} is cluster-scoped; it cannot have a namespace", "remove metadata.namespace"))
        out += self._duplicate(obj, target, meta, seen)
        return out

    def _validate(self, obj: SourcedObject, target: Target, counts: CelCounts) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        data = obj.data
        walk = None
        if target.crd_schema is not None:
            def emit(path, rule, message, hint=None):
                out.append(obj.diag(path, rule, message, hint))

            walk = StructuralWalk(self._cel, self._cel_values, self._active, counts, emit)
            data = walk.run(target.crd_schema, data)
        if target.validator is None:
            target.validator = self._schema_set().validator(target.schema)
        errors = target.validator.errors(data)
        for path, rule, message, hint in collapse([f for error in errors for f in findings(error)]):
            out.append(obj.diag(path, rule, message, hint))
        if walk is not None:
            walk.finish(blocked=any(is_blocking(e) for e in errors))
        return out

    @staticmethod
    def _duplicate(obj: SourcedObject, target: Target, meta: dict, seen: dict) -> list[Diagnostic]:
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            return []
        namespace = None if target.cluster_scoped else meta.get("namespace")
        key = (target.group, target.kind, namespace if isinstance(namespace, str) else None, name)
        first = seen.get(key)
        if first is None:
            seen[key] = obj
            return []
        line, _ = first.position(("metadata", "name"))
        shown = f"{namespace}/{name}" if namespace else name
        return [obj.diag(("metadata", "name"), "CHK010", f"duplicate object: {target.kind} {shown} is also defined at "
                         f"{first.file}:{line}", "objects must be unique by group, kind, namespace and name")]

    # -- schemas --------------------------------------------------------------------------------

    def _schema_set(self) -> SchemaSet:
        if self._schemas is None:
            self._schemas = SchemaSet({DEFINITIONS_URI: self.builtins.document})
        return self._schemas

    def _target(self, api_ver: str, kind: str) -> Target:
        key = (api_ver, kind)
        target = self._targets.get(key)
        if target is None:
            target = self._targets[key] = self._resolve(api_ver, kind)
        return target

    def _resolve(self, api_ver: str, kind: str) -> Target:
        group, version = split_api_version(api_ver)
        schema = self.builtins.schema(api_ver, kind)
        if schema is not None:
            return Target(group, kind, self.builtins.cluster_scoped(group, kind), schema)
        crd = self.crds.find(group, kind)
        if crd is None:
            return Target(group, kind, unknown=self._unknown_kind(api_ver, kind))
        served = crd.served_versions
        crd_version = crd.versions.get(version)
        if crd_version is None or not crd_version.served:
            return Target(group, kind, crd.scope == "Cluster", unknown=(
                f"{api_ver} {kind} is not served by the pinned {kind} CRD",
                f"served versions: {', '.join(f'{group}/{v}' for v in served) or 'none'}"))
        crd_schema = self.crds.schema(crd, crd_version)
        if crd_schema is None:
            return Target(group, kind, crd.scope == "Cluster", {"type": "object"})
        return Target(group, kind, crd.scope == "Cluster", crd_schema, crd_schema)

    def _unknown_kind(self, api_ver: str, kind: str) -> tuple[str, str | None]:
        message = f"no schema for {api_ver} {kind} (Kubernetes {self.kubernetes_version} or the pinned CRDs)"
        known = sorted(av for av, k in self.builtins.index if k == kind)
        known += [api_version(crd.group, v) for crd in self.crds.named(kind) for v in crd.served_versions]
        if known:
            return message, f"{kind} exists as apiVersion {', '.join(known)}"
        group = split_api_version(api_ver)[0]
        in_group = {k for av, k in self.builtins.index if split_api_version(av)[0] == group}
        in_group |= {k for g, k in self.crds.index() if g == group}
        if not in_group:
            return message, f"no built-in kind or pinned CRD has the group {group!r}"
        return message, did_you_mean(kind, sorted(in_group))


def check_paths(paths: Iterable[str | Path], *, kubernetes_version: str | None = None,
                crd_dir: str | Path | None = None) -> CheckReport:
    return get_checker(kubernetes_version, crd_dir).check_paths(paths)


def check_texts(texts: Mapping[str, str | bytes], *, kubernetes_version: str | None = None,
                crd_dir: str | Path | None = None) -> CheckReport:
    return get_checker(kubernetes_version, crd_dir).check_texts(texts)


def check_objects(objects: Iterable[Any], *, kubernetes_version: str | None = None, crd_dir: str | Path | None = None,
                  source: str | None = None) -> CheckReport:
    return get_checker(kubernetes_version, crd_dir).check_objects(objects, source=source)


_CHECKERS: dict[tuple, Checker] = {}


def get_checker(kubernetes_version: str | None = None, crd_dir: str | Path | None = None) -> Checker:
    """One shared Checker per (version, CRD folder, cache folder) in this process."""
    key = (kubernetes_minor(kubernetes_version), str(locations.crd_dir(crd_dir)[0]), str(locations.cache_dir()))
    checker = _CHECKERS.get(key)
    if checker is None:
        checker = _CHECKERS[key] = Checker(kubernetes_version, crd_dir)
    return checker
