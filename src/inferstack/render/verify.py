"""Check a render before it is written: every manifest through `inferstack check` (built-in schemas,
pinned CRDs, CEL) and the mandatory policies. Without the pinned CRDs the schema check cannot run;
the caller decides what that means. The policies need nothing but the objects."""

from __future__ import annotations

from ..check.report import CheckReport
from ..errors import Diagnostic, UsageError
from .result import Rendered
from .writer import render_files


def check_rendered(rendered: Rendered, crd_dir: str | None = None, prefix: str = "<rendered>") -> CheckReport:
    """Raises UsageError when the pinned CRDs are not available."""
    from ..check.checker import get_checker

    return get_checker(rendered.stack.kubernetes_version, crd_dir).check_texts(manifest_texts(rendered, prefix))


def crds_available(crd_dir: str | None = None) -> bool:
    from ..check.checker import get_checker

    try:
        get_checker(None, crd_dir)
    except UsageError:
        return False
    return True


def manifest_texts(rendered: Rendered, prefix: str = "<rendered>") -> dict[str, str]:
    return {f"{prefix}/{name}": text for name, text in render_files(rendered).items() if name.startswith("manifests/")}


def policy_findings(rendered: Rendered, prefix: str = "<rendered>", advisory: bool = False) -> list[Diagnostic]:
    """The policy diagnostics of a render (mandatory rules only, unless `advisory`), with real lines."""
    from ..policy import ADVISORY, MANDATORY, check_texts, select

    rules = select((MANDATORY, ADVISORY) if advisory else (MANDATORY,))
    return check_texts(manifest_texts(rendered, prefix), rules).diagnostics
