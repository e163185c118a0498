"""llm-d rendering: control-plane installs, and per model the model-server workloads, the InferencePool,
the router (EPP, plus its Envoy proxy in standalone mode), an HTTPRoute in gateway mode and an HPA.

Imported lazily by engines/llmd.py so that `validate` stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import versions
from ..components import autoscaling, lws, runtime
from ..components import gateway as gw
from ..components.observability import MetricsTarget, default_model_targets
from ..render.context import STACK_LABEL, Placement, RenderContext, pool_selector, pool_tolerations
from ..render.result import Endpoint, Install
from ..spec.model import Model
from . import llmd_router as router

ENGINE = "engine"
PLATFORM = "20-platform"
MODELS = "30-models"
ROUTER_COMPONENT_LABEL = "inferstack.dev/router"  # selects a model's EPP pods (never model servers)
MODEL_HEADER = "X-Gateway-Model-Name"  # the header GIE's body-based router sets from the request's model
GATEWAY_MODES = ("istio", "agentgateway")


# --- names ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Names:
    base: str  # <stack>-<model>: InferencePool, aggregated workload, HTTPRoute, HPA
    epp: str  # EPP Deployment, Service, ServiceAccount, Role, config ConfigMap
    proxy_config: str
    prefill: str
    decode: str
    sidecar: str  # ServiceAccount of decode pods (the sidecar watches the pool)

    @classmethod
    def of(cls, stack_name: str, model_name: str) -> Names:
        base = f"{stack_name}-{model_name}"
        return cls(base, f"{base}-epp", f"{base}-epp-proxy", f"{base}-prefill", f"{base}-decode", f"{base}-sidecar")


def names(ctx: RenderContext, model: Model) -> Names:
    return Names.of(ctx.stack.name, model.name)


def standalone(ctx: RenderContext) -> bool:
    return ctx.gateway == "engine-native"


# --- control plane ------------------------------------------------------------------------------------

def render_platform(ctx: RenderContext) -> None:
    _install_before_gateway(ctx, [gw.inference_extension_crds(), router_crds()])
    stack = ctx.stack
    if any(m.nodes_per_replica > 1 for m in stack.models):
        gang = "volcano" if stack.scheduler == "volcano" else None
        ctx.install(lws.install(ENGINE, gang_scheduler=gang))
    autoscaled = [m for m in stack.models if m.autoscaling]
    if autoscaled:
        ctx.install(autoscaling.prometheus_adapter(autoscaled))
        ctx.note("autoscaling: HorizontalPodAutoscalers read model-server metrics from the custom metrics API, "
                 "served by prometheus-adapter from the kube-prometheus-stack Prometheus")
    if standalone(ctx):
        ctx.note("llm-d router in standalone mode: each model has its own EPP with an Envoy proxy in the same pod "
                 f"(Service <stack>-<model>-epp, port {stack.gateway_port}); no Gateway is needed")
    elif needs_model_header(ctx):
        ctx.note(f"several models share the Gateway: each request carries {MODEL_HEADER}: <model or adapter> "
                 "(benchmark Jobs send it; GIE's body-based router can set it from the request body)")
    if any(router.precise(m) for m in stack.models):
        ctx.note("KV-cache-aware routing: the EPP's tokenizer sidecar downloads the model's tokenizer from "
                 "Hugging Face at start (egress, and the model's token Secret for gated models)")


def router_crds() -> Install:
    b = versions.bundle("llm-d-router-crds")
    return Install(name="llm-d-router-crds", component=ENGINE, method="manifest", version=b["version"], url=b["url"],
                   server_side=True, provides=("llm-d.ai/*",))


def _install_before_gateway(ctx: RenderContext, installs: list[Install]) -> None:
    """CRD bundles the gateway implementation watches must exist before it starts (Istio and agentgateway
    enable their InferencePool support at startup), so they go right before its first install."""
    fresh = [i for i in installs if all(i.name != have.name for have in ctx.installs)]
    at = next((k for k, i in enumerate(ctx.installs) if i.component == gw.COMPONENT and i.name != "gateway-api-crds"),
              len(ctx.installs))
    ctx.installs[at:at] = fresh


# --- per model ----------------------------------------------------------------------------------------

def render_model(ctx: RenderContext, model: Model) -> None:
    n = names(ctx, model)
    component = f"model/{model.name}"
    if model.disaggregation:
        _render_pd(ctx, model, n, component)
        workload_kind, workload_api = "Deployment", "apps/v1"
    elif model.nodes_per_replica > 1:
        _render_lws(ctx, model, n, component)
        workload_kind, workload_api = "LeaderWorkerSet", "leaderworkerset.x-k8s.io/v1"
    else:
        _render_aggregated(ctx, model, n, component)
        workload_kind, workload_api = "Deployment", "apps/v1"
    ctx.render("llm-d/inferencepool.yaml.j2", component, MODELS, name=n.base, namespace=ctx.namespace,
               labels=ctx.model_labels(model), selector=pool_selector_labels(ctx, model),
               target_port=router.POOL_PORT, epp_service=n.epp, ext_proc_port=router.EXT_PROC_PORT,
               failure_mode="FailClose")
    _render_router(ctx, model, n, component)
    if not standalone(ctx):
        _render_httproute(ctx, model, n, component)
    if model.autoscaling:
        autoscaling.render_hpa(ctx, model, name=n.base, component=component, phase=MODELS,
                               target={"apiVersion": workload_api, "kind": workload_kind, "name": n.base})


def pool_selector_labels(ctx: RenderContext, model: Model) -> dict[str, str]:
    """matchLabels of the InferencePool: the model's serving pods (LWS workers and the EPP carry no serving label)."""
    return ctx.model_labels(model, **{router.SERVING_LABEL: "true"})


