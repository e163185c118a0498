"""Namespaces (with Pod Security labels) for the models and for every Helm install, and model-cache volumes."""

from __future__ import annotations

from ..render.context import RenderContext
from ..render.environment import render_object
from .runtime import cache_claim_name

PHASE = "10-namespaces"
COMPONENT = "namespaces"
SYSTEM_NAMESPACES = {"kube-system", "kube-public", "default"}
# Namespaces whose pods need host access (device plugins, node agents): Pod Security "privileged".
PRIVILEGED_NAMESPACES = {"gpu-operator", "nvidia-device-plugin", "kube-amd-gpu"}


def pod_security_labels(level: str) -> dict[str, str]:
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    }


def render(ctx: RenderContext, extra_privileged: set[str] | frozenset[str] = frozenset()) -> None:
    """One Namespace per namespace the stack uses: the model namespace and every Helm install's.

    Engines whose pods need host access add their namespaces to `ctx.privileged_namespaces`.
    """
    privileged_set = PRIVILEGED_NAMESPACES | set(extra_privileged) | ctx.privileged_namespaces
    wanted: dict[str, str] = {ctx.namespace: "privileged" if ctx.namespace in privileged_set else "baseline"}
    for install in ctx.installs:
        if install.method == "helm" and install.namespace and install.namespace not in SYSTEM_NAMESPACES:
            privileged = install.namespace in privileged_set
            wanted.setdefault(install.namespace, "privileged" if privileged else "baseline")
    for name in sorted(wanted):
        ctx.add(render_object("common/namespace.yaml.j2", name=name, labels=pod_security_labels(wanted[name])),
                COMPONENT, PHASE)


def render_cache_volumes(ctx: RenderContext) -> None:
    """A PVC per model with `cache`; shared by all pods of the model (ReadWriteMany when several:
    `Model.shares_cache`, which validation also uses to refuse classes that cannot be ReadWriteMany)."""
    for model in ctx.stack.models:
        if not model.cache:
            continue
        labels = ctx.model_labels(model, **{"inferstack.dev/retain": str(model.cache.retain).lower()})
        ctx.add(render_object(
            "common/pvc.yaml.j2",
            name=cache_claim_name(ctx.stack.name, model),
            namespace=ctx.namespace,
            labels=labels,
            access_mode=model.cache_access_mode,
            size=model.cache.size,
            storage_class=model.cache.storage_class,
        ), f"model/{model.name}", "30-models", retain=model.cache.retain)
