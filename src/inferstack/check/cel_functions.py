"""The Kubernetes CEL library functions that the CEL runtime does not ship, written in Python.

Kubernetes adds cel-go's strings extension, its own list and regex libraries and the sets
extension to CEL. Only functions whose Kubernetes behaviour is fully specified by their inputs
are here; quantity, URL, IP/CIDR, semver and format() are not, and rules using them are skipped.
A function raising an exception makes the rule's evaluation fail, which the caller counts as
skipped, never as a violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any


def _need_str(*values: Any) -> None:
    for v in values:
        if not isinstance(v, str):
            raise TypeError(f"no such overload for {type(v).__name__}")


def _need_list(value: Any) -> None:
    if not isinstance(value, list):
        raise TypeError(f"no such overload for {type(value).__name__}")


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


# -- strings (cel-go ext.Strings) -----------------------------------------------------------

def char_at(s: str, i: int) -> str:
    _need_str(s)
    if not 0 <= i <= len(s):
        raise IndexError("index out of range")
    return s[i:i + 1]


def index_of(target: Any, item: Any, offset: int = 0) -> int:
    if isinstance(target, list):  # Kubernetes list library
        for i, x in enumerate(target):
            if x == item and type(x) is type(item):
                return i
        return -1
    _need_str(target, item)
    if not 0 <= offset <= len(target):
        raise IndexError("index out of range")
    return target.find(item, offset)


def last_index_of(target: Any, item: Any, offset: int | None = None) -> int:
    if isinstance(target, list):
        for i in range(len(target) - 1, -1, -1):
            if target[i] == item and type(target[i]) is type(item):
                return i
        return -1
    _need_str(target, item)
    if offset is None:
        return target.rfind(item)
    if not 0 <= offset < max(len(target), 1):
        raise IndexError("index out of range")
    return target.rfind(item, 0, offset + len(item))


def lower_ascii(s: str) -> str:
    _need_str(s)
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def upper_ascii(s: str) -> str:
    _need_str(s)
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in s)


def replace(s: str, old: str, new: str, limit: int = -1) -> str:
    _need_str(s, old, new)
    return s.replace(old, new, limit if limit >= 0 else -1)


def split(s: str, sep: str, limit: int = -1) -> list[str]:
    _need_str(s, sep)
    if limit == 0:
        return []
    if sep == "":
        parts = list(s)
        return parts if limit < 0 or limit >= len(parts) else parts[:limit - 1] + ["".join(parts[limit - 1:])]
    return s.split(sep) if limit < 0 else s.split(sep, limit - 1)


def substring(s: str, start: int, end: int | None = None) -> str:
    _need_str(s)
    end = len(s) if end is None else end
    if not 0 <= start <= end <= len(s):
        raise IndexError("substring out of range")
    return s[start:end]


def trim(s: str) -> str:
    _need_str(s)
    return s.strip()


def join(items: list, sep: str = "") -> str:
    _need_list(items)
    _need_str(sep, *items)
    return sep.join(items)


# -- Kubernetes list library ------------------------------------------------------------------

def is_sorted(items: list) -> bool:
    _need_list(items)
    return all(items[i] <= items[i + 1] for i in range(len(items) - 1))


def list_sum(items: list) -> Any:
    _need_list(items)
    return sum(items) if items else 0


def list_min(items: list) -> Any:
    _need_list(items)
    if not items:
        raise ValueError("min of an empty list")
    return min(items)


def list_max(items: list) -> Any:
    _need_list(items)
    if not items:
        raise ValueError("max of an empty list")
    return max(items)


# -- Kubernetes regex library -----------------------------------------------------------------

def find(s: str, pattern: str) -> str:
    _need_str(s, pattern)
    match = _regex(pattern).search(s)
    return match.group(0) if match else ""


def find_all(s: str, pattern: str, limit: int = -1) -> list[str]:
    _need_str(s, pattern)
    found = [m.group(0) for m in _regex(pattern).finditer(s)]
    return found if limit < 0 else found[:limit]


# -- sets extension ---------------------------------------------------------------------------

def _members(items: list) -> list:
    _need_list(items)
    return items


def sets_contains(a: list, b: list) -> bool:
    return all(x in _members(a) for x in _members(b))


def sets_equivalent(a: list, b: list) -> bool:
    return sets_contains(a, b) and sets_contains(b, a)


def sets_intersects(a: list, b: list) -> bool:
    return any(x in _members(a) for x in _members(b))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "charAt": char_at,
    "indexOf": index_of,
    "lastIndexOf": last_index_of,
    "lowerAscii": lower_ascii,
    "upperAscii": upper_ascii,
    "replace": replace,
    "split": split,
    "substring": substring,
    "trim": trim,
    "join": join,
    "isSorted": is_sorted,
    "sum": list_sum,
    "min": list_min,
    "max": list_max,
    "find": find,
    "findAll": find_all,
    "sets.contains": sets_contains,
    "sets.equivalent": sets_equivalent,
    "sets.intersects": sets_intersects,
}

# What the CEL runtime implements natively with the same meaning as in Kubernetes: operators
# (by their overload ids), the standard functions, and timestamp/duration accessors.
NATIVE = frozenset({
    "_+_", "_-_", "_*_", "_/_", "_%_", "-_", "!_", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_",
    "_&&_", "_||_", "_?_:_", "_[_]", "@in", "@not_strictly_false",
    "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double", "string", "bytes",
    "duration", "timestamp", "dyn", "type",
    "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours",
    "getMinutes", "getSeconds", "getMilliseconds",
})

# The runtime's static analysis names `sets.intersects(...)` by its last segment, `intersects`.
SUPPORTED = NATIVE | frozenset(name.rsplit(".", 1)[-1] for name in FUNCTIONS)
