"""OME v0.1.5: ClusterBaseModel + ClusterServingRuntime + InferenceService (ome.io/v1beta1).

Per model, three objects share one name, `<stack>-<model>`:

- ClusterBaseModel: where the weights come from. OME's model agent (a DaemonSet in namespace `ome`)
  downloads them to `<hostPath>/<stack>/<model>` on the nodes of the model's pool, then labels each
  node `models.ome.io/clusterbasemodel.<name>=Ready`; OME gives serving pods a nodeSelector on that
  label, so they stay Pending until the download is done.
- ClusterServingRuntime: how to run it. The model-server container is named `ome-container` and
  loads `$(MODEL_PATH)` (OME mounts the node's copy there); `engineConfig` is the only role or the
  prefill role, `decoderConfig` the decode role, `routerConfig` the SGLang router.
- InferenceService (model namespace): how many and where: replicas, node pool placement, Volcano
  annotations, KEDA autoscaling. Its Service `<name>` (router if any, else engine) on port 8080 is
  the endpoint.

OME checks a runtime against the model even when the InferenceService names the runtime: model
format, framework, architecture, quantization and version fields must be present on both sides or
on neither, and the size must fit the runtime's range. The model agent fills unset model fields
from config.json after the download, which would break that check later; so the ClusterBaseModel
turns the agent's parsing off and both objects carry the same format and framework, and neither
carries an architecture, quantization or size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .. import versions
from ..components import certmanager, lws
from ..render.result import Endpoint, Install
from .base import MOONCAKE_NEEDS_RDMA, Engine, GeneratedName, generic, model_object_name, native, no

if TYPE_CHECKING:  # the render modules load Jinja2: imported where used, so that validate stays fast
    from ..components.observability import MetricsTarget
    from ..components.runtime import MultiNode
    from ..errors import Diagnostic
    from ..render.context import Placement, RenderContext
    from ..spec.loader import SourceDoc
    from ..spec.model import Model, Stack

CAPABILITIES = {
    "runtime:vllm": native("ClusterServingRuntime whose ome-container runs vLLM on $(MODEL_PATH)"),
    "runtime:sglang": native("ClusterServingRuntime whose ome-container runs SGLang on $(MODEL_PATH)"),
    "runtime:simulator": generic("ClusterServingRuntime whose ome-container is the simulator image; the ClusterBaseModel is vendor:// (Ready without a download)"),
    "multi-replica": native("InferenceService engine minReplicas = maxReplicas"),
    "multi-node": native("engine (and decoder) leader/worker: OME's MultiNode mode on a LeaderWorkerSet, leaders behind the router"),
    "disaggregation": native("InferenceService engine (prefill) + decoder (decode) + SGLang router (runtime sglang or simulator)"),
    "kv-connector:nixl": native("SGLang --disaggregation-transfer-backend nixl"),
    "kv-connector:lmcache": no("SGLang prefill/decode has no LMCache transfer backend, and OME's router speaks SGLang's protocol"),
    "kv-connector:mooncake": MOONCAKE_NEEDS_RDMA,
    "lora": no("OME v0.1.5 serves one FineTunedWeight per InferenceService, not LoRA adapters selected by name"),
    "autoscaling": native("ome.io/autoscalerClass: keda + InferenceService kedaConfig (KEDA ScaledObject on a Prometheus query)"),
    "autoscaling-metric:kv-cache-usage": native("kedaConfig.customPromQuery on the runtime's KV-cache usage gauge"),
    "autoscaling-metric:queue-depth": native("kedaConfig.customPromQuery on the runtime's waiting-requests gauge"),
    "autoscaling-metric:requests-per-second": native("kedaConfig.customPromQuery on the rate of the runtime's request counter"),
    "autoscaling-metric:gpu-utilization": no("OME's HPA scales on cpu/memory only, and per-pod GPU utilisation is not in Prometheus"),
    "kv-offload": generic("LMCache CPU offload flags in the vLLM runner"),
    "prefix-caching-off": generic("runner flag (vLLM --no-enable-prefix-caching, SGLang --disable-radix-cache)"),
    "routing:round-robin": native("InferenceService router: SGLang router --policy round_robin"),
    "routing:least-request": no("the SGLang router has no least-request policy (power_of_two is the closest)"),
    "routing:prefix-cache": native("InferenceService router: SGLang router --policy cache_aware"),
    "routing:kv-cache-aware": no("the SGLang router v0.2.4 does not consume KV-cache events"),
    "routing:pd": native("InferenceService router: SGLang router --pd-disaggregation"),
    "source:hf": native("ClusterBaseModel storageUri hf://<repo>[@<revision>], downloaded by the model agent"),
    "source:s3": no("the v0.1.5 model agent parses s3:// but does not download it"),
    "source:gs": no("the v0.1.5 model agent parses gs:// but does not download it"),
    "source:pvc": no("the v0.1.5 model agent skips pvc:// models, so no node is ever labelled Ready and serving pods never schedule"),
    "token-secret": native("ClusterBaseModel storage.key + parameters.secretKey (Secret in namespace ome)"),
    "model-cache": no("OME's model agent keeps weights on a node host path, not in a PVC"),
    "volcano": generic("schedulerName: volcano on the serving pods, queue via ome.io/volcano-queue"),
    "volcano-topology": generic("Volcano network-topology pod annotations on the engine/decoder (per-pod PodGroups)"),
    "gateway:engine-native": native("the InferenceService Service (router if any, else engine), port 8080"),
    "gateway:envoy-gateway": no("OME v0.1.5 writes Gateway API routes only for its own ingress gateway, not rendered"),
    "gateway:istio": no("OME's Istio ingress needs Knative (Serverless mode), not rendered"),
    "gateway:agentgateway": no("not supported by OME v0.1.5"),
    "gateway:kgateway": no("not supported by OME v0.1.5"),
    "gateway:envoy-ai-gateway": no("not supported by OME v0.1.5"),
    "gateway-tls": no("the InferenceService Service is plain HTTP in RawDeployment mode"),
    "gateway-hostname": no("the InferenceService Service is in-cluster only in RawDeployment mode"),
}

# Providers whose pools inferstack renders as node autoscaling (Karpenter, GKE ComputeClass).
AUTOSCALED_PROVIDERS = ("eks", "aks", "gke")
NAMESPACE = "ome"  # hard-coded by OME's charts (webhook certificates, controller ConfigMaps)
MODEL_ROOT = "/mnt/data/models"  # the model agent's hostPath (the chart default); every storage.path lies under it
RUNNER = "ome-container"  # OME finds the serving container by this name
PORT = 8080  # OME's Services take the runner's first port; 8080 is OME's convention
MODEL_PATH = "$(MODEL_PATH)"  # OME sets MODEL_PATH on the runner to the ClusterBaseModel storage.path
SKIP_CONFIG_PARSING = "ome.oracle.com/skip-config-parsing"
SIMULATOR_VENDOR_URI = "vendor://inferstack/simulator"  # vendor://<vendor>/<resource type>/<path>
MODEL_FORMAT = {"name": "safetensors", "version": "1.0.0"}
MODEL_FRAMEWORK = {"name": "transformers"}
READY_LABEL_DOMAIN = "models.ome.io"
AUTOSCALER_CLASS = "ome.io/autoscalerClass"
VOLCANO_QUEUE = "ome.io/volcano-queue"
LWS_WORKER_INDEX_LABEL = "leaderworkerset.sigs.k8s.io/worker-index"
# Chart default, kept so the agent still runs on other NVIDIA nodes.
AGENT_DEFAULT_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
PROMETHEUS_SERVICE = "prometheus-operated"  # the operator's Service for kube-prometheus-stack's Prometheus
ROUTER_POLICY = {"round-robin": "round_robin", "prefix-cache": "cache_aware"}
PD_ROUTER_POLICY = "power_of_two"  # OME's own prefill/decode runtimes use it

# KEDA Prometheus queries per runtime metric family: the sum over the component's pods; OME's
# kedaConfig.customPromQuery is a Go format string whose one %s becomes the component's Deployment
# name (<name>-engine), so the query must hold exactly that one verb.
_PROM_METRICS = {
    "vllm": {"kv-cache-usage": "vllm:kv_cache_usage_perc", "queue-depth": "vllm:num_requests_waiting",
             "requests-per-second": "vllm:request_success_total"},
    "sglang": {"kv-cache-usage": "sglang:token_usage", "queue-depth": "sglang:num_queue_reqs",
               "requests-per-second": "sglang:num_requests_total"},
}
_PROM_FAMILY = {"vllm": "vllm", "simulator": "vllm", "sglang": "sglang"}  # the simulator exports vLLM's metrics


@dataclass(frozen=True)
class Role:
    """One OME component that runs model servers: engine (the only role, or prefill) or decoder (decode)."""

    component: str  # engine | decoder
    server_role: str | None  # prefill | decode when disaggregated
    replicas: int  # pods (groups of pods when multi-node)
    gpus_per_pod: int


def roles(model: Model) -> list[Role]:
    if not model.disaggregation:
        return [Role("engine", None, model.replicas, model.gpus_per_pod)]
    d, nodes = model.disaggregation, model.nodes_per_replica
    return [Role("engine", "prefill", model.replicas * d.prefill.replicas, d.prefill.parallelism.gpus // nodes),
            Role("decoder", "decode", model.replicas * d.decode.replicas, d.decode.parallelism.gpus // nodes)]


def has_router(model: Model) -> bool:
    """P/D and routing policies need the SGLang router; so does a multi-node engine: OME's Services
    for it select LeaderWorkerSet workers (which serve no HTTP) or the leaders of every
    InferenceService in the namespace, while the router discovers this one's leaders only."""
    return bool(model.disaggregation) or model.routing in ROUTER_POLICY or model.nodes_per_replica > 1


