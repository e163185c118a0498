"""Preview-diff of two specs: render both sides, compare objects, installs and summaries, flag risks."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Diagnostic, RenderRefused
from ..render.pipeline import render_stack
from ..render.result import Rendered
from ..spec.validate import validate_text
from .compute import SpecDiff, diff_installs, diff_kind_config, diff_objects, diff_summary
from .risks import assess
from .sources import Side


@dataclass
class Outcome:
    diff: SpecDiff | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "<side>: <why>" for a valid side that cannot be rendered


def _render(side: Side) -> tuple[Rendered | None, list[Diagnostic], str | None]:
    """(the render, the side's diagnostics when it is invalid, why its engine refused to render it)."""
    if side.raw is None:
        return None, [], None
    result = validate_text(side.raw, side.label)
    if not result.ok:
        return None, result.diagnostics, None
    try:
        return render_stack(result.stack), [], None
    except RenderRefused as exc:
        return None, [], f"{side.label}: {exc}"


def diff_renders(label: str, base: Rendered | None, head: Rendered | None) -> SpecDiff:
    diff = SpecDiff(label=label, base_engine=base.engine if base else None, head_engine=head.engine if head else None)
    diff.objects = diff_objects(base, head)
    diff.installs = diff_installs(base, head)
    diff.summary = diff_summary(base, head)
    diff.kind_config = diff_kind_config(base, head)
    diff.risks = assess(diff, base, head)
    return diff


def diff_sides(base: Side, head: Side) -> Outcome:
    """Render both sides; an invalid side yields its diagnostics instead of a diff, and a side its
    engine refuses to render (RenderRefused) the reason."""
    old, base_diags, base_refused = _render(base)
    new, head_diags, head_refused = _render(head)
    refused = [r for r in (base_refused, head_refused) if r]
    if base_diags or head_diags or refused:
        return Outcome(None, base_diags + head_diags, refused)
    label = head.label if head.raw is not None else base.label
    return Outcome(diff_renders(label, old, new))
