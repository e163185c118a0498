"""The API server's work on a custom resource beyond JSON Schema, in one walk over object and schema.

Bottom-up, for every value the schema describes:
1. prune nulls from fields that are not nullable and have no default (the server drops them),
   then fill absent fields that have a `default` (defaults of defaults too);
2. check `x-kubernetes-list-type: map` key uniqueness and `set` item uniqueness;
3. queue the node's `x-kubernetes-validations` with `self` = the (defaulted) value.
`run` returns the defaulted copy, which is what the schema is then validated against: a required
field with a default is not missing. The input object is never modified. The queued rules run
in `finish`, after schema validation: like the API server, a schema error that blocks CEL (a
wrong type, a missing required field, ...) skips them all, so one mistake is not reported twice.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from .cel_rules import BLOCKED, EVALUATION_ERROR, CelCompiler, CelCounts, message_of
from .cel_values import CelValues

Emit = Callable[[tuple, str, str, "str | None"], None]  # (path, rule id, message, hint)

_FIELD_PATH = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*(\d+)\s*\]")


def field_path_parts(field_path: str) -> tuple | None:
    """`.spec.ports['http'][0]` -> ('spec', 'ports', 'http', 0); None when it is not in that form."""
    parts: list = []
    pos = 0
    while pos < len(field_path):
        m = _FIELD_PATH.match(field_path, pos)
        if m is None:
            return None
        name, key, index = m.groups()
        parts.append(name if name is not None else key if key is not None else int(index))
        pos = m.end()
    return tuple(parts)


def _identity(value: Any) -> Any:
    """A hashable form that keeps JSON types apart (True is not 1)."""
    if isinstance(value, (dict, list)):
        return ("json", json.dumps(value, sort_keys=True))
    return (type(value).__name__ if not isinstance(value, (int, float)) or isinstance(value, bool) else "number", value)


def _nullable(schema: dict) -> bool:
    return bool(schema.get("nullable"))


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


class ActiveSubtrees:
    """Which schema subtrees hold anything for the walk (defaults, rules, map/set lists), by node id."""

    def __init__(self):
        self._active: dict[int, bool] = {}
        self._keep: list[dict] = []  # keeps the ids in _active from being reused

    def __call__(self, schema: dict) -> bool:
        found = self._active.get(id(schema))
        if found is None:
            self._active[id(schema)] = True  # provisional, for recursive schemas
            found = self._compute(schema)
            self._active[id(schema)] = found
            self._keep.append(schema)
        return found

    def _compute(self, schema: dict) -> bool:
        if ("default" in schema or schema.get("x-kubernetes-validations")
                or schema.get("x-kubernetes-list-type") in ("map", "set")):
            return True
        children = list((schema.get("properties") or {}).values())
        children += [schema[k] for k in ("items", "additionalProperties") if isinstance(schema.get(k), dict)]
        return any(self(child) for child in children)


class StructuralWalk:
    def __init__(self, compiler: CelCompiler, values: CelValues, active: ActiveSubtrees, counts: CelCounts,
                 emit: Emit):
        self._compiler = compiler
        self._active = active
        self._values = values
        self._counts = counts
        self._emit = emit
        self._pending: list[tuple[dict, Any, tuple, list[dict]]] = []

    def run(self, schema: dict, obj: dict) -> dict:
        return self._visit(schema, obj, ())

    def finish(self, blocked: bool) -> None:
        """Evaluate the queued CEL rules, or count them as blocked by schema errors."""
        for schema, value, path, rules in self._pending:
            if blocked:
                self._counts.skipped[BLOCKED] += len(rules)
            else:
                self._rules(schema, value, path, rules)
        self._pending = []

    def _visit(self, schema: Any, value: Any, path: tuple) -> Any:
        if not isinstance(schema, dict) or value is None:
            return value
        if not self._active(schema) and not _has_null(value):
            return value  # nothing to default, prune, check or evaluate below here
        if isinstance(value, dict):
            value = self._object(schema, value, path)
        elif isinstance(value, list):
            value = self._list(schema, value, path)
        rules = schema.get("x-kubernetes-validations")
        if rules:
            self._pending.append((schema, value, path, rules))
        return value

    def _object(self, schema: dict, value: dict, path: tuple) -> dict:
        props = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        additional = additional if isinstance(additional, dict) else None
        if not props and additional is None:
            return value  # free-form (preserve-unknown-fields) or ObjectMeta: nothing to walk
        out = {}
        changed = False
        for key, item in value.items():
            sub = props.get(key, additional)
            if sub is None:
                out[key] = item  # unknown: the schema reports it
                continue
            if item is None and not _nullable(sub):
                changed = True
                if "default" in sub:
                    out[key] = self._visit(sub, copy.deepcopy(sub["default"]), path + (key,))
                continue  # pruned, as the server does
            new = out[key] = self._visit(sub, item, path + (key,))
            changed = changed or new is not item
        for key, sub in props.items():
            if key not in value and isinstance(sub, dict) and "default" in sub:
                out[key] = self._visit(sub, copy.deepcopy(sub["default"]), path + (key,))
                changed = True
        return out if changed else value

    def _list(self, schema: dict, value: list, path: tuple) -> list:
        items = schema.get("items")
        out = value
        if isinstance(items, dict):
            visited = [self._visit(items, item, path + (i,)) for i, item in enumerate(value)]
            if any(new is not old for new, old in zip(visited, value, strict=True)):
                out = visited
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "map":
            self._unique_map_keys(schema.get("x-kubernetes-list-map-keys") or [], out, path)
        elif list_type == "set":
            self._unique_items(out, path)
        return out

    def _unique_map_keys(self, keys: list[str], items: list, path: tuple) -> None:
        seen: dict[tuple, int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            ident = tuple(_identity(item.get(k)) for k in keys)
            if ident in seen:
                shown = ", ".join(f"{k}={item.get(k)!r}" for k in keys)
                self._emit(path + (i,), "CHK006", f"duplicate entry for key {shown} (also at index {seen[ident]})",
                           "x-kubernetes-list-type: map needs unique keys")
            else:
                seen[ident] = i

    def _unique_items(self, items: list, path: tuple) -> None:
        seen: dict[tuple, int] = {}
        for i, item in enumerate(items):
            ident = _identity(item)
            if ident in seen:
                self._emit(path + (i,), "CHK006", f"duplicate value {json.dumps(item)} (also at index {seen[ident]})",
                           "x-kubernetes-list-type: set needs unique items")
            else:
                seen[ident] = i

    def _rules(self, schema: dict, value: Any, path: tuple, rules: list[dict]) -> None:
        bound = False
        for rule in rules:
            compiled = self._compiler.compile(rule["rule"])
            if compiled.skip_reason:
                self._counts.skipped[compiled.skip_reason] += 1
                continue
            try:
                if not bound:
                    self._compiler.bind(self._values.convert(schema, value, root=not path))
                    bound = True
                result = self._compiler.run(compiled)
            except Exception:  # noqa: BLE001 - any runtime failure is a skip, never a finding
                result = None
            if not isinstance(result, bool):
                self._counts.skipped[EVALUATION_ERROR] += 1
                continue
            self._counts.evaluated += 1
            if result:
                continue
            where = path
            if rule.get("fieldPath"):
                extra = field_path_parts(rule["fieldPath"])
                where = path + extra if extra is not None else path
            text = rule["rule"] if len(rule["rule"]) <= 160 else rule["rule"][:157] + "..."
            self._emit(where, "CHK007", message_of(rule, self._compiler), f"rule: {text}")
