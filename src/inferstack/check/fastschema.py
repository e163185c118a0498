"""JSON Schema (draft 2020-12 subset) compiled into Python closures that only answer "valid or not".

jsonschema spends most of its time in per-node bookkeeping (descend/evolve, reference
resolution); a valid Deployment costs it ~0.6 ms. The closures here answer the same question
in a fraction of that, so valid objects — nearly all of them — never reach jsonschema; an
invalid one is validated again by jsonschema to explain every error. The two must agree,
which tests/check/test_fastschema.py checks on mutated objects. Semantics follow jsonschema's:
keywords apply only to instances of their type, booleans are not numbers, enum equality
keeps True != 1, `pattern` is `re.search`. A schema using a jsonschema keyword not handled
here raises NotCompilable; the caller then uses jsonschema alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]


class NotCompilable(Exception):
    """The schema uses a keyword this compiler does not implement."""


# Keywords jsonschema's Draft202012Validator implements that are not compiled here.
_UNHANDLED = frozenset({
    "$dynamicRef", "contains", "dependentRequired", "dependentSchemas", "if", "then", "else",
    "maxContains", "minContains", "prefixItems", "propertyNames", "unevaluatedItems",
    "unevaluatedProperties",
})


def _always(_value: Any) -> bool:
    return True


def _never(_value: Any) -> bool:
    return False


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_integer(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


_TYPE_TESTS: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}
_PLAIN_TYPES = {"object": dict, "array": list, "string": str, "null": type(None)}


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: True is not 1, 1 equals 1.0, containers compare deeply."""
    if a is b:
        return True
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _all_unique(items: list) -> bool:
    return all(not json_equal(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items)))


def _type_check(types: Any) -> Check:
    names = [types] if isinstance(types, str) else list(types)
    if all(n in _PLAIN_TYPES for n in names):
        pytypes = tuple(_PLAIN_TYPES[n] for n in names)
        return lambda v: isinstance(v, pytypes)
    tests = [_TYPE_TESTS[n] for n in names if n in _TYPE_TESTS]
    return lambda v: any(t(v) for t in tests)


def _multiple_of(divisor: float) -> Check:
    def check(v: Any) -> bool:
        if not _is_number(v):
            return True
        if isinstance(divisor, float):
            quotient = v / divisor
            try:
                return int(quotient) == quotient
            except OverflowError:
                return False
        return not (v % divisor)

    return check


