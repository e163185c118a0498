"""Diagnostics: one finding with a position, a rule id and a JSON path, and its output formats."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    column: int
    severity: str
    rule: str
    path: str
    message: str
    hint: str | None = field(default=None, compare=False)

    def text(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.file}:{self.line}:{self.column}: {self.severity}[{self.rule}] {self.path}: {self.message}{hint}"


class UsageError(Exception):
    """Bad command-line usage or an unreadable input: exit code 2."""


class RenderRefused(Exception):
    """A valid spec that this build cannot render faithfully (exit code 1, nothing written)."""


def json_path(parts: Iterable[object]) -> str:
    """Render a path tuple as `$.spec.models[0].name`; odd keys are bracket-quoted."""
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif isinstance(p, str) and p.isidentifier():
            out += f".{p}"
        else:
            out += "[" + json.dumps(str(p)) + "]"
    return out


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diags), key=lambda d: (d.file, d.line, d.column, d.rule, d.path, d.message))


def has_errors(diags: Iterable[Diagnostic], strict: bool = False) -> bool:
    return any(d.severity == ERROR or (strict and d.severity == WARNING) for d in diags)


def format_text(diags: list[Diagnostic]) -> str:
    return "".join(d.text() + "\n" for d in diags)


def format_json(diags: list[Diagnostic]) -> str:
    return json.dumps([asdict(d) for d in diags], indent=2) + "\n"


def _gh_escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(s: str) -> str:
    return _gh_escape_data(s).replace(":", "%3A").replace(",", "%2C")


def format_github(diags: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""
    lines = []
    for d in diags:
        level = "error" if d.severity == ERROR else "warning"
        props = ",".join(
            [
                f"file={_gh_escape_prop(d.file)}",
                f"line={d.line}",
                f"col={d.column}",
                f"title={_gh_escape_prop(d.rule)}",
            ]
        )
        hint = f" ({d.hint})" if d.hint else ""
        lines.append(f"::{level} {props}::{_gh_escape_data(f'{d.path}: {d.message}{hint}')}\n")
    return "".join(lines)


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}
