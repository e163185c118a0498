"""The spec's JSON Schema: compiled once, errors turned into one clear diagnostic per location."""

from __future__ import annotations

import copy
import difflib
import json
from functools import cache
from typing import Any

from ..errors import Diagnostic
from ..paths import spec_schema_path
from .loader import SourceDoc


@cache
def spec_schema() -> dict:
    return json.loads(spec_schema_path().read_text(encoding="utf-8"))


@cache
def _validator():
    from jsonschema import Draft202012Validator  # deferred: ~0.1 s to import

    return Draft202012Validator(spec_schema())


@cache
def _fast_check():
    """The schema compiled into closures that only answer "valid or not" (`check.fastschema`): a
    valid spec — the common case in pre-commit and CI — never imports jsonschema; an invalid one is
    validated again by jsonschema, which explains every error. None when the schema cannot be compiled."""
    from ..check.fastschema import NotCompilable, SchemaCompiler

    try:
        return SchemaCompiler({"": spec_schema()}, formats={}).compile(spec_schema())
    except NotCompilable:
        return None


def is_valid_fast(data: Any) -> bool:
    """True when the compiled check accepts `data`; False when it rejects it or cannot answer."""
    from ..check.fastschema import NotCompilable

    check = _fast_check()
    if check is None:
        return False
    try:
        return check(data)
    except (NotCompilable, RecursionError):  # subschemas compile on first use
        return False


def _resolve(node: dict) -> dict:
    """Follow a local `$ref` (the spec schema only uses `#/$defs/...`)."""
    root = spec_schema()
    while isinstance(node, dict) and "$ref" in node:
        target = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        merged = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **merged}
    return node


def _schema_at(path: tuple) -> dict | None:
    """The (resolved) schema that describes the instance at `path`, for hints."""
    node = _resolve(spec_schema())
    for part in path:
        node = _object_branch(node)
        if isinstance(part, int):
            node = _resolve(node.get("items", {}))
        else:
            props = node.get("properties", {})
            if part in props:
                node = _resolve(props[part])
            elif isinstance(node.get("additionalProperties"), dict):
                node = _resolve(node["additionalProperties"])
            else:
                return None
    return _object_branch(node)


def _object_branch(node: dict) -> dict:
    for branch in node.get("anyOf", []):
        branch = _resolve(branch)
        if branch.get("type") in ("object", "array") or "properties" in branch:
            return branch
    return node


def _did_you_mean(word: str, choices) -> str | None:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}.get(
        type(value), type(value).__name__
    )


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _leaf(error):
    """Collapse anyOf/oneOf into the branch that explains the problem best."""
    from jsonschema.exceptions import best_match

    while error.validator in ("anyOf", "oneOf") and error.context:
        # prefer the branch whose type matches the instance (a typo inside an object beats "not null")
        same_type = [e for e in error.context if e.validator != "type"]
        error = best_match(same_type or error.context)
    return error


def _diagnostic(doc: SourceDoc, error) -> Diagnostic:
    error = _leaf(error)
    path = tuple(error.absolute_path)
    v = error.validator
    inst = error.instance
    if v in ("additionalProperties", "unevaluatedProperties"):
        known = list(error.schema.get("properties", {}))
        extras = [k for k in inst if k not in error.schema.get("properties", {})] if isinstance(inst, dict) else []
        key = extras[0] if extras else "?"
        hint = _did_you_mean(key, known) or (f"known fields: {', '.join(known)}" if known else None)
        return doc.diag(path + (key,), "INF101", f"unknown field {key!r}", hint)
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
        return doc.diag(path, "INF103", f"missing required field {missing!r}")
    if v == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        hint = None
        if expected == "string" and isinstance(inst, (int, float, bool)):
            hint = f'quote it: "{inst}"' if not isinstance(inst, bool) else 'quote it (YAML reads yes/no/on/off/true/false as booleans)'
        return doc.diag(path, "INF102", f"expected {expected}, got {_type_name(inst)} {_short(inst)}", hint)
    if v in ("enum", "const"):
        choices = error.validator_value if v == "enum" else [error.validator_value]
        hint = _did_you_mean(inst, choices) if isinstance(inst, str) else None
        return doc.diag(path, "INF104", f"{_short(inst)} is not one of: {', '.join(map(str, choices))}", hint)
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
             "minItems", "maxItems", "uniqueItems", "pattern", "format", "minProperties", "maxProperties"):
        return doc.diag(path, "INF105", _bound_message(error), _bound_hint(error, path))
    return doc.diag(path, "INF105", error.message)


def _bound_message(error) -> str:
    v, lim, inst = error.validator, error.validator_value, error.instance
    return {
        "minimum": lambda: f"{_short(inst)} is less than the minimum {lim}",
        "maximum": lambda: f"{_short(inst)} is more than the maximum {lim}",
        "exclusiveMinimum": lambda: f"{_short(inst)} must be greater than {lim}",
        "exclusiveMaximum": lambda: f"{_short(inst)} must be less than {lim}",
        "minLength": lambda: f"{_short(inst)} is shorter than {lim} characters",
        "maxLength": lambda: f"{_short(inst)} is longer than {lim} characters",
        "minItems": lambda: f"needs at least {lim} item(s)",
        "maxItems": lambda: f"has more than {lim} items",
        "uniqueItems": lambda: "items must be unique",
        "pattern": lambda: f"{_short(inst)} does not have the required form",
    }.get(v, lambda: error.message)()


_PATTERN_HINTS = {
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$": "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
}


def _bound_hint(error, path: tuple) -> str | None:
    if error.validator != "pattern":
        return None
    if error.validator_value in _PATTERN_HINTS:
        return _PATTERN_HINTS[error.validator_value]
    schema = _schema_at(path) or {}
    return schema.get("description")


def schema_diagnostics(doc: SourceDoc) -> list[Diagnostic]:
    """All schema problems, one per location, with anyOf noise collapsed."""
    if is_valid_fast(doc.data):
        return []
    by_path: dict[tuple, Diagnostic] = {}
    for error in _validator().iter_errors(doc.data):
        d = _diagnostic(doc, error)
        key = (d.path, d.rule, d.message)
        by_path.setdefault(key, d)
    return list(by_path.values())


def apply_defaults(data: Any, schema: dict | None = None) -> Any:
    """A copy of a schema-valid document with every `default` of the schema filled in."""
    return _fill(copy.deepcopy(data), _resolve(schema or spec_schema()))


def _fill(value: Any, schema: dict) -> Any:
    schema = _resolve(schema)
    if isinstance(value, dict):
        branch = _object_branch(schema) if "anyOf" in schema else schema
        props = branch.get("properties", {})
        for key, sub in props.items():
            sub = _resolve(sub)
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                value[key] = _fill(value[key], sub)
        extra = branch.get("additionalProperties")
        if isinstance(extra, dict):
            for key in value:
                if key not in props:
                    value[key] = _fill(value[key], extra)
    elif isinstance(value, list):
        branch = _object_branch(schema) if "anyOf" in schema else schema
        items = branch.get("items")
        if isinstance(items, dict):
            return [_fill(v, items) for v in value]
    return value
