"""The `format` values the Kubernetes API server enforces, as plain predicates.

Unknown formats pass, as they do on the server. Each predicate accepts values of other
types (JSON Schema applies `format` only to the types it is about).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import uuid
from collections.abc import Callable

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

# apimachinery's Quantity grammar: signed decimal number, then a binary/decimal SI suffix or an exponent.
QUANTITY = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"

_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _in_range(bounds: tuple[int, int]) -> Callable[[object], bool]:
    low, high = bounds
    return lambda value: not _is_int(value) or low <= value <= high


def _byte(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _date_time(value: object) -> bool:
    return not isinstance(value, str) or _DATE_TIME.fullmatch(value) is not None


def _date(value: object) -> bool:
    return not isinstance(value, str) or _DATE.fullmatch(value) is not None


def _ip(version: int) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True
        try:
            return ipaddress.ip_address(value).version == version
        except ValueError:
            return False

    return check


def _cidr(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return "/" in value


def _uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _uri(value: object) -> bool:
    return not isinstance(value, str) or _URI_SCHEME.fullmatch(value) is not None


FORMATS: dict[str, Callable[[object], bool]] = {
    "int32": _in_range(INT32),
    "int64": _in_range(INT64),
    "byte": _byte,
    "date-time": _date_time,
    "date": _date,
    "ipv4": _ip(4),
    "ipv6": _ip(6),
    "cidr": _cidr,
    "uuid": _uuid,
    "uri": _uri,
}

FORMAT_DESCRIPTIONS = {
    "int32": "a 32-bit integer",
    "int64": "a 64-bit integer",
    "byte": "base64-encoded data",
    "date-time": "an RFC 3339 date-time",
    "date": "a date (YYYY-MM-DD)",
    "ipv4": "an IPv4 address",
    "ipv6": "an IPv6 address",
    "cidr": "a CIDR block",
    "uuid": "a UUID",
    "uri": "a URI with a scheme",
}


def conforms(value: object, fmt: str) -> bool:
    check = FORMATS.get(fmt)
    return check is None or check(value)


def format_checker():
    """The same predicates as a jsonschema FormatChecker (imported late: jsonschema is slow to import)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return checker