def server_pod_labels(ctx: RenderContext, model: Model, role: str | None = None) -> dict[str, str]:
    labels = pool_selector_labels(ctx, model)
    labels[router.ENGINE_TYPE_LABEL] = router.engine_type(model)
    if role:
        labels[router.ROLE_LABEL] = role
    return labels


def _kv_events(model: Model) -> tuple[list[str], dict[str, str]]:
    """vLLM args and env for publishing KV events to the EPP's precise prefix-cache producer."""
    if not router.precise(model):
        return [], {}
    return router.kv_events_args(model), {"PYTHONHASHSEED": router.HASH_SEED}


def _server_container(model: Model, placement: Placement, opts: runtime.ServerOptions) -> dict[str, Any]:
    c = runtime.container(model, placement, opts=opts)
    if router.precise(model):
        # $(POD_IP) in the KV-events topic expands from this variable; it must come before its use
        env = [e for e in c.get("env", []) if e["name"] != "POD_IP"]
        c["env"] = [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}, *env]
        c["ports"].append({"name": "kv-events", "containerPort": router.KV_EVENTS_PORT, "protocol": "TCP"})
    return c


def _pod_template(ctx: RenderContext, model: Model, placement: Placement, labels: dict[str, str],
                  containers: list[dict], init_containers: list[dict] | None = None,
                  service_account: str | None = None) -> dict[str, Any]:
    spec = runtime.pod_spec(model, placement, containers, ctx.stack.name, init_containers=init_containers,
                            service_account=service_account)
    meta: dict[str, Any] = {"labels": labels}
    if placement.annotations:
        meta["annotations"] = dict(placement.annotations)
    return {"metadata": meta, "spec": spec}


def _deployment(ctx: RenderContext, model: Model, name: str, component: str, replicas: int | None,
                labels: dict[str, str], template: dict) -> None:
    ctx.render("llm-d/deployment.yaml.j2", component, MODELS, name=name, namespace=ctx.namespace,
               labels=ctx.model_labels(model), replicas=replicas, selector=labels, pod_template=template)


def _render_aggregated(ctx: RenderContext, model: Model, n: Names, component: str) -> None:
    placement = ctx.placement(model)
    args, env = _kv_events(model)
    opts = runtime.ServerOptions(port=router.POOL_PORT, extra_args=tuple(args), extra_env=env)
    labels = server_pod_labels(ctx, model)
    template = _pod_template(ctx, model, placement, labels, [_server_container(model, placement, opts)])
    _deployment(ctx, model, n.base, component, model.fixed_replicas, labels, template)


