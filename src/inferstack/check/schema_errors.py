"""jsonschema errors as findings: (path, rule id, message, hint), one per problem, at the field.

An unknown field is reported at the field itself (not its parent), a missing one at the path it
should have, and anyOf/oneOf failures at the branch that explains them (for `integer or string`
that is a type error, for a Quantity the grammar).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import Any

from .formats import FORMAT_DESCRIPTIONS, QUANTITY
from .validators import OBJECTMETA_KEYWORD

Finding = tuple[tuple, str, str, "str | None"]

_TYPE_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}


def _type_name(value: Any) -> str:
    return "null" if value is None else _TYPE_NAMES.get(type(value), type(value).__name__)


def short(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(types: Any) -> str:
    names = [types] if isinstance(types, str) else [t for t in types if t != "null"] or list(types)
    return " or ".join(names)


def did_you_mean(word: str, choices) -> str | None:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _branch_types(error) -> list[str]:
    out: list[str] = []
    for sub in error.context:
        if sub.validator == "type" and not sub.relative_path:
            types = sub.validator_value
            out += [types] if isinstance(types, str) else [t for t in types if t != "null"]
    return list(dict.fromkeys(out))


def _alternatives(error) -> Iterator[Finding]:
    """anyOf/oneOf: a type mismatch against every branch is one wrong-type finding; otherwise the
    branch that accepts the value's type explains the problem."""
    path = tuple(error.absolute_path)
    shallow = [e for e in error.context if not e.relative_path]
    if shallow and all(e.validator == "type" for e in shallow) and len(shallow) == len(error.context):
        yield (path, "CHK004", f"expected {' or '.join(_branch_types(error))}, got {_type_name(error.instance)} "
               f"{short(error.instance)}", None)
        return
    if shallow and all(e.validator == "required" for e in error.context):
        names = [n for e in error.context for n in e.validator_value if n not in (error.instance or {})]
        yield (path, "CHK005", f"needs one of the fields: {', '.join(dict.fromkeys(names))}", None)
        return
    relevant = [e for e in error.context if e.validator != "type"]
    if not relevant:
        yield (path, "CHK004", f"{short(error.instance)} is not valid here: {error.message}", None)
        return
    from jsonschema.exceptions import best_match

    yield from findings(best_match(relevant))


# Schema failures after which the API server does not evaluate CEL rules (its "blocking" errors:
# TypeInvalid, Required, NotSupported, TooLong, TooMany).
_BLOCKING = frozenset({"type", "required", "enum", "const", "maxLength", "maxItems", "maxProperties"})


def is_blocking(error) -> bool:
    if error.validator in ("anyOf", "oneOf"):
        return bool(error.context) and all(e.validator == "type" for e in error.context)
    return error.validator in _BLOCKING


def findings(error) -> Iterator[Finding]:
    v = error.validator
    path = tuple(error.absolute_path)
    inst = error.instance
    if v in ("anyOf", "oneOf") and error.context:
        yield from _alternatives(error)
    elif v == "additionalProperties" and isinstance(inst, dict):
        known = list(error.schema.get("properties", {}))
        for key in sorted(k for k in inst if k not in error.schema.get("properties", {})):
            hint = did_you_mean(key, known)
            if hint is None and known:
                hint = f"known fields: {', '.join(sorted(known)[:12])}" + (", ..." if len(known) > 12 else "")
            yield (path + (key,), "CHK003", f"unknown field {key!r}", hint)
    elif v == "required" and isinstance(inst, dict):
        for name in error.validator_value:
            if name not in inst:
                yield (path + (name,), "CHK005", f"missing required field {name!r}", None)
    elif v == "type":
        hint = None
        if "string" in (error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]):
            if isinstance(inst, bool):
                hint = "quote it: YAML reads yes/no/on/off/true/false as booleans"
            elif isinstance(inst, (int, float)):
                hint = f'quote it: "{inst}"'
        yield (path, "CHK004", f"expected {_expected(error.validator_value)}, got {_type_name(inst)} {short(inst)}", hint)
    elif v in ("enum", "const"):
        choices = error.validator_value if v == "enum" else [error.validator_value]
        shown = ", ".join(str(c) for c in choices[:20]) + (", ..." if len(choices) > 20 else "")
        hint = did_you_mean(inst, choices) if isinstance(inst, str) else None
        yield (path, "CHK006", f"{short(inst)} is not one of: {shown}", hint)
    elif v == OBJECTMETA_KEYWORD:
        yield (path, "CHK008", error.message, None)
    else:
        yield (path, "CHK006", _constraint_message(error), None)


def collapse(found: list[Finding]) -> list[Finding]:
    """A value of the wrong type also fails its enum/pattern/range: report the type alone."""
    mistyped = {path for path, rule, _, _ in found if rule == "CHK004"}
    return [f for f in found if not (f[1] == "CHK006" and f[0] in mistyped)]


def _constraint_message(error) -> str:
    v, limit, inst = error.validator, error.validator_value, error.instance
    if v == "pattern":
        if limit == QUANTITY:
            return f"{short(inst)} is not a quantity (like 500m, 2Gi, 1.5)"
        return f"{short(inst)} does not match the pattern {limit}"
    if v == "format":
        return f"{short(inst)} is not {FORMAT_DESCRIPTIONS.get(limit, limit)}"
    messages = {
        "minimum": f"{short(inst)} is less than the minimum {limit}",
        "maximum": f"{short(inst)} is more than the maximum {limit}",
        "exclusiveMinimum": f"{short(inst)} must be greater than {limit}",
        "exclusiveMaximum": f"{short(inst)} must be less than {limit}",
        "minLength": f"{short(inst)} is shorter than {limit} characters",
        "maxLength": f"{short(inst)} is longer than {limit} characters",
        "minItems": f"needs at least {limit} item(s)",
        "maxItems": f"has more than {limit} items",
        "minProperties": f"needs at least {limit} entries",
        "maxProperties": f"has more than {limit} entries",
        "uniqueItems": "items must be unique",
        "multipleOf": f"{short(inst)} is not a multiple of {limit}",
        "not": f"{short(inst)} is not allowed here",
    }
    return messages.get(v, error.message)
