"""The published result schema (schemas/bench-result.v1.schema.json) and its validator."""

from __future__ import annotations

import json
from functools import cache

from ..paths import data_dir

RESULT_SCHEMA = "bench-result.v1.schema.json"


@cache
def validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads((data_dir("schemas") / RESULT_SCHEMA).read_text(encoding="utf-8")))


def first_error(doc) -> str | None:
    """'/json/path: message' of the first schema violation, or None when the document is valid."""
    errors = sorted(validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return None
    where = "/".join(str(p) for p in errors[0].absolute_path)
    return f"/{where}: {errors[0].message}"
