"""YAML documents as plain data plus the position of every node, shared by the spec loader and `check`.

The builder walks PyYAML's node graph itself instead of using a constructor, so it can
report duplicate keys with both lines, keep timestamps as the strings the user wrote,
refuse custom tags, and bound alias expansion. It never raises for bad input: every
problem becomes a Diagnostic, under the rule ids the caller passes in `ReadRules`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ERROR, Diagnostic, json_path

try:  # libyaml is several times faster; fall back to the pure-Python loader
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

# Alias expansion beyond this many nodes is refused ("billion laughs").
MAX_NODES = 200_000
MAX_DEPTH = 200

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

Path = tuple


@dataclass(frozen=True)
class ReadRules:
    """The rule ids a reader reports its problems under."""

    syntax: str  # not YAML at all
    duplicate_key: str
    unsupported: str  # custom tags, alias bombs, non-finite numbers, nesting
    key_type: str  # a key that is not a plain string
    encoding: str  # not UTF-8 text


@dataclass
class SourceDoc:
    """A loaded document: its data and where every key and value sits (1-based line/column)."""

    file: str
    text: str
    data: Any = None
    key_pos: dict[Path, tuple[int, int]] = field(default_factory=dict)
    value_pos: dict[Path, tuple[int, int]] = field(default_factory=dict)
    index: int = 0  # position of the document in a multi-document stream

    def position(self, path: Path) -> tuple[int, int]:
        """The best position for a path: its key, else its value, else the nearest ancestor."""
        path = tuple(path)
        while True:
            if path in self.key_pos:
                return self.key_pos[path]
            if path in self.value_pos:
                return self.value_pos[path]
            if not path:
                return (1, 1)
            path = path[:-1]

    def diag(self, path: Path, rule: str, message: str, hint: str | None = None, severity: str = ERROR) -> Diagnostic:
        line, col = self.position(path)
        return Diagnostic(self.file, line, col, severity, rule, json_path(path), message, hint)


class BuildStopped(Exception):
    """Abort the walk after a fatal problem (already recorded)."""


class NodeBuilder:
    """Turns one composed YAML node tree into plain data, recording positions in `doc`."""

    def __init__(self, doc: SourceDoc, rules: ReadRules):
        self.doc = doc
        self.rules = rules
        self.diags: list[Diagnostic] = []
        self.count = 0
        self._scalar = yaml.constructor.SafeConstructor()

    @staticmethod
    def _pos(node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def _error(self, node: yaml.Node, path: Path, rule: str, msg: str, hint: str | None = None) -> None:
        line, col = self._pos(node)
        self.diags.append(Diagnostic(self.doc.file, line, col, ERROR, rule, json_path(path), msg, hint))

    def build(self, node: yaml.Node, path: Path = (), depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self._error(node, path, self.rules.unsupported, f"the document expands to more than {MAX_NODES} nodes",
                        "avoid deep alias chains; write the values out")
            raise BuildStopped
        if depth > MAX_DEPTH:
            self._error(node, path, self.rules.unsupported, f"the document nests deeper than {MAX_DEPTH} levels")
            raise BuildStopped
        self.doc.value_pos.setdefault(path, self._pos(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag not in (_SEQ,):
                self._error(node, path, self.rules.unsupported, f"unsupported YAML tag {node.tag!r}", "remove the tag")
                return None
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar_value(node, path)

    def _scalar_value(self, node: yaml.ScalarNode, path: Path) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _TIMESTAMP:
            return node.value  # keep dates exactly as written
        if tag in (_NULL, _BOOL, _INT, _FLOAT):
            value = self._scalar.construct_object(node)
            if isinstance(value, float) and not math.isfinite(value):
                self._error(node, path, self.rules.unsupported, f"non-finite number {node.value!r}", "use a finite number")
                return None
            return value
        self._error(node, path, self.rules.unsupported, f"unsupported YAML tag {tag!r}",
                    "plain YAML values only; remove the tag")
        return None

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict:
        if node.tag != _MAP:
            self._error(node, path, self.rules.unsupported, f"unsupported YAML tag {node.tag!r}", "remove the tag")
            return {}
        out: dict = {}
        seen: dict[Any, int] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        self._error(src, path, self.rules.unsupported, "a merge key (<<) needs a mapping")
                        continue
                    merged.extend(src.value)
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                self._error(key_node, path + (key,), self.rules.duplicate_key,
                            f"duplicate key {key!r} (first defined on line {seen[key]}, again on line {line})",
                            "keep one of them")
                continue
            seen[key] = line
            self.doc.key_pos[path + (key,)] = self._pos(key_node)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        for key_node, value_node in merged:  # explicit keys win over merged ones
            key = self._key(key_node, path)
            if key is None or key in out:
                continue
            self.doc.key_pos.setdefault(path + (key,), self._pos(key_node))
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def _key(self, key_node: yaml.Node, path: Path) -> str | None:
        if not isinstance(key_node, yaml.ScalarNode):
            self._error(key_node, path, self.rules.key_type, "mapping keys must be plain strings, not collections")
            return None
        if key_node.tag != _STR:
            self._error(key_node, path + (key_node.value,), self.rules.key_type,
                        f"key {key_node.value!r} is read as a {key_node.tag.rsplit(':', 1)[-1]}, not a string",
                        f'quote it: "{key_node.value}"')
            return None
        return key_node.value


def decode(raw: bytes, file: str, rules: ReadRules) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text (a BOM is dropped), or a diagnostic that says where decoding failed."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Diagnostic(file, line, col, ERROR, rules.encoding, "$",
                                 f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8")]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Diagnostic(file, line, 1, ERROR, rules.encoding, "$",
                                 "the file contains NUL bytes; it is not a text file")]
    return text, []


def syntax_diagnostic(exc: Exception, file: str, rules: ReadRules) -> Diagnostic:
    """A parser exception as a diagnostic at the position where the parser stopped."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        return Diagnostic(file, line, col, ERROR, rules.syntax, "$", msg)
    return Diagnostic(file, 1, 1, ERROR, rules.syntax, "$", f"cannot parse YAML: {type(exc).__name__}")


