"""Runner 2: the Pulumi CrossGuard pack (`policies/`): the same rule functions on resource inputs.

Single-object rules become resource policies (each sees one resource's inputs); cross-object rules
(POL003, POL010) become stack policies (they see every Kubernetes resource of the stack). By default
the pack judges the objects inferstack renders (label app.kubernetes.io/managed-by: inferstack),
not the children of upstream manifest bundles or other resources of the stack; per-policy config
`scope: all` judges every Kubernetes resource.

`pulumi_policy.PolicyPack(...)` starts a gRPC server and blocks, so `policies/__main__.py` only
constructs it from `pack_arguments()`; everything here is testable without the Pulumi CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from ..errors import json_path
from . import objects as k8s
from .model import MANDATORY, Context, Finding, Inventory, PolicyRule
from .rules import POLICY_RULES

PACK_NAME = "inferstack"
PACK_DESCRIPTION = ("inferstack's policies for LLM-inference stacks: pinned images, GPU requests, Pod Security, "
                    "hardened containers, Secret references, probes, Job bounds, RBAC (same rules as "
                    "`inferstack check --policies`)")
SCOPE_INFERSTACK, SCOPE_ALL = "inferstack", "all"
CONFIG_SCHEMA = PolicyConfigSchema(properties={"scope": {
    "type": "string", "enum": [SCOPE_INFERSTACK, SCOPE_ALL], "default": SCOPE_INFERSTACK,
    "description": "inferstack: only objects labelled app.kubernetes.io/managed-by: inferstack; all: every "
                   "Kubernetes resource of the stack",
}})
# pulumi-kubernetes type tokens that are not one Kubernetes object (releases, bundles, kustomizations)
NOT_OBJECTS = ("helm.sh", "yaml", "kustomize")


def policy_name(rule: PolicyRule) -> str:
    return f"{rule.id}-{rule.name}"


def enforcement(rule: PolicyRule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.severity == MANDATORY else EnforcementLevel.ADVISORY


def kubernetes_object(resource_type: str, props: Any) -> dict | None:
    """The Kubernetes object a resource stands for (apiVersion and kind from the type token when the
    inputs lack them), or None for anything else."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes" or "/" not in parts[1]:
        return None
    group, version = parts[1].split("/", 1)
    if group in NOT_OBJECTS:
        return None
    obj = k8s.plain(props, _reveal)
    if not isinstance(obj, dict):
        return None
    obj.setdefault("apiVersion", version if group == "core" else f"{group}/{version}")
    obj.setdefault("kind", parts[2])
    return obj


def _reveal(value: Any) -> Any:
    """Policies judge the values of Pulumi secrets too (a literal token is a finding either way)."""
    return value.value if isinstance(value, Secret) else value


def in_scope(obj: dict, config: Any) -> bool:
    scope = (config or {}).get("scope", SCOPE_INFERSTACK) if hasattr(config, "get") else SCOPE_INFERSTACK
    return scope == SCOPE_ALL or k8s.labels(obj).get(k8s.MANAGED_BY_LABEL) == "inferstack"


def violation(rule: PolicyRule, obj: dict, finding: Finding) -> str:
    ns = k8s.metadata(obj).get("namespace")
    who = f"{obj.get('kind')} {ns + '/' if isinstance(ns, str) and ns else ''}{k8s.name_of(obj)}"
    hint = f" ({finding.hint})" if finding.hint else ""
    return f"[{rule.id}] {who} {json_path(finding.path)}: {finding.message}{hint}; see policies/docs/{rule.id}.md"


def resource_validator(rule: PolicyRule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        obj = kubernetes_object(args.resource_type, args.props)
        if obj is None or not in_scope(obj, args.get_config()):
            return
        protected = getattr(args.opts, "protect", None) if args.opts is not None else None
        for finding in rule.check(obj, Context(protected=protected)):
            report_violation(violation(rule, obj, finding), None)

    return validate


def stack_validator(rule: PolicyRule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        found: list[tuple[str, dict]] = []
        for resource in args.resources:
            try:
                obj = kubernetes_object(resource.resource_type, resource.props)
            except UnknownValueError:
                continue  # not known during preview: judged at update time
            if obj is not None:
                found.append((resource.urn, obj))
        ctx = Context(Inventory.of(obj for _, obj in found))
        config = args.get_config()
        for urn, obj in found:
            if in_scope(obj, config):
                for finding in rule.check(obj, ctx):
                    report_violation(violation(rule, obj, finding), urn)

    return validate


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    out: list[ResourceValidationPolicy | StackValidationPolicy] = []
    for rule in POLICY_RULES:
        common = {"name": policy_name(rule), "description": rule.doc, "enforcement_level": enforcement(rule),
                  "config_schema": CONFIG_SCHEMA, "remediation_steps": f"see policies/docs/{rule.id}.md"}
        if rule.cross_object:
            out.append(StackValidationPolicy(validate=stack_validator(rule), **common))
        else:
            out.append(ResourceValidationPolicy(validate=resource_validator(rule), **common))
    return out


def pack_arguments() -> dict[str, Any]:
    """The keyword arguments of `pulumi_policy.PolicyPack` for policies/__main__.py."""
    return {"name": PACK_NAME, "policies": policies(), "description": PACK_DESCRIPTION}
