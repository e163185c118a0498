"""Objects to check, with where they came from: read from files, or handed over in memory."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..errors import ERROR, Diagnostic, UsageError, json_path
from ..yaml_source import MAX_DEPTH, MAX_NODES, ReadRules, SourceDoc, decode, load_documents

CHECK_READ_RULES = ReadRules(syntax="CHK001", duplicate_key="CHK001", unsupported="CHK001", key_type="CHK001",
                             encoding="CHK001")
FILE_SUFFIXES = (".yaml", ".yml", ".json")


class Positions(Protocol):
    def position(self, path: tuple) -> tuple[int, int]: ...


@dataclass
class SourcedObject:
    """One object and its origin. `doc` gives line/column (a SourceDoc, or a LazyDocument; absent for
    in-memory objects); `base` is where the object sits inside that document (a `List`'s items)."""

    data: Any
    file: str
    doc: SourceDoc | Positions | None = None
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


class LazyStream:
    """A YAML stream that is made and parsed only when a position in it is asked for.

    For objects held in memory whose text is known to be their faithful dump (a render checked
    before it is written): checking needs the data only, and a finding's line is rare enough to pay
    for dumping and parsing the file then."""

    def __init__(self, name: str, make_text: Callable[[], str]):
        self.name = name
        self._make_text = make_text
        self._docs: list[SourceDoc] | None = None

    def document(self, index: int) -> SourceDoc:
        if self._docs is None:
            self._docs, _ = load_documents(self._make_text(), self.name, CHECK_READ_RULES)
        return self._docs[index]


@dataclass(frozen=True)
class LazyDocument:
    """Document `index` of a LazyStream (documents of the stream are never empty)."""

    stream: LazyStream
    index: int

    def position(self, path: tuple) -> tuple[int, int]:
        return self.stream.document(self.index).position(path)


def is_plain_json(value: Any) -> bool:
    """True when `value` is exactly the data a YAML reader gives back for it: dicts with str keys,
    lists, str, int, finite float, bool, None (no subclasses), within the reader's node and depth limits."""
    stack = [(value, 0)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES or depth > MAX_DEPTH:
            return False
        kind = type(item)
        if kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    return False
                stack.append((child, depth + 1))
        elif kind is list:
            stack.extend((child, depth + 1) for child in item)
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif not (kind is str or kind is int or kind is bool or item is None):
            return False
    return True


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


def read_texts(texts: Iterable[tuple[str, bytes | str]]) -> tuple[list[SourcedObject], list[Diagnostic]]:
    """The objects of several named YAML streams, and the problems reading them."""
    objects: list[SourcedObject] = []
    problems: list[Diagnostic] = []
    for name, raw in texts:
        found, diags = read_text(raw, name)
        objects += found
        problems += diags
    return objects, problems


def read_files(files: Iterable[Path]) -> tuple[list[SourcedObject], list[Diagnostic]]:
    return read_texts((str(path), _read_bytes(path)) for path in files)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc


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
