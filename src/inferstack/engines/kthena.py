"""Kthena v1.0.0 (Volcano ecosystem): ModelServing + ModelServer + ModelRoute behind kthena-router.

Per model: one ModelServing (a role `server`, or `prefill` + `decode` roles; multi-node replicas as
entry + worker templates wired with the ENTRY_ADDRESS / WORKER_INDEX env Kthena injects), a
ModelServer selecting its entry pods on the engine port (P/D pairs through the serving-group
label), a ModelRoute from the served name (and LoRA adapter names) to that ModelServer, and an
AutoscalingPolicy when the model autoscales. ModelBooster is not used: in v1.0.0 it has no LoRA or
autoscaling fields.

Control plane: Kthena's CRDs first (Helm never upgrades a chart's CRDs), then the `kthena` chart
with pinned image tags. Volcano comes from the cluster layer when `scheduling.scheduler: volcano`;
ModelServing's schedulerName is always rendered, because upstream defaults it to `volcano`.
The LeaderWorkerSet controller is never installed: Kthena converts every LeaderWorkerSet itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import versions
from ..errors import RenderRefused
from ..render.writer import safe_dump
from .base import (
    MOONCAKE_NEEDS_RDMA,
    Engine,
    GeneratedName,
    IngressSource,
    generic,
    model_object_name,
    native,
    no,
)

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..render.context import RenderContext
    from ..render.result import Endpoint, Install, ObjectPatch
    from ..spec.loader import SourceDoc
    from ..spec.model import Model, Stack

ROUTER_ONLY = ("Kthena v1.0.0 serves ModelRoutes through kthena-router only (in Gateway API mode the router "
               "is itself the Gateway implementation)")

CAPABILITIES = {
    "runtime:vllm": native("ModelServer inferenceEngine: vLLM"),
    "runtime:sglang": native("ModelServer inferenceEngine: SGLang (P/D through kthena-router's SGLang bootstrap connector)"),
    "runtime:simulator": generic("simulator image in the ModelServing entry template, served as vLLM"),
    "multi-replica": native("ModelServing spec.replicas (serving groups)"),
    "multi-node": native("role workerReplicas: entry + worker templates wired with ENTRY_ADDRESS / WORKER_INDEX"),
    "disaggregation": native("prefill and decode roles; ModelServer workloadSelector.pdGroup"),
    "kv-connector:nixl": native("ModelServer kvConnector.type: nixl + vLLM NixlConnector"),
    "kv-connector:lmcache": no("LMCache P/D needs LMCache's own transfer settings (PD role, channel, peers), which "
                               "inferstack does not render, and the v1.0.0 router hands lmcache off as plain HTTP"),
    "kv-connector:mooncake": MOONCAKE_NEEDS_RDMA,
    "lora": native("ModelRoute loraAdapters; the engine loads the adapters itself (--lora-modules / --lora-paths)"),
    "autoscaling": native("AutoscalingPolicy with a homogeneousTarget on the ModelServing (serving groups)"),
    "autoscaling-metric:kv-cache-usage": native("AutoscalingPolicy pod metric source: KV-cache usage gauge of the engine pods"),
    "autoscaling-metric:queue-depth": native("AutoscalingPolicy pod metric source: waiting-requests gauge of the engine pods"),
    "autoscaling-metric:requests-per-second": native(
        "AutoscalingPolicy prometheus metric source: request rate from the stack's Prometheus (observability.prometheus)"),
    "autoscaling-metric:gpu-utilization": no(
        "Kthena scales on engine-pod metrics or a Prometheus query; the stack has no per-pod GPU-utilization series"),
    "kv-offload": generic("vLLM kv-transfer-config LMCacheConnectorV1 in the engine args"),
    "prefix-caching-off": generic("engine flag in the ModelServing templates"),
    "routing:round-robin": no("kthena-router schedules by plugin scores (least-request, prefix-cache, ...); it has no round-robin"),
    "routing:least-request": native("kthena-router least-request filter and score (router-wide scheduler configuration)"),
    "routing:prefix-cache": native("kthena-router prefix-cache score, least-request as tie-break (router-wide configuration)"),
    "routing:kv-cache-aware": no("kthena-router's kvcache-aware plugin needs Redis and engine KV events, which the stack does not run"),
    "routing:pd": native("ModelServer pdGroup pairing of prefill and decode pods"),
    "source:hf": native("engine loads hf:// models by id"),
    "source:s3": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:gs": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:pvc": generic("PVC mounted into the entry and worker templates"),
    "token-secret": generic("secretKeyRef env in the model-server containers"),
    "model-cache": generic("model-cache PVC mounted into the entry and worker templates"),
    "volcano": native("ModelServing schedulerName: volcano, queue annotation, PodGroups per serving group"),
    "volcano-topology": native("ModelServing template.networkTopology groupPolicy/rolePolicy"),
    "gateway:engine-native": native("kthena-router"),
    "gateway:envoy-gateway": no(ROUTER_ONLY),
    "gateway:istio": no(ROUTER_ONLY),
    "gateway:agentgateway": no(ROUTER_ONLY),
    "gateway:kgateway": no(ROUTER_ONLY),
    "gateway:envoy-ai-gateway": no(ROUTER_ONLY),
    "gateway-tls": no("kthena-router v1.0.0 serves TLS only from a certificate its chart issues through cert-manager, not from an existing Secret"),
    "gateway-hostname": no("kthena-router matches requests by model name, not by host"),
}

NAMESPACE = "kthena-system"
COMPONENT = "engine"
ROUTER = "kthena-router"  # the chart's router Service, Deployment and ConfigMap name
ROUTER_CONFIG = "kthena-router-config"
# The router reads its ConfigMap (mounted with subPath, so never refreshed) once at start-up: a
# pod-template annotation carrying the configuration's hash rolls it when the configuration changes.
ROUTER_CONFIG_HASH_ANNOTATION = "inferstack.dev/router-config-sha256"
ROUTER_PORT = 80  # the chart's Service port (v1.0.0 has no value for it)
ROUTER_CONTAINER_PORT = 8080  # networking.kthenaRouter.port
ENGINE_PORT = 8000
ENDPOINT_NOTE = ("kthena-router lists a model on GET /v1/models once its ModelRoute exists, before the "
                 "ModelServing's pods are ready: a completion answering 200 shows it is served (the benchmark "
                 "preflight waits for one)")
MIN_VOLCANO = (1, 14)  # PodGroup subGroupPolicy: role-level gang and rolePolicy topology

# Labels and env the ModelServing controller puts on the pods it creates.
NAME_LABEL = "modelserving.volcano.sh/name"
GROUP_LABEL = "modelserving.volcano.sh/group-name"
ROLE_LABEL = "modelserving.volcano.sh/role"
ENTRY_LABEL = "modelserving.volcano.sh/entry"
QUEUE_ANNOTATION = "scheduling.volcano.sh/queue-name"
ENTRY_ADDRESS = "$(ENTRY_ADDRESS)"
WORKER_INDEX = "$(WORKER_INDEX)"

SERVER_ROLE = "server"
MAX_ROLE_NAME = 12
MAX_ROLES = 4
MAX_LORA_ADAPTERS = 10  # ModelRoute spec.loraAdapters maxItems

CRDS = (  # version-catalogue bundle -> the kind it registers
    ("kthena-crd-modelservings", "workload.serving.volcano.sh/ModelServing"),
    ("kthena-crd-autoscalingpolicies", "workload.serving.volcano.sh/AutoscalingPolicy"),
    ("kthena-crd-modelboosters", "workload.serving.volcano.sh/ModelBooster"),
    ("kthena-crd-modelservers", "networking.serving.volcano.sh/ModelServer"),
    ("kthena-crd-modelroutes", "networking.serving.volcano.sh/ModelRoute"),
)
API_GROUPS = ("workload.serving.volcano.sh/*", "networking.serving.volcano.sh/*")

INFERENCE_ENGINE = {"vllm": "vLLM", "sglang": "SGLang", "simulator": "vLLM"}
# spec autoscaling metric -> runtime -> the series the engine exposes (the simulator speaks vLLM's)
METRIC_SERIES = {
    "kv-cache-usage": {"vllm": "vllm:kv_cache_usage_perc", "simulator": "vllm:kv_cache_usage_perc",
                       "sglang": "sglang:token_usage"},
    "queue-depth": {"vllm": "vllm:num_requests_waiting", "simulator": "vllm:num_requests_waiting",
                    "sglang": "sglang:num_queue_reqs"},
    "requests-per-second": {"vllm": "vllm:request_success_total", "simulator": "vllm:request_success_total",
                            "sglang": "sglang:num_requests_total"},
}
RATE_WINDOW = "1m"
# router-wide scheduler plugins per routing strategy (auto keeps the chart's default configuration)
ROUTER_SCORES = {
    "least-request": (("least-request", 1),),
    "prefix-cache": (("prefix-cache", 2), ("least-request", 1)),
}
ROUTER_PLUGIN_ARGS = {
    "least-request": {"maxWaitingRequests": 10},
    "prefix-cache": {"blockSizeToHash": 64, "maxBlocksToMatch": 128, "maxHashCacheSize": 50000, "topKMatches": 5},
}
SGLANG_TRANSFER_BACKENDS = ("nixl",)


@dataclass(frozen=True)
class RolePlan:
    """One ModelServing role: its name, replicas per serving group and GPUs per pod."""

    name: str
    replicas: int
    worker_replicas: int
    parallelism_gpus: int
    disaggregated: bool

    @property
    def gpus_per_pod(self) -> int:
        return self.parallelism_gpus // (self.worker_replicas + 1)


def role_plans(model: Model) -> list[RolePlan]:
    workers = model.nodes_per_replica - 1
    d = model.disaggregation
    if not d:
        return [RolePlan(SERVER_ROLE, 1, workers, model.parallelism.gpus, False)]
    return [RolePlan("prefill", d.prefill.replicas, workers, d.prefill.parallelism.gpus, True),
            RolePlan("decode", d.decode.replicas, workers, d.decode.parallelism.gpus, True)]


def serving_group_bound(model: Model) -> int:
    """The most serving groups the ModelServing can have (its webhook checks names at spec.replicas)."""
    return model.max_replicas


def webhook_pod_name(ms: str, model: Model, role: RolePlan) -> str:
    """Kthena's webhook requires <ms>-<replicas>-<role>-<roleReplicas>-<workerReplicas> to be a DNS-1035 label."""
    return f"{ms}-{serving_group_bound(model)}-{role.name}-{role.replicas}-{role.worker_replicas}"


