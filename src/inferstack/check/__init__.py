"""`inferstack check`: strict validation of Kubernetes objects against the built-in schemas of a
Kubernetes version and the pinned CRDs, CEL rules included.

    from inferstack.check import check_objects, check_paths, check_texts, Checker, SourcedObject

    report = check_objects(objects, kubernetes_version="1.34", crd_dir=..., source="<rendered>/x.yaml")
    report = check_texts({"<rendered>/manifests/30-models.yaml": yaml_text}, kubernetes_version="1.34")
    report.diagnostics, report.objects, report.cel.evaluated, report.cel.skipped, report.elapsed
"""

from .checker import Checker, check_objects, check_paths, check_texts, get_checker
from .objects import SourcedObject
from .report import CheckReport

__all__ = ["CheckReport", "Checker", "SourcedObject", "check_objects", "check_paths", "check_texts", "get_checker"]