def router_policy(model: Model) -> str:
    if model.disaggregation:
        return PD_ROUTER_POLICY
    return ROUTER_POLICY.get(model.routing, "round_robin")  # auto: spread like a Service would


def ready_label(name: str) -> str:
    """The node label OME's model agent sets for a ClusterBaseModel (constants.GetClusterBaseModelLabel)."""
    limit = 49 - len("clusterbasemodel") - 1  # label-name budget after the prefix and separator
    if len(name) > limit:
        import hashlib

        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{digest}-{name[len(name) - (limit - 9):]}"
    return f"{READY_LABEL_DOMAIN}/clusterbasemodel.{name}"


def storage_path(stack: Stack, model: Model) -> str:
    return f"{MODEL_ROOT}/{stack.name}/{model.name}"


def storage_uri(model: Model) -> str:
    """hf://<repo>, pinned to the revision with OME's @<revision> suffix.

    The simulator reads no weights: its model gets a vendor:// URI, for which OME's model agent
    marks the nodes Ready without downloading anything (pods still wait for that node label).
    """
    if model.runtime == "simulator":
        return f"{SIMULATOR_VENDOR_URI}/{model.source_path}"
    return f"{model.uri}@{model.revision}" if model.revision else model.uri


def prometheus_query(ctx: RenderContext, model: Model) -> str:
    metric = _PROM_METRICS[_PROM_FAMILY[model.runtime]][model.autoscaling.metric]
    selector = f'{{namespace="{ctx.namespace}",pod=~"%s-.*"}}'
    if model.autoscaling.metric == "requests-per-second":
        return f"sum(rate({metric}{selector}[1m]))"
    return f"sum({metric}{selector})"