class SchemaCompiler:
    """Compiles schemas that may `$ref` into registered documents; compiled references are shared."""

    def __init__(self, documents: Mapping[str, dict], formats: Mapping[str, Check],
                 keywords: Mapping[str, Check] | None = None):
        self._documents = documents  # base URI -> document
        self._formats = formats
        self._keywords = dict(keywords or {})  # custom keyword -> predicate on the instance
        self._refs: dict[str, Check] = {}

    def compile(self, schema: Any, base: str = "") -> Check:
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise NotCompilable(f"schema is a {type(schema).__name__}")
        checks: list[Check] = []
        for key in schema:
            if key in _UNHANDLED:
                raise NotCompilable(key)
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"], base))
        if "type" in schema:
            checks.append(_type_check(schema["type"]))
        if "enum" in schema:
            choices = list(schema["enum"])
            if choices and all(isinstance(c, str) for c in choices):
                names = frozenset(choices)
                checks.append(lambda v: isinstance(v, str) and v in names)
            else:
                checks.append(lambda v: any(json_equal(v, c) for c in choices))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda v: json_equal(v, const))
        checks += self._object_checks(schema, base)
        checks += self._array_checks(schema, base)
        checks += self._string_checks(schema)
        checks += self._number_checks(schema)
        for key in ("allOf", "anyOf", "oneOf"):
            if key in schema:
                branches = [self.compile(s, base) for s in schema[key]]
                checks.append(_combine(key, branches))
        if "not" in schema:
            inner = self.compile(schema["not"], base)
            checks.append(lambda v: not inner(v))
        if "format" in schema and schema["format"] in self._formats:
            checks.append(self._formats[schema["format"]])
        for key, predicate in self._keywords.items():
            if schema.get(key):
                checks.append(predicate)
        return _conjunction(checks)

    def lazy(self, schema: Any, base: str) -> Check:
        """A check compiled on its first call: objects reach a small part of a large CRD schema."""
        if schema is True or schema == {}:
            return _always
        compiled: list[Check] = []

        def check(value: Any) -> bool:
            if not compiled:
                compiled.append(self.compile(schema, base))
            return compiled[0](value)

        return check

    def _object_checks(self, schema: dict, base: str) -> list[Check]:
        props = {k: self.lazy(s, base) for k, s in schema.get("properties", {}).items()}
        patterns = [(re.compile(p), self.compile(s, base)) for p, s in schema.get("patternProperties", {}).items()]
        additional = schema.get("additionalProperties", True)
        extra: Check | None = None if additional is True else self.lazy(additional, base)
        required = tuple(schema.get("required", ()))
        out: list[Check] = []
        if props or patterns or extra is not None:
            def members(v: Any) -> bool:
                if not isinstance(v, dict):
                    return True
                for k, item in v.items():
                    check = props.get(k)
                    if check is not None:
                        if not check(item):
                            return False
                        continue
                    matched = False
                    for pattern, pcheck in patterns:
                        if pattern.search(k):
                            matched = True
                            if not pcheck(item):
                                return False
                    if not matched and extra is not None and not extra(item):
                        return False
                return True

            if patterns:
                # a key in `properties` can also match a pattern; keep jsonschema's "every keyword applies"
                def with_patterns(v: Any) -> bool:
                    if not members(v):
                        return False
                    if not isinstance(v, dict):
                        return True
                    return all(pcheck(item) for k, item in v.items() if k in props
                               for pattern, pcheck in patterns if pattern.search(k))

                out.append(with_patterns)
            else:
                out.append(members)
        if required:
            out.append(lambda v: not isinstance(v, dict) or all(r in v for r in required))
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        if low is not None:
            out.append(lambda v: not isinstance(v, dict) or len(v) >= low)
        if high is not None:
            out.append(lambda v: not isinstance(v, dict) or len(v) <= high)
        return out

    def _array_checks(self, schema: dict, base: str) -> list[Check]:
        out: list[Check] = []
        if "items" in schema:
            item = self.lazy(schema["items"], base)
            if item is not _always:
                out.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None:
            out.append(lambda v: not isinstance(v, list) or len(v) >= low)
        if high is not None:
            out.append(lambda v: not isinstance(v, list) or len(v) <= high)
        if schema.get("uniqueItems"):
            out.append(lambda v: not isinstance(v, list) or _all_unique(v))
        return out

    @staticmethod
    def _string_checks(schema: dict) -> list[Check]:
        out: list[Check] = []
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search
            out.append(lambda v: not isinstance(v, str) or search(v) is not None)
        low, high = schema.get("minLength"), schema.get("maxLength")
        if low is not None:
            out.append(lambda v: not isinstance(v, str) or len(v) >= low)
        if high is not None:
            out.append(lambda v: not isinstance(v, str) or len(v) <= high)
        return out

    @staticmethod
    def _number_checks(schema: dict) -> list[Check]:
        out: list[Check] = []
        for key, ok in (("minimum", lambda v, b: v >= b), ("maximum", lambda v, b: v <= b),
                        ("exclusiveMinimum", lambda v, b: v > b), ("exclusiveMaximum", lambda v, b: v < b)):
            bound = schema.get(key)
            if _is_number(bound):
                out.append(lambda v, b=bound, ok=ok: not _is_number(v) or ok(v, b))
        if "multipleOf" in schema:
            out.append(_multiple_of(schema["multipleOf"]))
        return out

    def _ref(self, ref: str, base: str) -> Check:
        uri, _, fragment = ref.partition("#")
        uri = uri or base
        key = f"{uri}#{fragment}"
        if key in self._refs:
            return self._refs[key]
        compiled: list[Check] = []
        self._refs[key] = lambda v: compiled[0](v)  # a trampoline for recursive schemas
        target = self._documents.get(uri)
        if target is None:
            raise NotCompilable(f"unknown reference {ref!r}")
        for part in (p for p in fragment.split("/") if p):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        compiled.append(self.compile(target, uri))
        self._refs[key] = compiled[0]
        return compiled[0]


def _combine(key: str, branches: list[Check]) -> Check:
    if key == "allOf":
        return lambda v: all(b(v) for b in branches)
    if key == "anyOf":
        return lambda v: any(b(v) for b in branches)
    return lambda v: sum(1 for b in branches if b(v)) == 1


def _conjunction(checks: list[Check]) -> Check:
    checks = [c for c in checks if c is not _always]
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def every(v: Any) -> bool:
        for c in checks:
            if not c(v):
                return False
        return True

    return every
