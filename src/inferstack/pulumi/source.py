"""From a spec file to the Rendered stack the program builds: the same validate + render as `render`."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Diagnostic, UsageError, format_text
from ..render.result import Rendered


class SpecRejected(Exception):
    """The spec does not validate (for this engine); carries the diagnostics."""

    def __init__(self, spec: str, diagnostics: list[Diagnostic]):
        self.spec = spec
        self.diagnostics = diagnostics
        errors = sum(d.severity == "error" for d in diagnostics)
        super().__init__(f"{spec}: {errors} error(s):\n{format_text(diagnostics).rstrip()}")


@dataclass(frozen=True)
class Source:
    spec: str  # path of the spec file
    engine: str | None = None  # override of spec.engine
    infrastructure_only: bool = False  # the engine-independent layer alone


def load(source: Source) -> tuple[Rendered, list[Diagnostic]]:
    """Validate and render; returns the render and the warnings. Raises SpecRejected, RenderRefused,
    UsageError (unreadable file)."""
    from ..engines import ENGINE_NAMES
    from ..render.pipeline import render_stack
    from ..spec.validate import validate_file

    if source.engine and source.engine not in ENGINE_NAMES:
        raise UsageError(f"unknown engine {source.engine!r} (one of: {', '.join(ENGINE_NAMES)})")
    result = validate_file(source.spec, engine=source.engine)
    if not result.ok:
        raise SpecRejected(source.spec, result.diagnostics)
    rendered = render_stack(result.stack, infrastructure_only=source.infrastructure_only)
    return rendered, list(result.diagnostics)