def threshold(value: float) -> str:
    return f"{value:.15g}"  # KEDA parses it as a float; no exponent for ordinary targets


# --- the runtime side: containers --------------------------------------------------------------


def go_template_literal(text: str) -> str:
    """OME runs every runner container, marshalled to JSON, through Go's html/template with the
    InferenceService's metadata (ReplacePlaceholders): `{{` must be written as {{`{{`}} to reach
    the pod unchanged. JSON marshalling escapes <, > and & (the template stays in its text context)
    and leaves backquotes alone."""
    return text.replace("{{", "{{`{{`}}")


def template_safe(node: Any) -> Any:
    if isinstance(node, str):
        return go_template_literal(node)
    if isinstance(node, dict):
        return {k: template_safe(v) for k, v in node.items()}
    if isinstance(node, list):
        return [template_safe(v) for v in node]
    return node


def _server_model(model: Model) -> Model:
    # The weights are on the node already: the server needs no hub token (the agent reads it in ns ome).
    return replace(model, token_secret=None)


def runner(model: Model, placement: Placement, role: Role, multinode: MultiNode | None = None) -> dict[str, Any]:
    from ..components import runtime as server

    opts = server.ServerOptions(port=PORT, role=role.server_role, multinode=multinode, model_path=MODEL_PATH)
    container = server.container(_server_model(model), placement, name=RUNNER, opts=opts)
    if multinode and not multinode.leader:
        # worker ranks serve no HTTP: probes would keep the LeaderWorkerSet group unready forever
        container.pop("readinessProbe", None)
        container.pop("startupProbe", None)
    return template_safe(container)


