"""Values as Kubernetes hands them to CEL: property names escaped, numbers typed by the schema.

In Kubernetes, an object's property names that are CEL keywords or contain `.`, `-`, `/`
or `__` are escaped (`namespace` -> `__namespace__`, `a.b` -> `a__dot__b`); names that cannot
be escaped are not visible to rules. Keys of maps (additionalProperties) stay as they are.
A `type: number` field holding an integer is a double in CEL. At the root, `self.metadata`
exposes only name and generateName.
"""

from __future__ import annotations

import re
from typing import Any

_RESERVED = frozenset({
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
    "import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
})
_ESCAPABLE = re.compile(r"[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*")
_EXPAND = re.compile(r"__|[.\-/]")
_EXPANSIONS = {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}


def escape(name: str) -> str | None:
    """The CEL name of an object property, or None when rules cannot see it."""
    if name in _RESERVED:
        return f"__{name}__"
    if not _ESCAPABLE.fullmatch(name):
        return None
    return _EXPAND.sub(lambda m: _EXPANSIONS[m.group()], name)


def _is_number_type(schema: dict) -> bool:
    kind = schema.get("type")
    return kind == "number" or (isinstance(kind, list) and "number" in kind)


class CelValues:
    """Converts values for CEL; remembers which schema subtrees need no conversion at all."""

    def __init__(self):
        self._plain: dict[int, bool] = {}
        self._keep: list[dict] = []  # keeps the ids in _plain from being reused

    def plain(self, schema: Any) -> bool:
        """True when values under `schema` reach CEL unchanged."""
        if not isinstance(schema, dict):
            return True
        key = id(schema)
        found = self._plain.get(key)
        if found is None:
            found = self._compute_plain(schema)
            self._plain[key] = found
            self._keep.append(schema)
        return found

    def _compute_plain(self, schema: dict) -> bool:
        if _is_number_type(schema):
            return False
        props = schema.get("properties")
        if props:
            if any(escape(name) != name for name in props):
                return False
            if not all(self.plain(sub) for sub in props.values()):
                return False
            if not schema.get("x-kubernetes-preserve-unknown-fields") and schema.get("additionalProperties") is False:
                return True
            return False  # unknown keys would need escaping too
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict) and not self.plain(schema[key]):
                return False
        return True

    def convert(self, schema: Any, value: Any, root: bool = False) -> Any:
        if root and isinstance(value, dict):
            out = {}
            props = schema.get("properties", {}) if isinstance(schema, dict) else {}
            for key, item in value.items():
                if key == "metadata" and isinstance(item, dict):
                    out[key] = {k: item[k] for k in ("name", "generateName") if k in item}
                    continue
                name = escape(key)
                if name is not None:
                    out[name] = self.convert(props.get(key), item)
            return out
        if value is None or self.plain(schema):
            return value
        if isinstance(value, dict):
            props = schema.get("properties")
            if props is not None:
                out = {}
                for key, item in value.items():
                    name = escape(key)
                    if name is not None:
                        out[name] = self.convert(props.get(key), item)
                return out
            additional = schema.get("additionalProperties")
            sub = additional if isinstance(additional, dict) else None
            return {key: self.convert(sub, item) for key, item in value.items()}
        if isinstance(value, list):
            items = schema.get("items")
            return [self.convert(items, item) for item in value]
        if isinstance(value, int) and not isinstance(value, bool) and _is_number_type(schema):
            return float(value)
        return value
