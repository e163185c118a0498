"""Quoting spec values into YAML text so that no string can change the document's structure."""

from __future__ import annotations

import math
import re
from typing import Any

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}
_VERBATIM = re.compile(r'[ !#-\[\]-~]*')  # printable ASCII except " and \\: written as is
_ESCAPED = re.compile(r'[^ !#-\[\]-~]')  # everything else


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly `text`.

    Printable ASCII stays as is; everything else is escaped (\\uXXXX, \\UXXXXXXXX), so line
    separators, BOMs or surrogates in the input can never become line breaks or bad bytes.
    """
    if _VERBATIM.fullmatch(text):
        return f'"{text}"'
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def _escape(match: re.Match) -> str:
    ch = match.group()
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def yaml_value(value: Any) -> str:
    """Any JSON-like value as one line of flow-style YAML (strings always double-quoted)."""
    if isinstance(value, str):
        return yaml_string(value)
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
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_string(str(k))}: {yaml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    raise TypeError(f"cannot render {type(value).__name__} into YAML")
