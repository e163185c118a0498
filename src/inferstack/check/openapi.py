"""A CRD version's `openAPIV3Schema` (OpenAPI v3.0 + Kubernetes extensions) as strict JSON Schema 2020-12.

What the API server does, expressed for jsonschema:
- strict: an object node without `additionalProperties` and without
  `x-kubernetes-preserve-unknown-fields` accepts only its `properties` (the server prunes
  anything else, which strict field validation reports as unknown);
- `nullable: true` adds null to the type; `x-kubernetes-int-or-string` is integer or string;
- OpenAPI 3.0's boolean `exclusiveMinimum/Maximum` become the 2020-12 numeric form;
- the root's `metadata` is ObjectMeta (the CRD may only add name/generateName constraints),
  `apiVersion` and `kind` are strings; `x-kubernetes-embedded-resource` nodes get the same
  and require apiVersion, kind and metadata;
- patterns Python cannot compile are dropped (and counted), rather than failing validation.

Kept for the structural walk (jsonschema ignores them): `default`, `nullable`,
`x-kubernetes-validations`, `x-kubernetes-list-type`, `x-kubernetes-list-map-keys`,
`x-kubernetes-preserve-unknown-fields`, `x-kubernetes-int-or-string`, `x-kubernetes-embedded-resource`.
"""

from __future__ import annotations

import re
from typing import Any

# Value keywords copied as they are (after recursion where they hold schemas).
_COPIED = frozenset({
    "type", "enum", "format", "required", "minimum", "maximum", "minLength", "maxLength", "minItems",
    "maxItems", "uniqueItems", "minProperties", "maxProperties", "multipleOf", "default", "nullable",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource",
})
_RULE_FIELDS = ("rule", "message", "messageExpression", "fieldPath", "reason", "optionalOldSelf")


class Translation:
    """Translates one CRD version's schema; records what it had to leave out."""

    def __init__(self, object_meta_ref: str):
        self.object_meta_ref = object_meta_ref
        self.dropped_patterns: list[str] = []

    def root(self, schema: dict) -> dict:
        out = self.node(schema, structural=True)
        props = dict(out.get("properties", {}))
        props["apiVersion"] = {"type": "string"}
        props["kind"] = {"type": "string"}
        props["metadata"] = self._metadata(schema.get("properties", {}).get("metadata"))
        out["properties"] = props
        out.setdefault("type", "object")
        if "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out

    def _metadata(self, declared: Any) -> dict:
        """ObjectMeta, plus the constraints a CRD may put on metadata.name and generateName."""
        extra = {}
        if isinstance(declared, dict):
            for field in ("name", "generateName"):
                sub = declared.get("properties", {}).get(field)
                if isinstance(sub, dict):
                    extra[field] = self.node(sub, structural=False)
        meta = {"$ref": self.object_meta_ref}
        return {"allOf": [meta, {"properties": extra}]} if extra else meta

    def node(self, schema: Any, structural: bool) -> Any:
        """`structural` nodes describe the object's shape; value-validation branches (allOf/anyOf/
        oneOf/not) only constrain it, so they are never made strict."""
        if not isinstance(schema, dict):
            return schema
        out: dict[str, Any] = {k: v for k, v in schema.items() if k in _COPIED}
        if "pattern" in schema:
            try:
                re.compile(schema["pattern"])
                out["pattern"] = schema["pattern"]
            except re.error:
                self.dropped_patterns.append(schema["pattern"])
        if "properties" in schema:
            out["properties"] = {k: self.node(v, structural) for k, v in schema["properties"].items()}
        if "items" in schema:
            out["items"] = self.node(schema["items"], structural)
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            out["additionalProperties"] = self.node(additional, structural)
        elif isinstance(additional, bool):
            out["additionalProperties"] = additional
        for key in ("allOf", "anyOf", "oneOf"):
            if key in schema:
                out[key] = [self.node(s, structural=False) for s in schema[key]]
        if "not" in schema:
            out["not"] = self.node(schema["not"], structural=False)
        rules = schema.get("x-kubernetes-validations")
        if rules:
            out["x-kubernetes-validations"] = [{k: r[k] for k in _RULE_FIELDS if k in r} for r in rules]
        self._bounds(schema, out)
        if out.get("x-kubernetes-int-or-string"):
            out.pop("type", None)
            out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
        if schema.get("nullable"):
            self._nullable(out)
        if structural and out.get("x-kubernetes-embedded-resource"):
            self._embedded(out)
        if (structural and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")
                and ("properties" in out or out.get("type") == "object")):
            out["additionalProperties"] = False
        return out

    @staticmethod
    def _bounds(schema: dict, out: dict) -> None:
        for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = schema.get(exclusive)
            if isinstance(flag, bool):  # OpenAPI 3.0: a flag on minimum/maximum
                if flag and bound in out:
                    out[exclusive] = out.pop(bound)
            elif isinstance(flag, (int, float)):
                out[exclusive] = flag

    @staticmethod
    def _nullable(out: dict) -> None:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif "anyOf" in out:
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]

    def _embedded(self, out: dict) -> None:
        props = dict(out.get("properties", {}))
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props["metadata"] = {"$ref": self.object_meta_ref}
        out["properties"] = props
        out["required"] = sorted(set(out.get("required", [])) | {"apiVersion", "kind", "metadata"})
        out.setdefault("type", "object")


def translate_version(schema: dict, object_meta_ref: str) -> tuple[dict, list[str]]:
    """(JSON Schema, patterns dropped) for one CRD version's openAPIV3Schema."""
    translation = Translation(object_meta_ref)
    return translation.root(schema), translation.dropped_patterns