def volcano_version() -> tuple[int, ...]:
    return tuple(int(p) for p in versions.chart("volcano")["version"].lstrip("v").split("."))


def scheduler_name(stack: Stack) -> str:
    """`volcano` only when the stack installs Volcano; upstream's default (`volcano`) leaves pods Pending otherwise."""
    if stack.scheduler == "volcano" and stack.volcano:
        if volcano_version()[:2] < MIN_VOLCANO:
            raise RenderRefused(f"Kthena's role gang/topology needs Volcano >= {'.'.join(map(str, MIN_VOLCANO))}; "
                             f"the catalogue pins {versions.chart('volcano')['version']}")
        return "volcano"
    return "default-scheduler"


def network_topology(stack: Stack) -> dict[str, Any] | None:
    """groupPolicy/rolePolicy from the spec: one serving group (and each role replica in it) stays within highestTier."""
    nt = stack.volcano.network_topology if stack.scheduler == "volcano" and stack.volcano else None
    if not nt:
        return None
    return {"mode": nt.mode, "highestTierAllowed": nt.tier_index(nt.highest_tier)}


def router_strategy(stack: Stack) -> str | None:
    """The stack-wide kthena-router strategy (least-request | prefix-cache), None for the chart default."""
    chosen = [m.routing for m in stack.models if m.routing in ROUTER_SCORES]
    return chosen[0] if chosen else None