def _with_volumes(volumes: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, Any]:
    # serving pods never call the Kubernetes API (only the router does, with the account OME gives it)
    pod: dict[str, Any] = {"runner": container, "automountServiceAccountToken": False}
    if volumes:
        pod["volumes"] = volumes
    return pod


def runtime_component(ctx: RenderContext, model: Model, role: Role) -> dict[str, Any]:
    """engineConfig / decoderConfig: the runner (leader and worker runners for multi-node)."""
    from ..components import runtime as server

    placement = ctx.placement(model, gpus=role.gpus_per_pod)
    volumes = server.volumes(ctx.stack.name, _server_model(model))
    nodes = model.nodes_per_replica
    if nodes == 1:
        return _with_volumes(volumes, runner(model, placement, role))
    leader = server.MultiNode(nodes, "$(LWS_LEADER_ADDRESS)", "0", True)
    worker = server.MultiNode(nodes, "$(LWS_LEADER_ADDRESS)", "$(LWS_WORKER_INDEX)", False)
    return {"leader": _with_volumes(volumes, runner(model, placement, role, leader)),
            "worker": {"size": nodes - 1, **_with_volumes(volumes, runner(model, placement, role, worker))}}


def router_selector(ctx: RenderContext, model: Model, component: str) -> list[str]:
    """Label terms the router's Kubernetes discovery matches: the component's serving pods (leaders only)."""
    terms = [f"component={component}", f"ome.io/inferenceservice={model_object_name(ctx.stack, model)}"]
    if model.nodes_per_replica > 1:
        terms.append(f"{LWS_WORKER_INDEX_LABEL}=0")
    return terms


def router_runner(ctx: RenderContext, model: Model) -> dict[str, Any]:
    from ..components import runtime as server

    args = ["--host", "0.0.0.0", "--port", str(PORT), "--service-discovery",
            "--service-discovery-namespace", ctx.namespace, "--service-discovery-port", str(PORT)]
    if model.disaggregation:
        args += ["--pd-disaggregation", "--policy", router_policy(model),
                 "--prefill-selector", *router_selector(ctx, model, "engine"),
                 "--decode-selector", *router_selector(ctx, model, "decoder")]
    else:
        args += ["--policy", router_policy(model), "--selector", *router_selector(ctx, model, "engine")]
    return template_safe({
        "name": "router",
        "image": versions.image("sglang-router"),
        "command": ["python3", "-m", "sglang_router.launch_router"],
        "args": args,
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
        "readinessProbe": {"httpGet": {"path": "/readiness", "port": PORT}, "periodSeconds": 10, "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/liveness", "port": PORT}, "periodSeconds": 30, "failureThreshold": 5},
        "securityContext": server.security_context(versions.image("sglang-router")),
    })


# --- the InferenceService side: replicas and placement ------------------------------------------


def _pod_annotations(placement: Placement) -> dict[str, str]:
    from ..render.context import VOLCANO_QUEUE_ANNOTATION

    annotations = dict(placement.annotations)
    if VOLCANO_QUEUE_ANNOTATION in annotations:
        # OME turns it into the volcano.sh/queue-name pod label that Volcano reads
        annotations[VOLCANO_QUEUE] = annotations[VOLCANO_QUEUE_ANNOTATION]
    return annotations


def replica_bounds(model: Model, role: Role) -> tuple[int, int]:
    if model.autoscaling:
        return model.autoscaling.min_replicas, model.autoscaling.max_replicas
    return role.replicas, role.replicas


