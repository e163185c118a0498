"""Kubernetes name, label and annotation syntax (apimachinery's validation rules), as problem strings.

Each `*_problem` function returns why a value is invalid, or None when it is valid.
"""

from __future__ import annotations

import re

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")

LABEL_MAX = 63
SUBDOMAIN_MAX = 253
ANNOTATIONS_TOTAL_MAX = 256 * 1024  # bytes of all keys and values together


def label_key_problem(key: str) -> str | None:
    """Why `key` is not a valid Kubernetes label key (prefix/name), or None."""
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > SUBDOMAIN_MAX or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return f"label key prefix {prefix!r} is not a DNS subdomain"
    if not name or len(name) > LABEL_MAX or not LABEL_NAME.fullmatch(name):
        return f"label key {key!r} is not a valid label name (63 characters of alphanumerics, '-', '_', '.')"
    return None


def label_value_problem(value: str) -> str | None:
    if value == "":
        return None
    if len(value) > LABEL_MAX or not LABEL_NAME.fullmatch(value):
        return f"label value {value!r} is not valid (at most 63 characters of alphanumerics, '-', '_', '.')"
    return None


def annotation_key_problem(key: str) -> str | None:
    """Annotation keys are qualified names, like label keys (checked in lower case, as the API server does)."""
    problem = label_key_problem(key.lower())
    return problem.replace("label key", "annotation key") if problem else None


def dns_subdomain_problem(name: str) -> str | None:
    if len(name) > SUBDOMAIN_MAX:
        return f"{name[:40]!r}... is longer than {SUBDOMAIN_MAX} characters"
    if not DNS1123_SUBDOMAIN.fullmatch(name):
        return (f"{name!r} is not a DNS subdomain (lowercase letters, digits, '-' and '.', "
                "starting and ending with a letter or digit)")
    return None


def dns_label_problem(name: str) -> str | None:
    if len(name) > LABEL_MAX:
        return f"{name!r} is longer than {LABEL_MAX} characters"
    if not DNS1123_LABEL.fullmatch(name):
        return f"{name!r} is not a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit)"
    return None


def dns1035_label_problem(name: str) -> str | None:
    if len(name) > LABEL_MAX:
        return f"{name!r} is longer than {LABEL_MAX} characters"
    if not DNS1035_LABEL.fullmatch(name):
        return (f"{name!r} is not a DNS-1035 label (lowercase letters, digits and '-', starting with a letter "
                "and ending with a letter or digit)")
    return None


def path_segment_problem(name: str) -> str | None:
    """RBAC object names only need to be usable as one URL path segment."""
    if name in (".", ".."):
        return f"{name!r} cannot be used as a name"
    for bad in ("/", "%"):
        if bad in name:
            return f"{name!r} may not contain {bad!r}"
    return None
