"""Parsed-and-translated CRD files, kept as JSON so that YAML is parsed once per file version.

Parsing the pinned CRD YAML takes seconds even with libyaml; the same data as JSON loads in
milliseconds. One entry per CRD file, in a folder named after its path:

    <cache>/crd-schemas/<format>-<version>-<code hash>/<sha256(path)[:24]>/meta.json   kinds, versions, scopes
    <cache>/crd-schemas/<format>-<version>-<code hash>/<sha256(path)[:24]>/<n>-<version>.json   one schema
    <cache>/crd-schemas/<format>-<version>-<code hash>/kinds-index.json   (group, kind) per CRD file

`meta.json` records the file's size and mtime; an entry whose file changed is rebuilt. Schema
files are written before meta.json, each atomically, so a reader never sees a half entry. A
cache that cannot be written is not an error: the entry then lives in memory only.

`kinds-index.json` lets a new process find the file of a kind without opening every CRD file
(a first check parses only the files of the kinds it meets, so most files have no entry): each
CRD file's kinds with the same size/mtime stamp, rewritten when a file's stamp changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import __version__
from ..errors import UsageError
from .openapi import translate_version

# Bump when the entry layout changes. The folder name also carries a hash of the code that writes
# the entries, so a changed translation never reads entries an older one wrote.
CACHE_FORMAT = 1
KINDS_INDEX = "kinds-index.json"


def _code_tag() -> str:
    digest = hashlib.sha256()
    for module in ("openapi.py", "crd_cache.py"):
        digest.update((Path(__file__).with_name(module)).read_bytes())
    return digest.hexdigest()[:12]
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


@dataclass
class CrdVersion:
    name: str
    served: bool
    schema_file: str | None  # name inside the entry folder; None when the version has no schema
    rules: int = 0  # x-kubernetes-validations rules declared in the schema


@dataclass
class CrdKind:
    group: str
    kind: str
    plural: str
    scope: str  # Namespaced | Cluster
    source: str  # the CRD file
    versions: dict[str, CrdVersion] = field(default_factory=dict)

    @property
    def served_versions(self) -> list[str]:
        return [v.name for v in self.versions.values() if v.served]


@dataclass
class CrdFileEntry:
    source: Path
    folder: Path
    kinds: list[CrdKind]
    dropped_patterns: list[str]
    schemas: dict[str, dict] = field(default_factory=dict)  # in memory when freshly parsed
    from_cache: bool = False

    def schema(self, version: CrdVersion) -> dict:
        if version.schema_file in self.schemas:
            return self.schemas[version.schema_file]
        schema = json.loads((self.folder / version.schema_file).read_text(encoding="utf-8"))
        self.schemas[version.schema_file] = schema
        return schema


def stamp(path: Path) -> dict:
    st = path.stat()
    return {"source": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


class _CrdLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):
    """Timestamps stay strings (a CRD default like 2024-01-01 must survive as JSON)."""


_CrdLoader.add_constructor(_TIMESTAMP, _CrdLoader.construct_yaml_str)


def _count_rules(schema: Any) -> int:
    if isinstance(schema, dict):
        return len(schema.get("x-kubernetes-validations") or []) + sum(
            _count_rules(v) for k, v in schema.items() if k != "x-kubernetes-validations")
    if isinstance(schema, list):
        return sum(_count_rules(v) for v in schema)
    return 0


class CrdCache:
    def __init__(self, root: Path | None, object_meta_ref: str):
        self.root = root / "crd-schemas" / f"v{CACHE_FORMAT}-{__version__}-{_code_tag()}" if root else None
        self.object_meta_ref = object_meta_ref
        self.hits = 0
        self.parsed = 0

    def _folder(self, source: Path) -> Path | None:
        if self.root is None:
            return None
        return self.root / hashlib.sha256(str(source).encode()).hexdigest()[:24]

    def cached_kinds(self, source: Path) -> list[CrdKind] | None:
        """The kinds a fresh cache entry lists for `source`, without reading any schema."""
        source = source.resolve()
        folder = self._folder(source)
        if folder is None:
            return None
        entry = self._read(folder, stamp(source))
        return entry.kinds if entry else None

    def kinds_index(self) -> dict[str, dict]:
        """str(resolved CRD file) -> {"stamp": ..., "kinds": [[group, kind], ...]}, as last saved."""
        if self.root is None:
            return {}
        try:
            index = json.loads((self.root / KINDS_INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return index if isinstance(index, dict) else {}

    def save_kinds_index(self, index: dict[str, dict]) -> None:
        if self.root is None:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.root / KINDS_INDEX, json.dumps(index, indent=0, sort_keys=True))
        except OSError:
            pass  # a read-only cache: the index is rebuilt next time

    def load(self, source: Path) -> CrdFileEntry:
        source = source.resolve()
        folder = self._folder(source)
        current = stamp(source)
        if folder is not None:
            entry = self._read(folder, current)
            if entry is not None:
                self.hits += 1
                return entry
        entry = self._parse(source, folder or Path())
        self.parsed += 1
        if folder is not None:
            self._write(entry, current)
        return entry

    @staticmethod
    def _read(folder: Path, stamp: dict) -> CrdFileEntry | None:
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("stamp") != stamp:
            return None
        kinds = []
        for k in meta["kinds"]:
            versions = {v["name"]: CrdVersion(v["name"], v["served"], v["schema_file"], v["rules"]) for v in k["versions"]}
            kinds.append(CrdKind(k["group"], k["kind"], k["plural"], k["scope"], k["source"], versions))
        if not all((folder / v.schema_file).is_file() for k in kinds for v in k.versions.values() if v.schema_file):
            return None
        return CrdFileEntry(Path(stamp["source"]), folder, kinds, meta.get("dropped_patterns", []), from_cache=True)

    def _parse(self, source: Path, folder: Path) -> CrdFileEntry:
        try:
            with open(source, encoding="utf-8") as fh:
                docs = [d for d in yaml.load_all(fh, Loader=_CrdLoader) if d]
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read CRD file {source}: {exc}") from exc
        kinds: list[CrdKind] = []
        schemas: dict[str, dict] = {}
        dropped: list[str] = []
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc.get("spec") or {}
            names = spec.get("names") or {}
            crd = CrdKind(spec.get("group", ""), names.get("kind", ""), names.get("plural", ""),
                          spec.get("scope", "Namespaced"), str(source))
            for version in spec.get("versions") or []:
                raw = ((version.get("schema") or {}).get("openAPIV3Schema"))
                schema_file = None
                rules = 0
                if isinstance(raw, dict):
                    schema_file = f"{len(kinds)}-{version['name']}.json"
                    schemas[schema_file], lost = translate_version(raw, self.object_meta_ref)
                    dropped += lost
                    rules = _count_rules(raw)
                crd.versions[version["name"]] = CrdVersion(version["name"], bool(version.get("served", True)),
                                                           schema_file, rules)
            kinds.append(crd)
        return CrdFileEntry(source, folder, kinds, dropped, schemas)

    @staticmethod
    def _write(entry: CrdFileEntry, stamp: dict) -> None:
        try:
            entry.folder.mkdir(parents=True, exist_ok=True)
            for name, schema in entry.schemas.items():
                _atomic_write(entry.folder / name, json.dumps(schema, separators=(",", ":")))
            meta = {
                "stamp": stamp,
                "dropped_patterns": entry.dropped_patterns,
                "kinds": [{"group": k.group, "kind": k.kind, "plural": k.plural, "scope": k.scope, "source": k.source,
                           "versions": [vars(v) for v in k.versions.values()]} for k in entry.kinds],
            }
            _atomic_write(entry.folder / "meta.json", json.dumps(meta, indent=1))
        except OSError:
            pass  # a read-only cache: keep working from memory


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