def isvc_component(ctx: RenderContext, model: Model, role: Role) -> dict[str, Any]:
    """engine / decoder of the InferenceService: replicas, pod labels, Volcano annotations, pool placement."""
    placement = ctx.placement(model, gpus=role.gpus_per_pod)
    low, high = replica_bounds(model, role)
    out: dict[str, Any] = {"minReplicas": low, "maxReplicas": high, "labels": ctx.model_labels(model)}
    annotations = _pod_annotations(placement)
    if annotations:
        out["annotations"] = annotations
    pod = placement.pod_fields()
    nodes = model.nodes_per_replica
    if nodes == 1:
        out.update(pod)
    else:  # MultiNode takes the pod specs from leader and worker, not from the component itself
        out["leader"] = dict(pod)
        out["worker"] = {"size": nodes - 1, **pod}
    return out


def isvc_router(ctx: RenderContext, model: Model) -> dict[str, Any]:
    router: dict[str, Any] = {"minReplicas": 1, "maxReplicas": 1}
    tolerations = ctx.placement(model).tolerations
    if tolerations:  # the router needs no GPU, but may only find the model pool's (tainted) nodes
        router["tolerations"] = list(tolerations)
    return router


def keda_config(ctx: RenderContext, model: Model) -> dict[str, Any]:
    from ..components.observability import NAMESPACE as MONITORING

    return {"promServerAddress": f"http://{PROMETHEUS_SERVICE}.{MONITORING}.svc.cluster.local:9090",
            "customPromQuery": prometheus_query(ctx, model),
            "scalingThreshold": threshold(model.autoscaling.target)}


# --- control plane ------------------------------------------------------------------------------


def _helm(name: str, chart_key: str, namespace: str, values: dict, provides=(), note: str | None = None) -> Install:
    chart = versions.chart(chart_key)
    return Install(name=name, component="engine", method="helm", version=chart["version"], namespace=namespace,
                   repo=chart["repo"], chart=chart["chart"], values=values, provides=provides, note=note)


def agent_resources(stack: Stack) -> dict[str, Any]:
    """The model agent mostly waits on the network and the disk: the chart's 10 CPU / 100Gi
    requests (and limits) fit on no kind node and would crowd model servers off real GPU nodes."""
    if stack.simulated:
        return {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "2Gi"}}
    return {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "4", "memory": "16Gi"}}


def agent_tolerations(ctx: RenderContext) -> list[dict[str, Any]]:
    """The chart's toleration plus the taints of every pool that hosts a model: the agent must run there."""
    out = [dict(AGENT_DEFAULT_TOLERATION)]
    for model in ctx.stack.models:
        for toleration in ctx.placement(model).tolerations:
            if toleration not in out:
                out.append(toleration)
    return out


def ome_resources_values(ctx: RenderContext) -> dict[str, Any]:
    tag = versions.chart("ome-resources")["imageTag"]
    controller: dict[str, Any] = {"tag": tag}
    if ctx.stack.provider == "kind":  # three 2-CPU replicas do not fit a laptop
        controller.update({"replicaCount": 1, "resources": {"requests": {"cpu": "200m", "memory": "512Mi"},
                                                            "limits": {"cpu": "2", "memory": "4Gi"}}})
    return {
        "ome": {"controller": controller, "multinodeProber": {"tag": tag}},
        "modelAgent": {"hostPath": MODEL_ROOT, "image": {"tag": tag},
                       "resources": agent_resources(ctx.stack), "tolerations": agent_tolerations(ctx)},
    }


def keda_install() -> Install:
    return _helm("keda", "keda", "keda", {}, provides=("keda.sh/*", "eventing.keda.sh/*"),
                 note="before OME: the OME controller registers KEDA ScaledObjects only if the CRDs exist at its start")


# --- the engine ---------------------------------------------------------------------------------


