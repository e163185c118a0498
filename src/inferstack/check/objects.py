"""Objects to check, with where they came from: read from files, or handed over in memory."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ERROR, Diagnostic, UsageError, json_path
from ..yaml_source import ReadRules, SourceDoc, decode, load_documents

CHECK_READ_RULES = ReadRules(syntax="CHK001", duplicate_key="CHK001", unsupported="CHK001", key_type="CHK001",
                             encoding="CHK001")
FILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class SourcedObject:
    """One object and its origin. `doc` gives line/column (absent for in-memory objects);
    `base` is where the object sits inside that document (a `List`'s items)."""

    data: Any
    file: str
    doc: SourceDoc | None = None
    base: tuple = ()

    def position(self, path: tuple) -> tuple[int, int]:
        return self.doc.position(self.base + tuple(path)) if self.doc is not None else (1, 1)

    def diag(self, path: tuple, rule: str, message: str, hint: str | None = None, severity: str = ERROR) -> Diagnostic:
        line, col = self.position(path)
        return Diagnostic(self.file, line, col, severity, rule, json_path(path), message, hint)


def json_problems(value: Any, path: tuple = ()) -> list[tuple[tuple, str]]:
    """Where `value` is not JSON data (string keys; null, booleans, finite numbers, strings, lists,
    mappings). Objects read from files always are; objects handed over in memory may not be."""
    if value is None or isinstance(value, (bool, str)):
        return []
    if isinstance(value, (int, float)):
        return [] if value == value and value not in (float("inf"), float("-inf")) else [(path, f"{value} is not a JSON number")]
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            if not isinstance(key, str):
                out.append((path, f"mapping key {key!r} is a {type(key).__name__}, not a string"))
            else:
                out += json_problems(item, path + (key,))
        return out
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in json_problems(item, path + (i,))]
    return [(path, f"a {type(value).__name__} is not JSON data")]


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON data Kubernetes accepts")


def expand_lists(obj: SourcedObject) -> list[SourcedObject]:
    """A `v1 List` (as kubectl writes) stands for its items."""
    data = obj.data
    if (isinstance(data, dict) and data.get("apiVersion") == "v1" and data.get("kind") == "List"
            and isinstance(data.get("items"), list)):
        return [SourcedObject(item, obj.file, obj.doc, obj.base + ("items", i)) for i, item in enumerate(data["items"])]
    return [obj]


def as_sourced(objects: Iterable[Any], source: str | None) -> list[SourcedObject]:
    """In-memory objects: plain dicts (named `source`, or `<objects>`) or SourcedObjects as they are."""
    out: list[SourcedObject] = []
    for obj in objects:
        if not isinstance(obj, SourcedObject):
            obj = SourcedObject(obj, source or "<objects>")
        out += expand_lists(obj)
    return out


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and directories' *.yaml/*.yml/*.json recursively, in a stable order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in FILE_SUFFIXES and p.is_file())
            if not found:
                raise UsageError(f"{raw}: no {', '.join('*' + s for s in FILE_SUFFIXES)} files in this directory")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return list(dict.fromkeys(files))


def read_file(path: Path) -> tuple[list[SourcedObject], list[Diagnostic]]:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    return read_text(raw, name)


def read_text(raw: bytes | str, name: str) -> tuple[list[SourcedObject], list[Diagnostic]]:
    """The objects of one YAML (or JSON) stream, with positions; `name` is the file reported."""
    docs, diags = load_documents(raw, name, CHECK_READ_RULES)
    if name.endswith(".json") and diags and not docs:
        # JSON that YAML cannot read (keys over 1024 characters, for instance): no positions, but checked
        text, _ = decode(raw, name, CHECK_READ_RULES) if isinstance(raw, bytes) else (raw, [])
        try:
            data = json.loads(text, parse_constant=_reject_constant) if text is not None else None
        except ValueError:
            data = None
        if data is not None:
            return expand_lists(SourcedObject(data, name)), []
    objects: list[SourcedObject] = []
    for doc in docs:
        objects += expand_lists(SourcedObject(doc.data, name, doc))
    return objects, diags
