"""Gateway base: Gateway API CRDs, the chosen implementation's pinned install, GatewayClass and Gateway.

`auto` resolves per engine (Engine.default_gateway). `engine-native` means the engine brings its own
front door, so nothing generic is rendered here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .. import versions
from ..render.context import RenderContext
from ..render.environment import render_object
from ..render.result import Install

COMPONENT = "gateway"
PHASE = "20-platform"
ENVOY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller"
ENVOY_GATEWAY_NAMESPACE = "envoy-gateway-system"
ENVOY_NAME_LIMIT = 48  # characters of <namespace>-<name> kept in the proxy Service name


@dataclass(frozen=True)
class Implementation:
    class_name: str
    controller: str
    render_class: bool  # False when the implementation's install creates its GatewayClass itself


IMPLEMENTATIONS = {
    "envoy-gateway": Implementation("inferstack-envoy", ENVOY_CONTROLLER, True),
    "envoy-ai-gateway": Implementation("inferstack-envoy-ai", ENVOY_CONTROLLER, True),
    "istio": Implementation("istio", "istio.io/gateway-controller", False),
    "agentgateway": Implementation("agentgateway", "agentgateway.dev/agentgateway", False),
    "kgateway": Implementation("kgateway", "kgateway.dev/kgateway", False),
}


def gateway_api_crds() -> Install:
    b = versions.bundle("gateway-api")
    return Install(name="gateway-api-crds", component=COMPONENT, method="manifest", version=b["version"], url=b["url"],
                   server_side=True, provides=("gateway.networking.k8s.io/*",))


def inference_extension_crds() -> Install:
    """The release's v1-manifests.yaml: only the CRDs with a v1 version (InferencePool); the alpha
    inference.networking.x-k8s.io CRDs are not in it."""
    b = versions.bundle("gateway-api-inference-extension")
    return Install(name="gateway-api-inference-extension-crds", component=COMPONENT, method="manifest",
                   version=b["version"], url=b["url"], server_side=True, provides=("inference.networking.k8s.io/*",))


def _helm(name: str, chart_key: str, namespace: str, values: dict, provides=()) -> Install:
    chart = versions.chart(chart_key)
    return Install(name=name, component=COMPONENT, method="helm", version=chart["version"], namespace=namespace,
                   repo=chart["repo"], chart=chart["chart"], values=values, provides=provides)


INFERENCE_POOL_BACKEND = {"group": "inference.networking.k8s.io", "kind": "InferencePool", "version": "v1"}


def envoy_ai_gateway_values(inference_pools: bool) -> dict:
    """Envoy Gateway values the AI Gateway extension needs (xDS hooks, Backend API), plus InferencePool
    as an extension backend only when the engine's routes target InferencePools: Envoy Gateway v1.8.1
    watches every listed backend kind without checking that its CRD exists, and never syncs while it
    is missing (envoyproxy/ai-gateway#953)."""
    manager: dict = {
        "hooks": {"xdsTranslator": {
            "translation": {k: {"includeAll": True} for k in ("listener", "route", "cluster", "secret")},
            "post": ["Translation", "Cluster", "Route"],
        }},
        "service": {"fqdn": {"hostname": "ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local", "port": 1063}},
    }
    if inference_pools:
        manager["backendResources"] = [dict(INFERENCE_POOL_BACKEND)]
    return {"config": {"envoyGateway": {
        "gateway": {"controllerName": ENVOY_CONTROLLER},
        "provider": {"type": "Kubernetes"},
        "extensionApis": {"enableEnvoyPatchPolicy": True, "enableBackend": True},
        "extensionManager": manager,
    }}}


def implementation_installs(impl: str, *, inference_pools: bool = False) -> list[Install]:
    """The pinned installs of a gateway implementation, in order. `inference_pools`: the engine's routes
    target InferencePools (Envoy AI Gateway then installs the inference extension CRDs first)."""
    if impl == "envoy-gateway":
        return [_helm("envoy-gateway", "envoy-gateway", ENVOY_GATEWAY_NAMESPACE, {}, ("gateway.envoyproxy.io/*",))]
    if impl == "envoy-ai-gateway":
        return [
            *([inference_extension_crds()] if inference_pools else []),
            _helm("envoy-gateway", "envoy-gateway", ENVOY_GATEWAY_NAMESPACE, envoy_ai_gateway_values(inference_pools),
                  ("gateway.envoyproxy.io/*",)),
            _helm("envoy-ai-gateway-crds", "envoy-ai-gateway-crds", "envoy-ai-gateway-system", {}, ("aigateway.envoyproxy.io/*",)),
            _helm("envoy-ai-gateway", "envoy-ai-gateway", "envoy-ai-gateway-system", {}),
        ]
    if impl == "istio":
        return [
            _helm("istio-base", "istio-base", "istio-system", {}, ("networking.istio.io/*", "security.istio.io/*")),
            _helm("istiod", "istiod", "istio-system",
                  {"pilot": {"env": {"ENABLE_GATEWAY_API_INFERENCE_EXTENSION": "true"}}}),
        ]
    if impl == "agentgateway":
        return [
            _helm("agentgateway-crds", "agentgateway-crds", "agentgateway-system", {}, ("agentgateway.dev/*",)),
            _helm("agentgateway", "agentgateway", "agentgateway-system", {"inferenceExtension": {"enabled": True}}),
        ]
    if impl == "kgateway":
        return [
            _helm("kgateway-crds", "kgateway-crds", "kgateway-system", {}, ("gateway.kgateway.dev/*",)),
            _helm("kgateway", "kgateway", "kgateway-system", {}),
        ]
    raise ValueError(f"no install for gateway implementation {impl!r}")


@dataclass(frozen=True)
class GatewayRef:
    name: str
    namespace: str
    class_name: str
    implementation: str

    @property
    def service_host(self) -> str:
        """In-cluster DNS name of the gateway's data-plane Service, per implementation conventions."""
        if self.implementation in ("envoy-gateway", "envoy-ai-gateway"):
            return f"{envoy_service_name(self.namespace, self.name)}.{ENVOY_GATEWAY_NAMESPACE}.svc.cluster.local"
        if self.implementation == "istio":
            return f"{self.name}-{self.class_name}.{self.namespace}.svc.cluster.local"
        return f"{self.name}.{self.namespace}.svc.cluster.local"


def envoy_service_name(namespace: str, name: str) -> str:
    """Envoy Gateway's name for a Gateway's proxy Service (v1.8.1 utils.GetHashedName(ns/name, 48)):
    envoy-<ns>-<name>-<sha256(ns/name)[:8]>, where a <ns>-<name> longer than 48 characters is cut to
    48 and then loses one trailing '-' (Go strings.TrimSuffix), so no '--' precedes the hash."""
    full = f"{namespace}/{name}"
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    base = full.replace("/", "-")
    if len(base) > ENVOY_NAME_LIMIT:
        base = base[:ENVOY_NAME_LIMIT].removesuffix("-")
    return f"envoy-{base}-{digest}"


def gateway_name(ctx: RenderContext) -> str:
    return ctx.name("gateway")


def listeners(ctx: RenderContext) -> list[dict]:
    stack = ctx.stack
    listener: dict = {"name": "http", "port": stack.gateway_port, "protocol": "HTTP",
                      "allowedRoutes": {"namespaces": {"from": "Same"}}}
    if stack.gateway_hostname:
        listener["hostname"] = stack.gateway_hostname
    out = [listener]
    if stack.gateway_tls_secret:
        tls = {"name": "https", "port": 443, "protocol": "HTTPS",
               "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": stack.gateway_tls_secret}]},
               "allowedRoutes": {"namespaces": {"from": "Same"}}}
        if stack.gateway_hostname:
            tls["hostname"] = stack.gateway_hostname
        out.append(tls)
    return out


def render(ctx: RenderContext) -> GatewayRef | None:
    """Install and configure the resolved gateway implementation; None for engine-native."""
    impl = ctx.gateway
    if impl == "engine-native":
        return None
    spec = IMPLEMENTATIONS[impl]
    ctx.install(gateway_api_crds())
    for install in implementation_installs(impl, inference_pools=ctx.engine.envoy_inference_pools(ctx.stack)):
        ctx.install(install)
    if spec.render_class:
        ctx.add(render_object("common/gatewayclass.yaml.j2", name=spec.class_name, controller=spec.controller),
                COMPONENT, PHASE)
    ref = GatewayRef(gateway_name(ctx), ctx.namespace, spec.class_name, impl)
    ctx.add(render_object("common/gateway.yaml.j2", name=ref.name, namespace=ref.namespace, labels=None,
                          class_name=spec.class_name, listeners=listeners(ctx)), COMPONENT, PHASE)
    return ref
