"""Redaction: Secret payloads and anything that looks like a credential never reach diff output."""

from __future__ import annotations

import hashlib

from ..spec.semantic import SECRET_ENV_NAME, find_literal_secret


def fingerprint(value: object) -> str:
    return "<redacted sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:12] + ">"


def redact_value(value: object, path: str, kind: str) -> object:
    """The value as it may be shown at `path` of an object of `kind`."""
    if kind == "Secret" and (path.startswith("data") or path.startswith("stringData")):
        return fingerprint(value)
    if isinstance(value, str) and find_literal_secret(value):
        return fingerprint(value)
    return value


def redact_env(env_name: str | None, value: object) -> object:
    if env_name and SECRET_ENV_NAME.search(env_name) and isinstance(value, str):
        return fingerprint(value)
    return value
