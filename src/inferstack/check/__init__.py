"""`inferstack check`: strict validation of Kubernetes objects against the built-in schemas of a
Kubernetes version and the pinned CRDs, CEL rules included.

    from inferstack.check import check_objects, check_paths, check_texts, Checker, SourcedObject

    report = check_objects(objects, kubernetes_version="1.34", crd_dir=..., source="<rendered>/x.yaml")
    report = check_texts({"<rendered>/manifests/30-models.yaml": yaml_text}, kubernetes_version="1.34")
    report.diagnostics, report.objects, report.cel.evaluated, report.cel.skipped, report.elapsed
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checker import Checker, check_objects, check_paths, check_texts, get_checker
    from .objects import SourcedObject
    from .report import CheckReport

# Imported on first use: `validate` reaches `check.fastschema` without loading the checker.
_EXPORTS = {"Checker": ".checker", "check_objects": ".checker", "check_paths": ".checker", "check_texts": ".checker",
            "get_checker": ".checker", "SourcedObject": ".objects", "CheckReport": ".report"}
__all__ = ["CheckReport", "Checker", "SourcedObject", "check_objects", "check_paths", "check_texts", "get_checker"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value