def _render_lws(ctx: RenderContext, model: Model, n: Names, component: str) -> None:
    placement = ctx.placement(model)
    args, env = _kv_events(model)
    nodes = model.nodes_per_replica
    leader_opts = runtime.ServerOptions(
        port=router.POOL_PORT, extra_args=tuple(args), extra_env=env,
        multinode=runtime.MultiNode(nodes, "$(LWS_LEADER_ADDRESS)", "0", leader=True))
    worker_opts = runtime.ServerOptions(
        port=router.POOL_PORT, extra_env=env,
        multinode=runtime.MultiNode(nodes, "$(LWS_LEADER_ADDRESS)", "$(LWS_WORKER_INDEX)", leader=False))
    leader = _server_container(model, placement, leader_opts)
    worker = runtime.container(model, placement, opts=worker_opts)
    if model.runtime != "simulator":
        # engine workers run headless: no API server to probe or to scrape
        for key in ("ports", "readinessProbe", "startupProbe"):
            worker.pop(key, None)
    leader_template = _pod_template(ctx, model, placement, server_pod_labels(ctx, model), [leader])
    worker_template = _pod_template(ctx, model, placement, server_worker_labels(ctx, model), [worker])
    ctx.render("llm-d/leaderworkerset.yaml.j2", component, MODELS, name=n.base, namespace=ctx.namespace,
               labels=ctx.model_labels(model), annotations=dict(placement.annotations),
               replicas=model.fixed_replicas, size=nodes,
               leader_template=leader_template, worker_template=worker_template)


def server_worker_labels(ctx: RenderContext, model: Model) -> dict[str, str]:
    return ctx.model_labels(model, **{router.ENGINE_TYPE_LABEL: router.engine_type(model)})


def _render_pd(ctx: RenderContext, model: Model, n: Names, component: str) -> None:
    d = model.disaggregation
    prefill_placement = ctx.placement(model, gpus=d.prefill.parallelism.gpus)
    prefill_opts = runtime.ServerOptions(port=router.POOL_PORT, role="prefill")
    prefill_labels = server_pod_labels(ctx, model, "prefill")
    prefill = _pod_template(ctx, model, prefill_placement, prefill_labels,
                            [_server_container(model, prefill_placement, prefill_opts)])
    _deployment(ctx, model, n.prefill, component, d.prefill.replicas, prefill_labels, prefill)

    decode_placement = ctx.placement(model, gpus=d.decode.parallelism.gpus)
    decode_opts = runtime.ServerOptions(port=router.DECODE_ENGINE_PORT, role="decode")
    decode_labels = server_pod_labels(ctx, model, "decode")
    decode = _pod_template(ctx, model, decode_placement, decode_labels,
                           [_server_container(model, decode_placement, decode_opts)],
                           init_containers=[routing_sidecar(ctx, model, n)], service_account=n.sidecar)
    _deployment(ctx, model, n.decode, component, d.decode.replicas, decode_labels, decode)
    ctx.render("llm-d/sidecar-rbac.yaml.j2", component, MODELS, name=n.sidecar, namespace=ctx.namespace,
               labels=ctx.model_labels(model))


