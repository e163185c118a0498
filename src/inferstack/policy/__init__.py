"""Policies on Kubernetes objects: one rule set (POL001…, see rule_catalog.py and policies/docs/), two runners.

    from inferstack.policy import POLICY_RULES, check_paths, check_objects, check_texts
    report = check_paths(["out/manifests"])        # Runner 1: `inferstack check --policies`, `render`
    report.diagnostics                             # POL… diagnostics: mandatory -> error, advisory -> warning

Runner 2 is the Pulumi CrossGuard pack in policies/ (inferstack.policy.crossguard, which needs pulumi-policy).
"""

from .model import ADVISORY, MANDATORY, Context, Finding, Inventory, PolicyRule
from .rules import BY_ID, POLICY_RULES
from .runner import PolicyReport, check_objects, check_paths, check_texts, evaluate, select

__all__ = ["ADVISORY", "BY_ID", "MANDATORY", "POLICY_RULES", "Context", "Finding", "Inventory", "PolicyReport",
           "PolicyRule", "check_objects", "check_paths", "check_texts", "evaluate", "select"]
