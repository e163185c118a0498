"""Check a render before it is written: every manifest through `inferstack check` (built-in schemas,
pinned CRDs, CEL) and the mandatory policies. Without the pinned CRDs the schema check cannot run;
the caller decides what that means. The policies need nothing but the objects.

The objects are checked as they are in memory, not dumped to YAML and parsed back: the writer's
dump reads back as exactly the same data (`is_plain_json` makes sure of it, object by object), so
the findings are the same. Only a finding's line needs the text; the manifest file is then dumped
and parsed, as it will be written (`LazyStream`). Anything that is not plain JSON data is checked
from the text, as before.
"""

from __future__ import annotations

from ..check.objects import LazyDocument, LazyStream, SourcedObject, expand_lists, is_plain_json
from ..check.report import CheckReport
from ..errors import Diagnostic, UsageError
from .result import Rendered
from .writer import dump_documents, render_files


def check_rendered(rendered: Rendered, crd_dir: str | None = None, prefix: str = "<rendered>") -> CheckReport:
    """Raises UsageError when the pinned CRDs are not available."""
    from ..check.checker import get_checker

    checker = get_checker(rendered.stack.kubernetes_version, crd_dir)
    objects = rendered_objects(rendered, prefix)
    if objects is None:
        return checker.check_texts(manifest_texts(rendered, prefix))
    return checker.check_objects(objects, files=len(rendered.by_phase()))


def rendered_objects(rendered: Rendered, prefix: str = "<rendered>") -> list[SourcedObject] | None:
    """The rendered objects with their manifest file and lazily computed positions, or None when one
    of them is not plain JSON data (its YAML text would not read back as the same data)."""
    out: list[SourcedObject] = []
    for phase, objs in rendered.by_phase().items():
        bodies = [o.body for o in objs]
        if not all(is_plain_json(body) for body in bodies):
            return None
        stream = LazyStream(f"{prefix}/manifests/{phase}.yaml", lambda bodies=bodies: dump_documents(bodies))
        for index, body in enumerate(bodies):
            out += expand_lists(SourcedObject(body, stream.name, LazyDocument(stream, index)))
    return out


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
    from ..policy import ADVISORY, MANDATORY, check_objects, check_texts, select

    rules = select((MANDATORY, ADVISORY) if advisory else (MANDATORY,))
    objects = rendered_objects(rendered, prefix)
    if objects is None:
        return check_texts(manifest_texts(rendered, prefix), rules).diagnostics
    return check_objects(objects, rules=rules).diagnostics