PARSE_ERRORS = (yaml.YAMLError, RecursionError, MemoryError, ValueError)


def compose_nodes(text: str) -> Iterator[yaml.Node | None]:
    """The stream's document nodes, one at a time (a syntax error surfaces when its document is reached)."""
    return yaml.compose_all(text, Loader=_Loader)


def build_document(node: yaml.Node, file: str, text: str, rules: ReadRules,
                   index: int = 0) -> tuple[SourceDoc | None, list[Diagnostic]]:
    """One composed document as a SourceDoc; None (with the reason) when it could not be built."""
    doc = SourceDoc(file=file, text=text, index=index)
    builder = NodeBuilder(doc, rules)
    try:
        doc.data = builder.build(node)
    except BuildStopped:
        return None, builder.diags
    except RecursionError:
        return None, builder.diags + [Diagnostic(file, 1, 1, ERROR, rules.unsupported, "$", "the document nests too deeply")]
    return doc, builder.diags


def _is_empty(node: yaml.Node) -> bool:
    """A document with no content (`---` alone, or an explicit null), which readers skip."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


def load_documents(raw: bytes | str, file: str, rules: ReadRules) -> tuple[list[SourceDoc], list[Diagnostic]]:
    """Every non-empty document of a multi-document stream.

    Documents before a syntax error are kept; the error itself becomes a diagnostic.
    """
    if isinstance(raw, bytes):
        text, diags = decode(raw, file, rules)
        if text is None:
            return [], diags
    else:
        text, diags = raw, []
    docs: list[SourceDoc] = []
    nodes = compose_nodes(text)
    index = 0
    while True:
        try:
            node = next(nodes)
        except StopIteration:
            break
        except PARSE_ERRORS as exc:
            diags.append(syntax_diagnostic(exc, file, rules))
            break
        if node is not None and not _is_empty(node):
            doc, problems = build_document(node, file, text, rules, index)
            diags += problems
            if doc is not None:
                docs.append(doc)
        index += 1
    return docs, diags
