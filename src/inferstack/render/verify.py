"""Check a render before it is written: every manifest through `inferstack check` (built-in schemas,
pinned CRDs, CEL). Without the pinned CRDs the check cannot run; the caller decides what that means."""

from __future__ import annotations

from ..check.report import CheckReport
from ..errors import UsageError
from .result import Rendered
from .writer import render_files


def check_rendered(rendered: Rendered, crd_dir: str | None = None, prefix: str = "<rendered>") -> CheckReport:
    """Raises UsageError when the pinned CRDs are not available."""
    from ..check.checker import get_checker

    texts = {f"{prefix}/{name}": text for name, text in render_files(rendered).items() if name.startswith("manifests/")}
    return get_checker(rendered.stack.kubernetes_version, crd_dir).check_texts(texts)


def crds_available(crd_dir: str | None = None) -> bool:
    from ..check.checker import get_checker

    try:
        get_checker(None, crd_dir)
    except UsageError:
        return False
    return True
