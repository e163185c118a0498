"""The pinned CRD sets: which files exist, which kinds they define, read only as far as needed.

Only `<crd dir>/<component>/<version>/` folders named in `versions.CRDS` are read (the folder may
hold other versions). A missing pinned folder is a usage error.

Finding a kind must not parse every CRD file (seconds, cold): the kinds index comes from the
cache's kinds index (one small JSON file, checked against each file's size and mtime), else from
each file's fresh cache entry, else from parsing only the file's head (`apiVersion` ..
`spec.scope`, which precedes the large `versions` list in CRD files), else from parsing the whole
file. A lookup then loads just the file that defines the kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from .. import versions
from ..errors import UsageError
from .crd_cache import CrdCache, CrdFileEntry, CrdKind, CrdVersion, stamp

CRD_SUFFIXES = (".yaml", ".yml", ".json")
_VERSIONS_KEY = re.compile(r"^  versions:", re.M)
_DOCUMENT_START = re.compile(r"^---", re.M)


def pinned_files(crd_dir: Path, pinned: Mapping[str, str], origin: str = "") -> list[Path]:
    missing = [crd_dir / c / v for c, v in sorted(pinned.items()) if not (crd_dir / c / v).is_dir()]
    if missing:
        shown = ", ".join(str(m) for m in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        where = f" (from {origin})" if origin else ""
        raise UsageError(
            f"pinned CRDs not found in {crd_dir}{where}: expected {shown}; pass --crds DIR or set "
            "INFERSTACK_CRD_DIR to a folder laid out as <component>/<version>/<kind>.yaml")
    files = []
    for component, version in sorted(pinned.items()):
        files += sorted(p for p in (crd_dir / component / version).iterdir() if p.suffix in CRD_SUFFIXES and p.is_file())
    return files


def header_kinds(path: Path) -> list[tuple[str, str]] | None:
    """(group, kind) from a single-CRD file's head, or None when the file is not in that shape."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    m = _VERSIONS_KEY.search(text)
    if m is None or _DOCUMENT_START.search(text, m.end()):
        return None
    try:
        docs = [d for d in yaml.load_all(text[: m.start()], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if d]
    except yaml.YAMLError:
        return None
    if len(docs) != 1 or not isinstance(docs[0], dict) or docs[0].get("kind") != "CustomResourceDefinition":
        return None
    spec = docs[0].get("spec") or {}
    group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
    return [(group, kind)] if isinstance(group, str) and isinstance(kind, str) else None


class CrdCatalog:
    def __init__(self, crd_dir: Path, cache: CrdCache, pinned: Mapping[str, str] | None = None, origin: str = ""):
        self.crd_dir = crd_dir
        self.cache = cache
        self.files = pinned_files(crd_dir, versions.CRDS if pinned is None else pinned, origin)
        self._entries: dict[Path, CrdFileEntry] = {}
        self._kinds: dict[tuple[str, str], tuple[CrdKind, CrdFileEntry]] = {}
        self._index: dict[tuple[str, str], Path] | None = None

    def _load(self, path: Path) -> CrdFileEntry:
        entry = self._entries.get(path)
        if entry is None:
            entry = self._entries[path] = self.cache.load(path)
            for crd in entry.kinds:
                self._kinds.setdefault((crd.group, crd.kind), (crd, entry))  # the first pinned set wins
        return entry

    def index(self) -> dict[tuple[str, str], Path]:
        """(group, kind) -> the CRD file that defines it."""
        if self._index is None:
            index: dict[tuple[str, str], Path] = {}
            saved = self.cache.kinds_index()
            changed = False
            for path in self.files:
                source = path.resolve()
                found = saved.get(str(source))
                current = stamp(source)
                if found is None or found.get("stamp") != current:
                    found = {"stamp": current, "kinds": self._file_kinds(path)}
                    saved[str(source)] = found
                    changed = True
                for group, kind in found["kinds"]:
                    index.setdefault((group, kind), path)
            if changed:
                self.cache.save_kinds_index(saved)
            self._index = index
        return self._index

    def _file_kinds(self, path: Path) -> list[tuple[str, str]]:
        cached = self.cache.cached_kinds(path)
        keys = [(k.group, k.kind) for k in cached] if cached is not None else header_kinds(path)
        if keys is None:
            keys = [(k.group, k.kind) for k in self._load(path).kinds]
        return keys

    def find(self, group: str, kind: str) -> CrdKind | None:
        key = (group, kind)
        if key not in self._kinds:
            path = self.index().get(key)
            if path is not None:
                self._load(path)
        found = self._kinds.get(key)
        return found[0] if found else None

    def named(self, kind: str) -> list[CrdKind]:
        """Every pinned CRD whose kind is `kind` (for hints about the apiVersion)."""
        return [crd for (g, k) in sorted(self.index()) if k == kind for crd in [self.find(g, k)] if crd]

    def kind_names(self) -> set[str]:
        return {k for _, k in self.index()}

    def schema(self, crd: CrdKind, version: CrdVersion) -> dict | None:
        if version.schema_file is None:
            return None
        _, entry = self._kinds[(crd.group, crd.kind)]
        return entry.schema(version)

    def load_all(self) -> list[CrdKind]:
        for path in self.files:
            self._load(path)
        return [crd for crd, _ in self._kinds.values()]