class OmeEngine(Engine):
    def spec_literal(self, text: str) -> str:
        # spec strings reach OME objects only in runner containers, which OME templates
        return go_template_literal(text)

    def generated_names(self, stack: Stack) -> list[GeneratedName]:
        names = []
        for m in stack.models:
            base = model_object_name(stack, m)
            path = ("spec", "models", m.index, "name")
            # ClusterBaseModel, runtime and InferenceService names are pod label values (63)
            names.append(GeneratedName(base, "OME InferenceService/ClusterBaseModel name", path))
            suffix = "decoder" if m.disaggregation else "router" if has_router(m) else "engine"
            names.append(GeneratedName(f"{base}-{suffix}", f"OME {suffix} Service name", path))
        return names

    def constraints(self, stack: Stack, doc: SourceDoc) -> list[Diagnostic]:
        out = []
        for m in stack.models:
            base = ("spec", "models", m.index)
            if m.disaggregation and m.runtime == "vllm":
                out.append(doc.diag(base + ("disaggregation",), "INF302",
                                    "OME's prefill/decode router is the SGLang router (SGLang's bootstrap handshake); "
                                    "vLLM prefill/decode servers cannot pair through it",
                                    "use runtime sglang (or simulator)"))
            if m.kv_offload and m.runtime != "vllm":
                out.append(doc.diag(base + ("kvCache", "offload"), "INF302",
                                    f"OME renders KV offload as LMCache in a vLLM runner; runtime {m.runtime} has none",
                                    "use runtime vllm, or drop kvCache.offload"))
            out.extend(self._autoscaling_constraints(stack, doc, m, base))
            pool = stack.pool(m.node_pool)
            if stack.provider in AUTOSCALED_PROVIDERS and not pool.static:
                out.append(doc.diag(base + ("nodePool",), "INF302",
                                    f"OME's serving pods select a node label its model agent sets only after the "
                                    f"download on a running node; pool {pool.name!r} creates nodes on demand, and no "
                                    f"new node carries that label, so none is ever created for them",
                                    "make the pool static (minNodes = maxNodes) on eks or aks; on gke use provider "
                                    "existing with node pools you create, or another engine"))
        return out

    @staticmethod
    def _autoscaling_constraints(stack: Stack, doc: SourceDoc, m: Model, base: tuple) -> list[Diagnostic]:
        if not m.autoscaling:
            return []
        path = base + ("autoscaling",)
        out = []
        if not stack.prometheus:
            out.append(doc.diag(path, "INF302", "OME autoscales through KEDA on Prometheus metrics",
                                "set observability.prometheus: true"))
        if m.nodes_per_replica > 1:
            out.append(doc.diag(path, "INF302", "OME does not autoscale multi-node (LeaderWorkerSet) engines",
                                "drop autoscaling or use nodesPerReplica: 1"))
        if m.disaggregation:
            out.append(doc.diag(path, "INF302",
                                "OME scales the engine (prefill) and decoder (decode) Deployments separately, "
                                "not as prefill/decode groups", "drop autoscaling and set replicas"))
        return out

    def token_secret_namespaces(self, stack: Stack) -> tuple[str, ...]:
        return (NAMESPACE,)  # the model agent reads ClusterBaseModel tokens there; the servers need none

    def render_platform(self, ctx: RenderContext) -> None:
        stack = ctx.stack
        ctx.install(certmanager.install())
        if any(m.nodes_per_replica > 1 for m in stack.models):
            ctx.install(lws.install())
        if any(m.autoscaling for m in stack.models):
            ctx.install(keda_install())
        ctx.install(_helm("ome-crd", "ome-crd", NAMESPACE, {}, provides=("ome.io/*",)))
        ctx.install(_helm("ome-resources", "ome-resources", NAMESPACE, ome_resources_values(ctx),
                          provides=("ome.io/*",),
                          note="its webhooks admit every ome.io object; the model agent DaemonSet pulls weights to the nodes"))
        # hostPath volumes (model agent in ome, model copies in serving pods) are not allowed at "baseline"
        ctx.privileged_namespaces.update({NAMESPACE, ctx.namespace})

    def render_model(self, ctx: RenderContext, model: Model) -> None:
        component = f"model/{model.name}"
        name = model_object_name(ctx.stack, model)
        labels = ctx.model_labels(model)
        model_roles = roles(model)
        # The cluster-scoped model and runtime are engine platform objects, applied before every model
        # object: OME's webhook rejects an InferenceService whose model does not exist yet.
        ctx.render("ome/clusterbasemodel.yaml.j2", "engine", "20-platform", name=name, labels=labels,
                   annotations={SKIP_CONFIG_PARSING: "true"}, model_format=MODEL_FORMAT,
                   model_framework=MODEL_FRAMEWORK, storage=self._storage(ctx, model))
        runtime_roles = {role.component: runtime_component(ctx, model, role) for role in model_roles}
        ctx.render("ome/clusterservingruntime.yaml.j2", "engine", "20-platform", name=name, labels=labels,
                   supported_model_formats=[{"modelFormat": MODEL_FORMAT, "modelFramework": MODEL_FRAMEWORK,
                                             "autoSelect": False, "priority": 1}],
                   engine=runtime_roles["engine"], decoder=runtime_roles.get("decoder"),
                   router={"runner": router_runner(ctx, model)} if has_router(model) else None)
        isvc_roles = {role.component: isvc_component(ctx, model, role) for role in model_roles}
        # no model label on the InferenceService: OME copies its labels to every pod, router included
        ctx.render("ome/inferenceservice.yaml.j2", component, "30-models", name=name, namespace=ctx.namespace,
                   annotations={AUTOSCALER_CLASS: "keda"} if model.autoscaling else {},
                   model=name, runtime=name, engine=isvc_roles["engine"], decoder=isvc_roles.get("decoder"),
                   router=isvc_router(ctx, model) if has_router(model) else None,
                   keda_config=keda_config(ctx, model) if model.autoscaling else None)
        self._notes(ctx, model, name)

    @staticmethod
    def _storage(ctx: RenderContext, model: Model) -> dict[str, Any]:
        storage: dict[str, Any] = {"storageUri": storage_uri(model), "path": storage_path(ctx.stack, model)}
        if model.token_secret:
            storage["key"] = model.token_secret.name
            storage["parameters"] = {"secretKey": model.token_secret.key}
        selector = ctx.placement(model).node_selector
        if selector:  # pull the weights only onto the model's pool
            storage["nodeSelector"] = dict(selector)
        return storage

    @staticmethod
    def _notes(ctx: RenderContext, model: Model, name: str) -> None:
        if model.runtime == "simulator":
            ready_when = f"at once for {storage_uri(model)} (a vendor:// model is not downloaded: the simulator reads no weights)"
        else:
            ready_when = f"once {storage_uri(model)} is downloaded to {storage_path(ctx.stack, model)} on the node"
        ctx.note(f"OME: {model.name} pods wait for the model agent: they schedule only on nodes labelled "
                 f"{ready_label(name)}=Ready, which the agent sets {ready_when}")
        if model.token_secret:
            ctx.note(f"OME: the model agent reads Secret {model.token_secret.name} (key {model.token_secret.key}) "
                     f"in namespace {NAMESPACE}")
        if model.runtime == "simulator" and model.disaggregation:
            ctx.note(f"OME: simulators stand in for {model.name}'s SGLang prefill and decode servers: the router "
                     f"sends each request to one of each and returns the decode answer; no KV cache moves")

    def endpoints(self, ctx: RenderContext, model: Model) -> list[Endpoint]:
        name = model_object_name(ctx.stack, model)
        behind = "SGLang router" if has_router(model) else "engine"
        return [Endpoint(model=model.name, base_url=f"http://{name}.{ctx.namespace}.svc.cluster.local:{PORT}",
                         served_by=model.name,
                         note=f"InferenceService Service ({behind}); "
                              f"ready after the model agent labels a node {ready_label(name)}=Ready")]

    def metrics_targets(self, ctx: RenderContext) -> list[MetricsTarget]:
        from ..components.observability import MetricsTarget

        # engine/decoder pods carry the model label; router pods do not (their /metrics is elsewhere)
        return [MetricsTarget(ctx.name(m.name, "servers"), ctx.namespace, ctx.model_labels(m), "http")
                for m in ctx.stack.models]


ENGINE = OmeEngine(
    name="ome",
    title="OME",
    version="v0.1.5",
    summary="Model lifecycle operator: model agent pre-pulls weights to nodes; runtimes matched to models; SGLang P/D router.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/sgl-project/ome",
)
