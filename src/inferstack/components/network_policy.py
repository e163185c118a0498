"""spec.security.networkPolicy: a default-deny ingress NetworkPolicy for the model namespace, and one
policy that lets in what must reach the model servers.

Allowed in: pods of the model namespace itself (benchmarks, routers and endpoint pickers that run
next to the models, multi-node and prefill/decode peers), the data plane of the generic gateway, the
engine's own front door and controllers (`Engine.ingress_sources`), and Prometheus when
observability.prometheus is on. Sources are whole namespaces, selected by the
`kubernetes.io/metadata.name` label Kubernetes puts on every namespace. Egress is not restricted:
model servers download weights and adapters.
"""

from __future__ import annotations

from ..engines.base import IngressSource
from ..render.context import RenderContext
from ..render.environment import render_object
from . import gateway as gw
from . import observability

COMPONENT = "namespaces"
PHASE = "10-namespaces"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
SOURCES_ANNOTATION = "inferstack.dev/ingress-sources"
# Gateway implementations whose proxies run in their controller's namespace, not the Gateway's.
CONTROLLER_NAMESPACE_PROXIES = {"envoy-gateway": gw.ENVOY_GATEWAY_NAMESPACE, "envoy-ai-gateway": gw.ENVOY_GATEWAY_NAMESPACE}


def ingress_sources(ctx: RenderContext) -> list[IngressSource]:
    """Every other namespace whose pods reach the model servers, one entry per namespace."""
    found: list[IngressSource] = []
    ref = ctx.gateway_ref
    if ref is not None and ref.implementation in CONTROLLER_NAMESPACE_PROXIES:
        found.append(IngressSource(CONTROLLER_NAMESPACE_PROXIES[ref.implementation], f"{ref.implementation} proxies"))
    found.extend(ctx.engine.ingress_sources(ctx))
    if ctx.stack.prometheus:
        found.append(IngressSource(observability.NAMESPACE, "Prometheus"))
    merged: dict[str, list[str]] = {}
    for source in found:
        if source.namespace != ctx.namespace:
            reasons = merged.setdefault(source.namespace, [])
            if source.why not in reasons:
                reasons.append(source.why)
    return [IngressSource(ns, ", ".join(merged[ns])) for ns in sorted(merged)]


def render(ctx: RenderContext) -> None:
    if not ctx.stack.network_policy:
        return
    sources = ingress_sources(ctx)
    ctx.add(render_object("common/networkpolicy.yaml.j2", name=ctx.name("default-deny-ingress"),
                          namespace=ctx.namespace, annotations=None, ingress=None), COMPONENT, PHASE)
    peers: list[dict] = [{"podSelector": {}}]
    peers += [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: s.namespace}}} for s in sources]
    described = "; ".join([f"{ctx.namespace}: the namespace's own pods"] + [f"{s.namespace}: {s.why}" for s in sources])
    ctx.add(render_object("common/networkpolicy.yaml.j2", name=ctx.name("allow-ingress"), namespace=ctx.namespace,
                          annotations={SOURCES_ANNOTATION: described}, ingress=[{"from": peers}]), COMPONENT, PHASE)
    ctx.note(f"network policy: namespace {ctx.namespace} denies ingress except from {described} "
             "(needs a CNI that enforces NetworkPolicy)")
