"""Where the data folders (schemas, templates) live: inside the wheel, or at the checkout root."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """`schemas`, `templates`: bundled under inferstack/_data in a wheel, top-level in a checkout."""
    bundled = _PKG / "_data" / name
    if bundled.is_dir():
        return bundled
    checkout = _PKG.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"inferstack data folder {name!r} not found (looked in {bundled} and {checkout})")


SPEC_SCHEMA_FILE = "inferencestack.v1alpha1.schema.json"


def spec_schema_path() -> Path:
    return data_dir("schemas") / SPEC_SCHEMA_FILE