def router_configuration(strategy: str) -> str:
    scores = ROUTER_SCORES[strategy]
    used = ["least-request"] + [name for name, _ in scores if name != "least-request"]
    config = {"scheduler": {
        "pluginConfig": [{"name": name, "args": ROUTER_PLUGIN_ARGS[name]} for name in used],
        "plugins": {
            "Filter": {"enabled": ["least-request"], "disabled": ["lora-affinity"]},
            "Score": {"enabled": [{"name": name, "weight": weight} for name, weight in scores]},
        },
    }}
    return safe_dump(config, sort_keys=False)


def router_config_data(stack: Stack) -> dict[str, str] | None:
    """The `data` inferstack patches into the router ConfigMap; None leaves the chart's own configuration."""
    strategy = router_strategy(stack)
    return {"routerConfiguration": router_configuration(strategy)} if strategy else None


def config_digest(data: dict[str, str] | None) -> str:
    """sha256 of the canonical JSON of the ConfigMap data (`null` for the chart's own configuration)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def router_url(stack: Stack) -> str:
    port = "" if stack.gateway_port == ROUTER_PORT else f":{stack.gateway_port}"
    return f"http://{ROUTER}.{NAMESPACE}.svc.cluster.local{port}"


def quantity(value: Decimal) -> str:
    """A Kubernetes quantity without float noise or exponent notation."""
    return format(value.normalize(), "f")


def prometheus_url() -> str:
    from ..components import observability

    # kube-prometheus-stack names its Prometheus Service <release>-prometheus
    return f"http://kube-prometheus-stack-prometheus.{observability.NAMESPACE}.svc.cluster.local:9090"


class Kthena(Engine):
    # --- validation ------------------------------------------------------------------
    def generated_names(self, stack: Stack) -> list[GeneratedName]:
        names = []
        for m in stack.models:
            ms = model_object_name(stack, m)
            path = ("spec", "models", m.index, "name")
            names.append(GeneratedName(ms, "ModelServing name", path))
            for role in role_plans(m):
                names.append(GeneratedName(webhook_pod_name(ms, m, role),
                                           "Kthena pod name <ms>-<replicas>-<role>-<roleReplicas>-<workerReplicas>", path))
        return names

    def constraints(self, stack: Stack, doc: SourceDoc) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        if not stack.name[:1].isalpha():
            out.append(doc.diag(("metadata", "name"), "INF302",
                                f"Kthena's webhook requires its generated pod names to be DNS-1035 labels; "
                                f"{stack.name!r} does not start with a letter",
                                "start metadata.name with a letter"))
        for m in stack.models:
            out.extend(self._model_constraints(stack, m, doc))
        out.extend(self._routing_constraints(stack, doc))
        return out

    def _model_constraints(self, stack: Stack, m: Model, doc: SourceDoc) -> list[Diagnostic]:
        base = ("spec", "models", m.index)
        out = []
        if m.lora and len(m.lora.adapters) > MAX_LORA_ADAPTERS:
            out.append(doc.diag(base + ("lora", "adapters"), "INF302",
                                f"a Kthena ModelRoute routes at most {MAX_LORA_ADAPTERS} LoRA adapters; "
                                f"this model has {len(m.lora.adapters)}",
                                f"keep {MAX_LORA_ADAPTERS} adapters or fewer"))
        if m.lora and m.runtime in ("vllm", "sglang"):
            for i, a in enumerate(m.lora.adapters):
                if not a.uri.startswith("hf://"):
                    out.append(doc.diag(base + ("lora", "adapters", i, "uri"), "INF302",
                                        f"Kthena v1.0.0 routes LoRA adapters but does not load them; {m.runtime} "
                                        f"loads adapters at start-up from Hugging Face ids only, not {a.uri.split('://')[0]}://",
                                        "publish the adapter on Hugging Face (hf://), or use an engine with an adapter loader"))
        d = m.disaggregation
        if d and m.runtime == "sglang" and d.kv_connector not in SGLANG_TRANSFER_BACKENDS:
            out.append(doc.diag(base + ("disaggregation", "kvConnector"), "INF302",
                                f"SGLang's disaggregation transfer backends are {', '.join(SGLANG_TRANSFER_BACKENDS)}; "
                                f"not {d.kv_connector}",
                                f"use kvConnector {' or '.join(SGLANG_TRANSFER_BACKENDS)}, or runtime vllm"))
        if m.autoscaling and m.autoscaling.metric == "requests-per-second" and not stack.prometheus:
            out.append(doc.diag(base + ("autoscaling", "metric"), "INF302",
                                "Kthena reads a request rate from Prometheus (engine pods expose only a request counter); "
                                "this stack runs no Prometheus",
                                "set observability.prometheus: true, or scale on kv-cache-usage or queue-depth"))
        return out

    def _routing_constraints(self, stack: Stack, doc: SourceDoc) -> list[Diagnostic]:
        chosen = router_strategy(stack)
        out = []
        for m in stack.models:
            if m.routing in ROUTER_SCORES and m.routing != chosen:
                out.append(doc.diag(("spec", "models", m.index, "routing", "strategy"), "INF302",
                                    f"kthena-router has one scheduler configuration for all models; "
                                    f"another model already asks for {chosen}",
                                    f"use {chosen} or auto for every model of this stack"))
        return out

    # --- rendering ---------------------------------------------------------------------
    def render_platform(self, ctx: RenderContext) -> None:
        from ..render.result import Install

        scheduler_name(ctx.stack)  # fails early if the catalogue's Volcano cannot run Kthena's gang/topology
        for bundle, kind in CRDS:
            b = versions.bundle(bundle)
            ctx.install(Install(name=bundle, component=COMPONENT, method="manifest", version=b["version"], url=b["url"],
                                server_side=True, provides=(kind,)))
        ctx.install(chart_install(ctx.stack))
        ctx.note("kthena: do not run the LeaderWorkerSet controller in this cluster: Kthena's ModelServing "
                 "controller converts every LeaderWorkerSet itself")
        ctx.note("kthena: kthena-router matches ModelRoute modelName across all namespaces: serve each model "
                 "name from one stack per cluster")

    def render_model(self, ctx: RenderContext, model: Model) -> None:
        component = f"model/{model.name}"
        name = model_object_name(ctx.stack, model)
        labels = ctx.model_labels(model)
        annotations = {}
        if ctx.stack.scheduler == "volcano" and ctx.stack.volcano:
            annotations[QUEUE_ANNOTATION] = ctx.stack.volcano.queue_name
        plans = role_plans(model)
        ctx.render("kthena/modelserving.yaml.j2", component, "30-models",
                   name=name, namespace=ctx.namespace, labels=labels, annotations=annotations,
                   scheduler_name=scheduler_name(ctx.stack), replicas=model.fixed_replicas,
                   min_role_replicas=min_role_replicas(plans), network_topology=network_topology(ctx.stack),
                   roles=[role_template(ctx, model, plan) for plan in plans])
        d = model.disaggregation
        ctx.render("kthena/modelserver.yaml.j2", component, "30-models",
                   name=name, namespace=ctx.namespace, labels=labels, served_name=model.name,
                   inference_engine=INFERENCE_ENGINE[model.runtime],
                   match_labels={NAME_LABEL: name, ENTRY_LABEL: "true"},
                   pd_group={"groupKey": GROUP_LABEL, "prefillLabels": {ROLE_LABEL: "prefill"},
                             "decodeLabels": {ROLE_LABEL: "decode"}} if d else None,
                   port=ENGINE_PORT,
                   # SGLang P/D uses the router's SGLang bootstrap connector, chosen when no kvConnector is set
                   kv_connector=d.kv_connector if d and model.runtime != "sglang" else None)
        ctx.render("kthena/modelroute.yaml.j2", component, "30-models",
                   name=name, namespace=ctx.namespace, labels=labels, model_name=model.name,
                   lora_adapters=list(model.adapter_names), model_server=name)
        if model.autoscaling:
            ctx.render("kthena/autoscalingpolicy.yaml.j2", component, "30-models",
                       name=name, namespace=ctx.namespace, labels=labels, model_serving=name,
                       **autoscaling_vars(ctx, model, name))

    def endpoints(self, ctx: RenderContext, model: Model) -> list[Endpoint]:
        from ..render.result import Endpoint

        url = router_url(ctx.stack)
        return [Endpoint(model=name, base_url=url, served_by=model.name, note=ENDPOINT_NOTE)
                for name in (model.name, *model.adapter_names)]

    def ingress_sources(self, ctx: RenderContext) -> list[IngressSource]:
        # kthena-router proxies every request; kthena's controllers read model-server metrics (autoscaling)
        return [IngressSource(NAMESPACE, "kthena-router and kthena's controllers")]

    def metrics_targets(self, ctx: RenderContext) -> list:
        from ..components.observability import MetricsTarget, default_model_targets

        router = MetricsTarget(ctx.name(ROUTER), NAMESPACE, {"app.kubernetes.io/component": ROUTER}, "http",
                               service=True)
        return [*default_model_targets(ctx), router]


# --- control plane -----------------------------------------------------------------------


def chart_install(stack: Stack) -> Install:
    from ..render.result import Install

    chart = versions.chart("kthena")
    tag = chart["version"]  # the release pipeline tags every Kthena image with the chart version
    values = {
        "workload": {"controllerManager": {"image": {"tag": tag}, "downloaderImage": {"tag": tag},
                                           "runtimeImage": {"tag": tag}}},
        "networking": {"kthenaRouter": {"image": {"tag": tag}}},
    }
    return Install(
        name="kthena", component=COMPONENT, method="helm", version=tag, namespace=NAMESPACE,
        repo=chart["repo"], chart=chart["chart"], values=values,
        # the chart's admission webhooks (failurePolicy: Fail) must serve before any Kthena object is created
        provides=API_GROUPS,
        patches=router_patches(stack),
        note="wait for the kthena-controller-manager-webhook and kthena-router-webhook Services before "
             "creating Kthena objects (their webhooks fail closed)",
    )


def router_patches(stack: Stack) -> tuple[ObjectPatch, ...]:
    """Router settings chart v1.0.0 has no value for: Service type and port, scheduler plugins, and the
    pod-template annotation that restarts the router when its scheduler plugins change."""
    from ..render.result import ObjectPatch

    patches = []
    service: dict[str, Any] = {}
    reasons = []
    if stack.provider == "kind":
        service["type"] = "ClusterIP"
        reasons.append("kind has no load balancer (the chart hard-codes type LoadBalancer)")
    if stack.gateway_port != ROUTER_PORT:
        service["ports"] = [{"name": "http", "port": stack.gateway_port, "targetPort": ROUTER_CONTAINER_PORT,
                             "protocol": "TCP"}]
        reasons.append(f"gateway.port {stack.gateway_port} (the chart hard-codes port {ROUTER_PORT})")
    if service:
        patches.append(ObjectPatch("v1", "Service", ROUTER, {"spec": service}, NAMESPACE, "; ".join(reasons)))
    strategy = router_strategy(stack)
    config = router_config_data(stack)
    if config is not None:
        patches.append(ObjectPatch("v1", "ConfigMap", ROUTER_CONFIG, {"data": config}, NAMESPACE,
                                   f"routing strategy {strategy} (the chart hard-codes the scheduler plugins)"))
    patches.append(ObjectPatch(
        "apps/v1", "Deployment", ROUTER,
        {"spec": {"template": {"metadata": {"annotations": {ROUTER_CONFIG_HASH_ANNOTATION: config_digest(config)}}}}},
        NAMESPACE, "kthena-router reads its scheduler configuration only at start-up: a change of "
                   f"{ROUTER_CONFIG} (or back to the chart's own) must restart it"))
    return tuple(patches)


# --- model objects -----------------------------------------------------------------------


def min_role_replicas(plans: list[RolePlan]) -> dict[str, int]:
    """One replica of every role must be placed together. Immutable upstream, so it depends on the
    role names only: changing role replicas never needs a new ModelServing."""
    return {plan.name: 1 for plan in plans}


def role_template(ctx: RenderContext, model: Model, plan: RolePlan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "replicas": plan.replicas,
        "worker_replicas": plan.worker_replicas,
        "pod_labels": ctx.model_labels(model),
        "entry_spec": pod_spec(ctx, model, plan, entry=True),
        "worker_spec": pod_spec(ctx, model, plan, entry=False) if plan.worker_replicas else None,
    }


def pod_spec(ctx: RenderContext, model: Model, plan: RolePlan, entry: bool) -> dict[str, Any]:
    from ..components import runtime

    placement = ctx.placement(model, gpus=plan.gpus_per_pod)
    multinode = None
    if plan.worker_replicas:
        multinode = runtime.MultiNode(nodes=plan.worker_replicas + 1, leader_address=ENTRY_ADDRESS,
                                      rank="0" if entry else WORKER_INDEX, leader=entry)
    role = plan.name if plan.disaggregated else None
    kv_role = {"prefill": "kv_producer", "decode": "kv_consumer"}.get(plan.name) if role else None
    opts = runtime.ServerOptions(port=ENGINE_PORT, role=role, kv_role=kv_role, multinode=multinode)
    container = runtime.container(model, placement, opts=opts)
    if not entry:  # workers serve no HTTP: no port for the router or monitors, no probes
        for key in ("ports", "readinessProbe", "startupProbe"):
            container.pop(key, None)
    spec = runtime.pod_spec(model, placement, [container], ctx.stack.name)
    # Kthena forces the ModelServing's schedulerName onto every pod; keep the templates saying the same
    spec.pop("schedulerName", None)
    return {"schedulerName": scheduler_name(ctx.stack), **spec}


def autoscaling_vars(ctx: RenderContext, model: Model, name: str) -> dict[str, Any]:
    a = model.autoscaling
    series = METRIC_SERIES[a.metric][model.runtime]
    d = model.disaggregation
    # decode pods hold the KV cache and finish every request; prefill pods would count a request twice
    role_selector = {ROLE_LABEL: "decode"} if d else {}
    target = Decimal(str(a.target))
    if a.metric == "requests-per-second":
        pods = f"{name}-[0-9]+-{'decode' if d else SERVER_ROLE}-[0-9]+-0"
        query = (f'sum(rate({series}{{namespace="{ctx.namespace}",pod=~"{pods}"}}[{RATE_WINDOW}]))')
        source: dict[str, Any] = {"prometheus": {"serverURL": prometheus_url(), "query": query}}
    else:
        pod: dict[str, Any] = {"name": series, "port": ENGINE_PORT, "uri": "/metrics"}
        if role_selector:
            pod["labelSelector"] = {"matchLabels": role_selector}
        source = {"pod": pod}
        # Kthena sums the gauge over the selected entry pods and divides by the target per serving
        # group: a group with several decode pods has that many times the per-pod target.
        if d:
            target *= d.decode.replicas
    return {"metric": a.metric, "target_value": quantity(target), "min_replicas": a.min_replicas,
            "max_replicas": a.max_replicas, "metric_source": source}


ENGINE = Kthena(
    name="kthena",
    title="Kthena",
    version="v1.0.0",
    summary="Volcano-native LLM serving: ModelServing with roles, gang and network-topology scheduling, kthena-router.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/volcano-sh/kthena",
)