def routing_sidecar(ctx: RenderContext, model: Model, n: Names) -> dict[str, Any]:
    """The P/D routing sidecar: a native sidecar (init container, restartPolicy Always) that owns the
    pool port on decode pods, runs the remote prefill, then forwards to the local engine."""
    port = router.POOL_PORT
    return {
        "name": "routing-sidecar",
        "image": versions.image("llm-d-disagg-sidecar"),
        "imagePullPolicy": "IfNotPresent",
        "restartPolicy": "Always",
        "args": router.sidecar_args(model, n.base, ctx.namespace),
        "ports": [{"name": "pd-proxy", "containerPort": port, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/health", "port": port}, "periodSeconds": 5, "failureThreshold": 3},
        "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
        "securityContext": runtime.security_context(versions.image("llm-d-disagg-sidecar")),
    }


# --- router -------------------------------------------------------------------------------------------

def router_placement(ctx: RenderContext, model: Model) -> tuple[dict[str, str], list[dict]]:
    """Node selector and tolerations of the EPP pod: the first pool without accelerators, else (every pool
    has GPUs, as on a kind cluster of simulated GPU nodes) the model's pool, tolerating its taints."""
    stack = ctx.stack
    cpu_pool = next((p for p in stack.node_pools if not p.accelerator), None)
    pool = cpu_pool or stack.pool(model.node_pool)
    return pool_selector(stack, pool), pool_tolerations(pool)


def _small(model: Model) -> bool:
    return model.runtime == "simulator"


def _epp_container(ctx: RenderContext, model: Model, n: Names) -> dict[str, Any]:
    health = {"grpc": {"port": router.GRPC_HEALTH_PORT, "service": "inference-extension"}}
    resources = ({"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}} if _small(model)
                 else {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"memory": "8Gi"}})
    return {
        "name": "epp",
        "image": versions.image("llm-d-epp"),
        "imagePullPolicy": "IfNotPresent",
        "args": router.epp_args(n.base, ctx.namespace, secure_serving=ctx.gateway == "agentgateway"),
        "env": [{"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "ports": [{"name": "grpc", "containerPort": router.EXT_PROC_PORT, "protocol": "TCP"},
                  {"name": "grpc-health", "containerPort": router.GRPC_HEALTH_PORT, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": router.EPP_METRICS_PORT, "protocol": "TCP"}],
        "livenessProbe": {**health, "initialDelaySeconds": 5, "periodSeconds": 10},
        "readinessProbe": {**health, "periodSeconds": 2},
        "resources": resources,
        "volumeMounts": [{"name": "epp-config", "mountPath": router.EPP_CONFIG_DIR, "readOnly": True}],
        "securityContext": runtime.security_context(versions.image("llm-d-epp")),
    }


def _proxy_container(model: Model, n: Names) -> dict[str, Any]:
    resources = ({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}} if _small(model)
                 else {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "4Gi"}})
    return {
        "name": "proxy",
        "image": versions.image("llm-d-envoy"),
        "imagePullPolicy": "IfNotPresent",
        "command": ["envoy"],
        "args": ["--config-path", "/etc/envoy/envoy.yaml", "--service-node", n.epp, "--log-level", "warn",
                 "--drain-time-s", "60"],
        "ports": [{"name": "proxy", "containerPort": router.PROXY_PORT, "protocol": "TCP"}],
        "readinessProbe": {"tcpSocket": {"port": router.PROXY_PORT}, "periodSeconds": 5},
        "resources": resources,
        "volumeMounts": [{"name": "proxy-config", "mountPath": "/etc/envoy", "readOnly": True}],
        "securityContext": runtime.security_context(versions.image("llm-d-envoy")),  # listens above 1024
    }


def _tokenizer_container(model: Model) -> dict[str, Any]:
    """`vllm launch render`: tokenizes prompts for the precise prefix-cache producer (loopback only)."""
    c: dict[str, Any] = {
        "name": "tokenizer",
        "image": versions.image("llm-d-tokenizer"),
        "imagePullPolicy": "IfNotPresent",
        "command": ["vllm", "launch", "render"],
        "args": [runtime.model_ref(model), f"--port={router.TOKENIZER_PORT}"],
    }
    env = [{"name": "HF_HOME", "value": "/tokenizer-cache"}]
    if model.token_secret:
        env.append({"name": runtime.TOKEN_ENV, "valueFrom": {"secretKeyRef": {
            "name": model.token_secret.name, "key": model.token_secret.key}}})
    c["env"] = env
    c["ports"] = [{"name": "render-http", "containerPort": router.TOKENIZER_PORT, "protocol": "TCP"}]
    c["readinessProbe"] = {"httpGet": {"path": "/health", "port": router.TOKENIZER_PORT}, "periodSeconds": 10,
                           "failureThreshold": 60}
    c["resources"] = {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi"}}
    c["volumeMounts"] = [{"name": "tokenizer-cache", "mountPath": "/tokenizer-cache"}]
    c["securityContext"] = runtime.security_context(c["image"])
    return c


def _render_router(ctx: RenderContext, model: Model, n: Names, component: str) -> None:
    config = router.endpoint_picker_config(model, runtime.model_ref(model))
    containers = [_epp_container(ctx, model, n)]
    volumes: list[dict[str, Any]] = [{"name": "epp-config", "configMap": {"name": n.epp}}]
    if standalone(ctx):
        containers.insert(0, _proxy_container(model, n))
        volumes.append({"name": "proxy-config", "configMap": {"name": n.proxy_config}})
    if router.precise(model):
        containers.append(_tokenizer_container(model))
        volumes.append({"name": "tokenizer-cache", "emptyDir": {}})
    node_selector, tolerations = router_placement(ctx, model)
    pod_labels = ctx.model_labels(model, **{ROUTER_COMPONENT_LABEL: "epp"})
    pod_spec: dict[str, Any] = {"serviceAccountName": n.epp, "terminationGracePeriodSeconds": 130}
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    if tolerations:
        pod_spec["tolerations"] = tolerations
    pod_spec["containers"] = containers
    pod_spec["volumes"] = volumes
    service_ports = [
        {"name": "grpc-ext-proc", "port": router.EXT_PROC_PORT, "targetPort": router.EXT_PROC_PORT, "protocol": "TCP",
         "appProtocol": "kubernetes.io/h2c"},
        {"name": "http-metrics", "port": router.EPP_METRICS_PORT, "targetPort": router.EPP_METRICS_PORT, "protocol": "TCP"},
    ]
    if standalone(ctx):
        service_ports.append({"name": "http", "port": ctx.stack.gateway_port, "targetPort": router.PROXY_PORT,
                              "protocol": "TCP"})
    ctx.render("llm-d/epp.yaml.j2", component, MODELS, name=n.epp, namespace=ctx.namespace,
               labels=ctx.model_labels(model), pool=n.base, pool_group=router.POOL_GROUP,
               config_file=router.EPP_CONFIG_FILE, config=router.config_text(config),
               proxy_config_name=n.proxy_config if standalone(ctx) else None,
               proxy_config=router.envoy_config_text(),
               selector=pod_labels, pod_spec=pod_spec, service_ports=service_ports)


# --- gateway mode -------------------------------------------------------------------------------------

def needs_model_header(ctx: RenderContext) -> bool:
    """With several models behind one Gateway, routes tell the pools apart by a request header."""
    return len(ctx.stack.models) > 1


def _render_httproute(ctx: RenderContext, model: Model, n: Names, component: str) -> None:
    ref = ctx.gateway_ref
    matches = []
    for served in (model.name, *model.adapter_names):
        match: dict[str, Any] = {"path": {"type": "PathPrefix", "value": "/"}}
        if needs_model_header(ctx):
            match["headers"] = [{"type": "Exact", "name": MODEL_HEADER, "value": served}]
        matches.append(match)
        if not needs_model_header(ctx):
            break
    rule = {
        "matches": matches,
        # by group and kind, without a port: the pool's targetPorts decide
        "backendRefs": [{"group": router.POOL_GROUP, "kind": "InferencePool", "name": n.base}],
        "timeouts": {"request": "300s"},
    }
    ctx.render("llm-d/httproute.yaml.j2", component, MODELS, name=n.base, namespace=ctx.namespace,
               labels=ctx.model_labels(model), gateway=ref.name, gateway_namespace=ref.namespace,
               hostnames=[ctx.stack.gateway_hostname] if ctx.stack.gateway_hostname else None, rules=[rule])


# --- endpoints and metrics ------------------------------------------------------------------------------

def endpoints(ctx: RenderContext, model: Model) -> list[Endpoint]:
    n = names(ctx, model)
    port = ctx.stack.gateway_port  # the standalone router's Service port, or the Gateway listener's
    if standalone(ctx):
        host = f"{n.epp}.{ctx.namespace}.svc.cluster.local"
        note = "llm-d router (standalone): Envoy + EPP"
    else:
        host = ctx.gateway_ref.service_host
        note = f"{ctx.gateway} Gateway -> InferencePool {n.base}"
    base_url = f"http://{host}" + ("" if port == 80 else f":{port}")
    out = []
    for served in (model.name, *model.adapter_names):
        headers: dict[str, str] = {}
        if not standalone(ctx):
            if ctx.stack.gateway_hostname:
                headers["Host"] = ctx.stack.gateway_hostname
            if needs_model_header(ctx):
                headers[MODEL_HEADER] = served
        out.append(Endpoint(model=served, base_url=base_url, headers=headers, served_by=model.name, note=note))
    return out


def metrics_targets(ctx: RenderContext) -> list[MetricsTarget]:
    """Model servers (engine port `http`, also behind the P/D sidecar) and every model's EPP."""
    targets = list(default_model_targets(ctx))
    targets.append(MetricsTarget(ctx.name("epp"), ctx.namespace,
                                 {STACK_LABEL: ctx.stack.name, ROUTER_COMPONENT_LABEL: "epp"}, "metrics"))
    return targets

