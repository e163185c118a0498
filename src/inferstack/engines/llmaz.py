"""llmaz v0.1.4 (chart 0.0.10): OpenModel + inference Service (or Playground) over LeaderWorkerSet.

Per model inferstack renders a cluster-scoped `OpenModel` and, in the model namespace, either
- an `inference.llmaz.io` `Service` with a full LeaderWorkerSet template (container `model-runner`):
  the default, because only a pod template can carry the node selector, tolerations, scheduler
  and volumes that keep pods on the model's pool; or
- a `Playground` plus its own `BackendRuntime`, when `playground_is_safe` proves that pods land
  on the declared pool without any of those (a Playground has no pod-template fields).
llmaz's controller turns either into a LeaderWorkerSet and the `<name>-lb` Service on port 8080.
One pod per replica: llmaz starts every LeaderWorkerSet with startupPolicy LeaderReady, which
deadlocks a multi-node vLLM/SGLang group (see NO_MULTI_NODE).
With `gateway.implementation: envoy-ai-gateway` every model also gets an Envoy Gateway `Backend`,
an `AIServiceBackend` and an `AIGatewayRoute` keyed on the `x-ai-eg-model` header (v1.1.0 API).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import versions
from ..components import autoscaling, lws
from ..components import runtime as rt
from ..render.result import Endpoint, Install
from .base import Engine, GeneratedName, generic, model_object_name, native, no

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..render.context import Placement, RenderContext
    from ..spec.loader import SourceDoc
    from ..spec.model import Model, Stack

NAMESPACE = "llmaz-system"  # the controller looks its global ConfigMap up there (--namespace=llmaz-system)
RUNNER = "model-runner"  # the service webhook rejects a worker template without it
PORT = 8080  # <name>-lb always targets 8080
SKIP_LOADER = "llmaz.io/skip-model-loader"
MODEL_NAME_LABEL = "llmaz.io/model-name"
FAMILY_LABEL = "llmaz.io/model-family-name"
MODEL_HUBS = {"hf": "Huggingface"}  # OpenModel source.modelHub.name enum: Huggingface | ModelScope
OBJECT_STORES = ("s3", "gs")  # OpenModel source.uri schemes inferstack maps (the webhook also takes oss, ollama, host)
HUB_TOKEN_ENV = "HUGGING_FACE_HUB_TOKEN"  # llmaz injects it (and HF_TOKEN) from modelhub-secret when absent
MODEL_HEADER = "x-ai-eg-model"
REQUEST_TIMEOUT = "300s"  # Envoy AI Gateway's default of 60s cuts long generations
STATEFULSET_NAME_LIMIT = 52  # the controller-revision-hash label appends 11 characters

# llmaz's chart bundles its own LWS (0.6.1), Envoy Gateway (v1.4.0), Envoy AI Gateway (v0.1.5) and
# Open WebUI; inferstack installs the pinned LWS and gateways itself, so the bundled copies stay off.
# The chart's BackendRuntimes (vLLM v0.7.3, ollama:latest, ...) are unused: Playgrounds get their own.
CHART_VALUES = {
    "leaderWorkerSet": {"enabled": False},
    "envoy-gateway": {"enabled": False},
    "envoy-ai-gateway": {"enabled": False},
    "open-webui": {"enabled": False},
    "kube-scheduler": {"enabled": False},
    "prometheus": {"enabled": False},
    "backendRuntime": {"enabled": False},
}

NO_PD = "llmaz v0.1.4 has no prefill/decode split"
# service_controller.go hard-codes it; LWS creates a group's workers only once its leader pod is Ready
NO_MULTI_NODE = ("llmaz v0.1.4 starts every LeaderWorkerSet with startupPolicy LeaderReady, so workers are created "
                 "only after the leader is Ready, while a multi-node vLLM/SGLang leader serves HTTP (and passes its "
                 "readiness probe) only after every worker rank has joined: the group never starts")
NO_POLICY = ("llmaz v0.1.4 balances through the <name>-lb ClusterIP Service: kube-proxy picks a replica per "
             "connection, with no request-level policy to choose")
ADAPTER_METRIC = "HPA pods metric {name} served by prometheus-adapter (needs observability.prometheus)"

CAPABILITIES = {
    "runtime:vllm": native("vLLM in the model-runner container (inference Service template or Playground BackendRuntime)"),
    "runtime:sglang": native("SGLang in the model-runner container (inference Service template or Playground BackendRuntime)"),
    "runtime:simulator": generic("the simulator image in the model-runner container, with llmaz.io/skip-model-loader"),
    "multi-replica": native("inference Service / Playground replicas (one LeaderWorkerSet group each)"),
    "multi-node": no(NO_MULTI_NODE),
    "disaggregation": no(NO_PD),
    "kv-connector:nixl": no(NO_PD),
    "kv-connector:lmcache": no(NO_PD),
    "kv-connector:mooncake": no(NO_PD),
    "lora": no("llmaz v0.1.4 has no LoRA adapter support (OpenModel claims one model, or a main and a draft model)"),
    "autoscaling": native("Playground elasticConfig (llmaz's HPA trigger); on the inference Service path an "
                          "autoscaling/v2 HPA on the Service's scale subresource"),
    "autoscaling-metric:kv-cache-usage": generic(ADAPTER_METRIC.format(name="vllm_kv_cache_usage_perc / sglang_token_usage")),
    "autoscaling-metric:queue-depth": generic(ADAPTER_METRIC.format(name="vllm_num_requests_waiting / sglang_num_queue_reqs")),
    "autoscaling-metric:requests-per-second": generic(ADAPTER_METRIC.format(name="the rate of completed requests")),
    "autoscaling-metric:gpu-utilization": no("GPU utilization comes from DCGM per node, not per model-server pod"),
    "kv-offload": generic("LMCache engine arguments and environment in the model-runner container (vLLM only)"),
    "prefix-caching-off": generic("engine arguments in the model-runner container"),
    "routing:round-robin": no(NO_POLICY),
    "routing:least-request": no(NO_POLICY),
    "routing:prefix-cache": no(NO_POLICY),
    "routing:kv-cache-aware": no(NO_POLICY),
    "routing:pd": no(NO_PD),
    "source:hf": native("OpenModel source.modelHub (name Huggingface, modelID, revision); the engine downloads it"),
    "source:s3": native("OpenModel source.uri s3:// with llmaz.io/skip-model-loader; vLLM streams it"),
    "source:gs": native("OpenModel source.uri gs:// with llmaz.io/skip-model-loader; vLLM streams it"),
    "source:pvc": no("an OpenModel source is a model hub or an oss/s3/gs/ollama/host URI; a PVC cannot be declared"),
    "token-secret": generic("HF_TOKEN and HUGGING_FACE_HUB_TOKEN from the Secret in the model-runner container "
                            "(llmaz's own convention is the fixed Secret modelhub-secret)"),
    "model-cache": generic("the cache PVC mounted in the inference Service's pod template (HF_HOME)"),
    "volcano": generic("schedulerName volcano in the inference Service's pod templates; Volcano makes one PodGroup "
                       "per owning StatefulSet"),
    "volcano-topology": generic("Volcano network-topology pod annotations, copied to those PodGroups (soft mode "
                                "only: see the INF302 check)"),
    "gateway:engine-native": native("the <name>-lb Service llmaz creates for each inference Service (port 8080)"),
    "gateway:envoy-gateway": no("llmaz fronts models with Envoy AI Gateway (AIGatewayRoute on the model header), "
                                "not plain Envoy Gateway"),
    "gateway:istio": no("llmaz v0.1.4 integrates no Istio routing"),
    "gateway:agentgateway": no("llmaz v0.1.4 integrates no agentgateway routing"),
    "gateway:kgateway": no("llmaz v0.1.4 integrates no kgateway routing"),
    "gateway:envoy-ai-gateway": native("AIGatewayRoute matching x-ai-eg-model -> AIServiceBackend -> Envoy Gateway "
                                       "Backend for <name>-lb:8080 (Envoy AI Gateway v1.1.0 API)"),
    "gateway-tls": generic("an HTTPS listener on the Envoy AI Gateway Gateway (envoy-ai-gateway only)"),
    "gateway-hostname": generic("Gateway listener hostname and AIGatewayRoute hostnames (envoy-ai-gateway only)"),
}


# --- names --------------------------------------------------------------------------------


def object_name(stack: Stack, model: Model) -> str:
    """OpenModel, Playground/Service, BackendRuntime, LeaderWorkerSet: `<stack>-<model>`.

    Never derived from the weights' name (`Qwen2.5-0.5B` has dots, which llmaz's webhooks reject:
    every llmaz name must be a DNS-1123 label). OpenModel and BackendRuntime are cluster-scoped,
    so the stack name keeps two stacks' models apart.
    """
    return model_object_name(stack, model)


def lb_service_name(stack: Stack, model: Model) -> str:
    return f"{object_name(stack, model)}-lb"


def lb_host(stack: Stack, model: Model) -> str:
    return f"{lb_service_name(stack, model)}.{stack.namespace}.svc.cluster.local"


def _max_replicas(model: Model) -> int:
    return model.max_replicas


# --- where a model runs -------------------------------------------------------------------


def playground_is_safe(stack: Stack, model: Model) -> bool:
    """True when a Playground (no node selector, tolerations, scheduler or volumes) still puts
    every pod on the model's pool with everything the spec asks for.

    Only on kind: the spec lists every node there, and kind taints its control plane whenever
    the cluster has workers; with a single untainted pool every schedulable node is that pool's.
    Cloud and existing clusters have nodes the spec does not list (system pools, other teams').
    """
    pool = stack.pool(model.node_pool)
    return (
        stack.provider == "kind"
        and len(stack.node_pools) == 1
        and not pool.taints
        and not pool.labels  # extra node labels are a selection intent only a node selector honours
        and stack.scheduler == "default"
        and model.cache is None
        and model.source_scheme != "pvc"
    )


# --- model-runner container ------------------------------------------------------------------


def _runner_env(model: Model, opts: rt.ServerOptions) -> list[dict[str, Any]]:
    env = rt.env(model, opts)
    if model.token_secret and not any(e["name"] == HUB_TOKEN_ENV for e in env):
        ref = {"secretKeyRef": {"name": model.token_secret.name, "key": model.token_secret.key}}
        env.append({"name": HUB_TOKEN_ENV, "valueFrom": ref})
    return env


def runner_container(model: Model, placement: Placement) -> dict[str, Any]:
    opts = rt.ServerOptions(port=PORT)
    container = rt.container(model, placement, name=RUNNER, opts=opts)
    container["env"] = _runner_env(model, opts)
    if not container["env"]:
        del container["env"]
    return container


def pod_template(ctx: RenderContext, model: Model) -> dict[str, Any]:
    placement = ctx.placement(model)
    metadata: dict[str, Any] = {"labels": ctx.model_labels(model)}
    if placement.annotations:
        metadata["annotations"] = dict(placement.annotations)
    spec = rt.pod_spec(model, placement, [runner_container(model, placement)], ctx.stack.name)
    return {"metadata": metadata, "spec": spec}


def split_image(ref: str) -> tuple[str, str]:
    """A BackendRuntime's (image, version); llmaz joins them back as image:version.

    Splitting at the last colon after the last slash keeps registry ports and digests intact
    (`repo@sha256:abc` -> (`repo@sha256`, `abc`) joins back to the same reference).
    """
    colon, slash = ref.rfind(":"), ref.rfind("/")
    if colon > slash:
        return ref[:colon], ref[colon + 1:]
    return ref, "latest"


# --- OpenModel ---------------------------------------------------------------------------------


def model_source(model: Model) -> dict[str, Any]:
    """Exactly one of modelHub or uri, as the OpenModel webhook requires."""
    if model.source_scheme in MODEL_HUBS:
        hub: dict[str, Any] = {"name": MODEL_HUBS[model.source_scheme], "modelID": model.source_path}
        if model.revision:
            hub["revision"] = model.revision
        return {"modelHub": hub}
    return {"uri": model.uri}


def elastic_config(model: Model) -> dict[str, Any] | None:
    """Playground autoscaling: llmaz creates an HPA from it, on the same adapter-served pod metric."""
    a = model.autoscaling
    if not a:
        return None
    metric = {"type": "Pods", "pods": {"metric": {"name": autoscaling.metric(model).api_name},
                                       "target": {"type": "AverageValue", "averageValue": autoscaling.quantity(a.target)}}}
    return {"minReplicas": a.min_replicas, "maxReplicas": a.max_replicas, "scaleTrigger": {"hpa": {"metrics": [metric]}}}


def flavors(ctx: RenderContext, model: Model) -> list[dict[str, Any]]:
    """One flavor named after the pool with the GPUs of one pod (llmaz copies its limits into the runner)."""
    placement = ctx.placement(model)
    if not (placement.gpu_resource and placement.gpus):
        return []
    return [{"name": model.node_pool, "limits": {placement.gpu_resource: str(placement.gpus)}}]


# --- the engine ---------------------------------------------------------------------------------


class Llmaz(Engine):
    def generated_names(self, stack: Stack) -> list[GeneratedName]:
        out = []
        for m in stack.models:
            path = ("spec", "models", m.index, "name")
            base = object_name(stack, m)
            out.append(GeneratedName(base, "llmaz LeaderWorkerSet (StatefulSet) name", path, STATEFULSET_NAME_LIMIT))
            out.append(GeneratedName(lb_service_name(stack, m), "llmaz <name>-lb Service name", path))
            out.append(GeneratedName(f"{base}-{_max_replicas(m) - 1}", "LeaderWorkerSet pod name", path))
        return out

    def constraints(self, stack: Stack, doc: SourceDoc) -> list[Diagnostic]:
        out = []
        engine_native = self.gateway(stack) == "engine-native"
        if engine_native and stack.gateway_hostname:
            out.append(doc.diag(("spec", "gateway", "hostname"), "INF302",
                                "llmaz's own front door is the <name>-lb ClusterIP Service, which has no hostname",
                                "set gateway.implementation: envoy-ai-gateway, or remove gateway.hostname"))
        if engine_native and stack.gateway_tls_secret:
            out.append(doc.diag(("spec", "gateway", "tls", "secretName"), "INF302",
                                "llmaz's own front door is the <name>-lb ClusterIP Service, which terminates no TLS",
                                "set gateway.implementation: envoy-ai-gateway, or remove gateway.tls"))
        problem = autoscaling.missing_prometheus_problem(stack)
        if problem:
            path = ("spec", "models", next(m.index for m in stack.models if m.autoscaling), "autoscaling")
            out.append(doc.diag(path, "INF302", problem, "set spec.observability.prometheus: true"))
        for m in stack.models:
            a = m.autoscaling
            if a and a.min_replicas == a.max_replicas and playground_is_safe(stack, m):
                out.append(doc.diag(("spec", "models", m.index, "autoscaling", "maxReplicas"), "INF302",
                                    "llmaz's elasticConfig needs minReplicas below maxReplicas",
                                    "raise maxReplicas, or drop autoscaling"))
        nt = stack.volcano.network_topology if stack.volcano else None
        if nt and nt.mode == "hard":
            spread = [m for m in stack.models if _max_replicas(m) > 1]
            for m in spread:
                out.append(doc.diag(("spec", "scheduling", "volcano", "networkTopology", "mode"), "INF302",
                                    f"llmaz runs model {m.name!r} as a LeaderWorkerSet, whose pods Volcano groups per "
                                    "StatefulSet (every replica's pod in one PodGroup): a hard topology would force "
                                    "all replicas into one tier domain",
                                    "use mode: soft with llmaz, or an engine with gang/topology fields (kthena)"))
                break
        return out

    # --- rendering ---------------------------------------------------------------------------
    def render_platform(self, ctx: RenderContext) -> None:
        ctx.install(lws.install())  # llmaz's controller watches LeaderWorkerSets from its start
        autoscaled = [m for m in ctx.stack.models if m.autoscaling]
        chart = versions.chart("llmaz")
        ctx.install(Install(
            name="llmaz", component="engine", method="helm", version=chart["version"], namespace=NAMESPACE,
            repo=chart["repo"], chart=chart["chart"], values=CHART_VALUES,
            provides=("llmaz.io/*", "inference.llmaz.io/*"),
            note="llmaz v0.1.4; its bundled LWS, Envoy Gateway, Envoy AI Gateway and Open WebUI are disabled",
        ))
        ctx.note("llmaz: the chart keeps its CRDs in crds/, so helm never upgrades or deletes them; "
                 "the inference Service CRD is 1.2 MB (apply it server-side when installing by hand)")
        if autoscaled:
            ctx.install(autoscaling.prometheus_adapter(autoscaled))

    def render_model(self, ctx: RenderContext, model: Model) -> None:
        component = f"model/{model.name}"
        name = object_name(ctx.stack, model)
        ctx.render("llmaz/openmodel.yaml.j2", component, "30-models", name=name,
                   labels={**ctx.labels(component), FAMILY_LABEL: model.name},
                   family=model.name, source=model_source(model), flavors=flavors(ctx, model))
        if playground_is_safe(ctx.stack, model):
            self._render_playground(ctx, model, component, name)
        else:
            self._render_service(ctx, model, component, name)
        if ctx.gateway == "envoy-ai-gateway":
            self._render_ai_gateway(ctx, model, component, name)

    def _workload_meta(self, ctx: RenderContext, component: str, name: str) -> dict[str, Any]:
        # the Playground webhook would add the model-name label; rendering it keeps applies idempotent
        return {"labels": {**ctx.labels(component), MODEL_NAME_LABEL: name},
                "annotations": {SKIP_LOADER: "true"}}

    def _claims(self, ctx: RenderContext, model: Model, name: str) -> dict[str, Any]:
        claims: dict[str, Any] = {"models": [{"name": name, "role": "main"}]}
        if flavors(ctx, model):
            claims["inferenceFlavors"] = [model.node_pool]
        return claims

    def _render_service(self, ctx: RenderContext, model: Model, component: str, name: str) -> None:
        ctx.render("llmaz/service.yaml.j2", component, "30-models", name=name, namespace=ctx.namespace,
                   **self._workload_meta(ctx, component, name),
                   model_claims=self._claims(ctx, model, name), replicas=model.fixed_replicas,
                   worker_template=pod_template(ctx, model))
        if model.autoscaling:
            autoscaling.render_hpa(ctx, model, name=name, component=component,
                                   target={"apiVersion": "inference.llmaz.io/v1alpha1", "kind": "Service", "name": name})

    def _render_playground(self, ctx: RenderContext, model: Model, component: str, name: str) -> None:
        placement = ctx.placement(model)
        container = runner_container(model, placement)
        image, version = split_image(container["image"])
        ctx.render("llmaz/backendruntime.yaml.j2", component, "30-models", name=name, labels=ctx.labels(component),
                   command=container.get("command"), image=image, version=version,
                   startup_probe=container["startupProbe"], readiness_probe=container["readinessProbe"],
                   config_name="default")
        # the arguments live in the Playground, not in recommendedConfigs: llmaz expands {{ .Name }}
        # placeholders in a BackendRuntime's arguments, but appends the Playground's verbatim
        config: dict[str, Any] = {"backendName": name, "configName": "default", "args": container["args"]}
        if container.get("env"):
            config["envs"] = container["env"]
        config["resources"] = container["resources"]
        if model.runtime != "simulator":
            config["sharedMemorySize"] = model.memory  # /dev/shm, as the emptyDir of the Service path
        claim: dict[str, Any] = {"modelName": name}
        if flavors(ctx, model):
            claim["inferenceFlavors"] = [model.node_pool]
        ctx.render("llmaz/playground.yaml.j2", component, "30-models", name=name, namespace=ctx.namespace,
                   **self._workload_meta(ctx, component, name), replicas=model.fixed_replicas, model_claim=claim,
                   backend_runtime_config=config, elastic_config=elastic_config(model))

    def _render_ai_gateway(self, ctx: RenderContext, model: Model, component: str, name: str) -> None:
        labels = ctx.labels(component)
        ctx.render("llmaz/backend.yaml.j2", component, "30-models", name=name, namespace=ctx.namespace, labels=labels,
                   hostname=lb_host(ctx.stack, model), port=PORT)
        ctx.render("llmaz/aiservicebackend.yaml.j2", component, "30-models", name=name, namespace=ctx.namespace,
                   labels=labels, backend=name)
        hostnames = [ctx.stack.gateway_hostname] if ctx.stack.gateway_hostname else []
        ctx.render("llmaz/aigatewayroute.yaml.j2", component, "30-models", name=name, namespace=ctx.namespace,
                   labels=labels, gateway=ctx.gateway_ref.name, hostnames=hostnames, header=MODEL_HEADER,
                   model=model.name, backend=name, request_timeout=REQUEST_TIMEOUT)

    def endpoints(self, ctx: RenderContext, model: Model) -> list[Endpoint]:
        if ctx.gateway == "envoy-ai-gateway":
            ref = ctx.gateway_ref
            note = f"Envoy AI Gateway reads the model from the request body and routes on {MODEL_HEADER}"
            return [Endpoint(model.name, f"http://{ref.service_host}:{ctx.stack.gateway_port}", served_by=model.name,
                             note=note)]
        return [Endpoint(model.name, f"http://{lb_host(ctx.stack, model)}:{PORT}", served_by=model.name)]

    def metrics_targets(self, ctx: RenderContext) -> list:
        from ..components.observability import MetricsTarget  # noqa: PLC0415 - only with prometheus on

        # llmaz labels the serving pods with their OpenModel name on both paths; a Playground's
        # pods carry no inferstack labels.
        return [MetricsTarget(ctx.name(m.name, "runner"), ctx.namespace,
                              {MODEL_NAME_LABEL: object_name(ctx.stack, m)}, "http")
                for m in ctx.stack.models]


ENGINE = Llmaz(
    name="llmaz",
    title="llmaz",
    version="v0.1.4",
    summary="Easy model serving: OpenModel + inference Service (or Playground) over LeaderWorkerSet, Envoy AI Gateway.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/InftyAI/llmaz",
)
