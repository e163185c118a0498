"""Quoting spec values into YAML text so that no string can change the document's structure."""

from __future__ import annotations

import math
from typing import Any

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly `text`.

    Printable ASCII stays as is; everything else is escaped (\\uXXXX, \\UXXXXXXXX), so line
    separators, BOMs or surrogates in the input can never become line breaks or bad bytes.
    """
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def yaml_value(value: Any) -> str:
    """Any JSON-like value as one line of flow-style YAML (strings always double-quoted)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot render non-finite number {value!r}")
        return repr(value)
    if isinstance(value, str):
        return yaml_string(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_string(str(k))}: {yaml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    raise TypeError(f"cannot render {type(value).__name__} into YAML")
