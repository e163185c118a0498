"""AIBrix v0.7.0: models as Deployments (or StormServices) labelled for the AIBrix Envoy gateway,
LoRA adapters as ModelAdapters, autoscaling as PodAutoscalers.

What AIBrix's controllers expect, read from vllm-project/aibrix at v0.7.0:
- the model router creates the HTTPRoute `<model>-router` (in aibrix-system, parent Gateway
  `aibrix-eg`) from the labels `model.aibrix.ai/name` and `model.aibrix.ai/port` of a Deployment
  or ModelAdapter, pointing at a Service named after the model that the user must create;
- StormServices get no HTTPRoute: requests reach them only through a gateway routing strategy,
  which the pod annotation `model.aibrix.ai/config` makes the model's default;
- the gateway ignores pods whose `stormservice.orchestration.aibrix.ai/pod-group-index` is above 0,
  so only rank 0 of a multi-node replica is routed to.
"""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Any

from .. import versions
from .base import MOONCAKE_NEEDS_RDMA, Engine, GeneratedName, IngressSource, generic, native, no

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..render.context import RenderContext
    from ..render.result import Endpoint
    from ..spec.loader import SourceDoc
    from ..spec.model import Model, Stack

CAPABILITIES = {
    "runtime:vllm": native("Deployment labelled model.aibrix.ai/name (= --served-model-name = Service name), engine vllm"),
    "runtime:sglang": native("Deployment labelled model.aibrix.ai/engine: sglang"),
    "runtime:simulator": generic("llm-d inference simulator (vLLM-compatible API and metrics) in the model Deployment"),
    "multi-replica": native("Deployment replicas; StormService replicas (one RoleSet per replica) for P/D and multi-node"),
    "multi-node": native("StormService role with podGroupSize = nodesPerReplica (PodSet); rank from POD_GROUP_INDEX"),
    "disaggregation": native("StormService with prefill and decode roles in one RoleSet, gateway routing strategy pd"),
    "kv-connector:nixl": native("vLLM NixlConnector (kv_both) / SGLang nixl backend; the pd router passes kv_transfer_params"),
    "kv-connector:lmcache": no("the AIBrix v0.7.0 pd router drives NIXL-style kv_transfer_params; LMCache P/D is not wired"),
    "kv-connector:mooncake": MOONCAKE_NEEDS_RDMA,
    "lora": native("ModelAdapter per adapter; base pods labelled adapter.model.aibrix.ai/enabled with the aibrix-runtime sidecar (vLLM)"),
    "autoscaling": native("PodAutoscaler (APA) on the Deployment or StormService"),
    "autoscaling-metric:kv-cache-usage": native("PodAutoscaler targetMetric kv_cache_usage_perc"),
    "autoscaling-metric:queue-depth": native("PodAutoscaler targetMetric num_requests_waiting"),
    "autoscaling-metric:requests-per-second": no("AIBrix v0.7.0 PodAutoscaler pod metrics have no request rate"),
    "autoscaling-metric:gpu-utilization": no("AIBrix v0.7.0 PodAutoscaler does not read DCGM GPU utilization"),
    "kv-offload": generic("vLLM kv-transfer-config LMCacheConnectorV1 (CPU) in the model server"),
    "prefix-caching-off": generic("engine flag --no-enable-prefix-caching / --disable-radix-cache"),
    "routing:round-robin": no("the AIBrix gateway has no round-robin strategy (random and score-based ones only)"),
    "routing:least-request": native("gateway routing strategy least-request (model.aibrix.ai/config profile)"),
    "routing:prefix-cache": native("gateway routing strategy prefix-cache (model.aibrix.ai/config profile)"),
    "routing:kv-cache-aware": native("gateway routing strategy least-kv-cache: pods ranked by KV-cache usage"),
    "routing:pd": native("gateway routing strategy pd: pairs prefill and decode pods of one RoleSet"),
    "source:hf": native("the engine loads hf:// models by id"),
    "source:s3": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:gs": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:pvc": generic("PVC mounted into the model pods"),
    "token-secret": generic("secretKeyRef env HF_TOKEN in the model-server (and LoRA sidecar) containers"),
    "model-cache": generic("model-cache PVC mounted into the model pods"),
    "volcano": native("StormService RoleSet volcanoSchedulingStrategy (one gang per replica); schedulerName volcano on every pod"),
    "volcano-topology": generic("Volcano network-topology pod annotations; Volcano's automatic PodGroups (per ReplicaSet, RoleSet or PodSet) carry it"),
    "gateway:engine-native": native("AIBrix Envoy gateway aibrix-eg with the gateway-plugins ext-proc"),
    "gateway:envoy-gateway": no("AIBrix installs and owns its own Envoy Gateway (aibrix-eg); choose engine-native"),
    "gateway:istio": no("AIBrix v0.7.0 routes only through its Envoy gateway"),
    "gateway:agentgateway": no("AIBrix v0.7.0 routes only through its Envoy gateway"),
    "gateway:kgateway": no("AIBrix v0.7.0 routes only through its Envoy gateway"),
    "gateway:envoy-ai-gateway": no("AIBrix v0.7.0 routes only through its Envoy gateway"),
    "gateway-tls": no("the Gateway aibrix-eg comes from the aibrix-core bundle with one HTTP listener"),
    "gateway-hostname": no("the AIBrix controller writes the model HTTPRoutes without hostnames"),
}

SYSTEM_NAMESPACE = "aibrix-system"
GATEWAY_NAME = "aibrix-eg"  # hard-coded in the model-router controller
GATEWAY_PORT = 80  # the aibrix-eg listener of the aibrix-core bundle
MODEL_PORT = 8000  # ModelAdapter Services and EndpointSlices use 8000 whatever the model's port

LABEL_NAME = "model.aibrix.ai/name"
LABEL_PORT = "model.aibrix.ai/port"
LABEL_ENGINE = "model.aibrix.ai/engine"
LABEL_ADAPTER_ENABLED = "adapter.model.aibrix.ai/enabled"
LABEL_POD_GROUP_INDEX = "stormservice.orchestration.aibrix.ai/pod-group-index"
ANNOTATION_CONFIG = "model.aibrix.ai/config"
ANNOTATION_SGLANG_BOOTSTRAP = "model.aibrix.ai/sglang-bootstrap-port"
SGLANG_BOOTSTRAP_PORT = "8998"
ROUTING_HEADER = "routing-strategy"

# spec routing strategy -> AIBrix gateway routing strategy
STRATEGIES = {"least-request": "least-request", "prefix-cache": "prefix-cache", "kv-cache-aware": "least-kv-cache", "pd": "pd"}
# StormServices have no HTTPRoute, so `auto` needs a strategy too
AUTO_STORM_STRATEGY = "least-request"

# spec autoscaling metric -> AIBrix metric name (mapped per engine: vllm:kv_cache_usage_perc, ...)
PA_METRICS = {"kv-cache-usage": "kv_cache_usage_perc", "queue-depth": "num_requests_waiting"}
# the role whose pods carry the signal in a prefill/decode group
PA_PD_ROLE = {"kv-cache-usage": "decode", "queue-depth": "prefill"}
PA_STRATEGY = "APA"
# autoscaling.aibrix.ai/* annotations the v0.7.0 controller parses (defaults made explicit)
PA_ANNOTATIONS = {
    "autoscaling.aibrix.ai/scale-up-tolerance": "0.1",
    "autoscaling.aibrix.ai/scale-down-tolerance": "0.1",
    "autoscaling.aibrix.ai/scale-down-cooldown-window": "300s",
}
PA_STORM_MODE = "autoscaling.aibrix.ai/storm-service-mode"

# The LoRA runtime sidecar: the controller delegates artifact download to a container of this name.
SIDECAR_NAME = "aibrix-runtime"
SIDECAR_PORT = 8080
ADAPTER_VOLUME = "adapter-storage"
ADAPTER_MOUNT = "/tmp/aibrix/adapters"
# spec adapter scheme -> ModelAdapter artifactURL scheme the runtime downloads
ADAPTER_SCHEMES = {"hf": "huggingface", "s3": "s3", "gs": "gcs"}

SINGLE_ROLE = "server"  # the role of a multi-node StormService without a prefill/decode split

# the StormService webhook's estimate of PodSet name length: model + role + 36
PODSET_NAME_SUFFIX = 36
ROLESET_HASH = "hhhhhhhhhh"  # pod-template hash: up to 10 characters


# --- decisions -----------------------------------------------------------------------------


def uses_stormservice(model: Model) -> bool:
    """P/D and multi-node replicas need roles or pod groups, which a Deployment cannot express."""
    return bool(model.disaggregation) or model.nodes_per_replica > 1


def routing_strategy(model: Model) -> str | None:
    """The AIBrix gateway strategy for the model; None routes through the model's HTTPRoute."""
    if model.routing != "auto":
        return STRATEGIES[model.routing]
    if model.disaggregation:
        return "pd"
    if uses_stormservice(model):
        return AUTO_STORM_STRATEGY
    return None


def roles(model: Model) -> list[tuple[str, int, Any]]:
    """(role name, replicas in one RoleSet, parallelism) of a StormService model."""
    if model.disaggregation:
        d = model.disaggregation
        return [("prefill", d.prefill.replicas, d.prefill.parallelism), ("decode", d.decode.replicas, d.decode.parallelism)]
    return [(SINGLE_ROLE, 1, model.parallelism)]


def pods_per_roleset(model: Model) -> int:
    return sum(replicas for _, replicas, _ in roles(model)) * model.nodes_per_replica


def sidecar_loads_adapters(model: Model) -> bool:
    """The aibrix-runtime sidecar (vLLM only) downloads s3/gcs/huggingface artifacts; other runtimes
    get the artifact URL from the controller directly."""
    return bool(model.lora) and model.runtime == "vllm"


def artifact_url(uri: str) -> str:
    scheme, rest = uri.split("://", 1)
    return f"{ADAPTER_SCHEMES[scheme]}://{rest}"


def gateway_url() -> str:
    from ..components.gateway import ENVOY_GATEWAY_NAMESPACE, envoy_service_name

    host = f"{envoy_service_name(SYSTEM_NAMESPACE, GATEWAY_NAME)}.{ENVOY_GATEWAY_NAMESPACE}.svc.cluster.local"
    return f"http://{host}"


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def shell_join(words: list[str]) -> str:
    return " ".join(shlex.quote(w) for w in words)


def config_annotation(strategy: str) -> str:
    """The model.aibrix.ai/config profile that makes `strategy` the model's default routing strategy."""
    return json.dumps({"defaultProfile": "default", "profiles": {"default": {"routingStrategy": strategy}}},
                      separators=(",", ":"), sort_keys=True)


# --- validation beyond the capability table ---------------------------------------------------


def constraint_diagnostics(stack: Stack, doc: SourceDoc) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if stack.gateway_port != GATEWAY_PORT:
        out.append(doc.diag(("spec", "gateway", "port"), "INF302",
                            f"the AIBrix gateway {GATEWAY_NAME} listens on port {GATEWAY_PORT} (it comes with the aibrix-core bundle)",
                            f"remove gateway.port or set it to {GATEWAY_PORT}"))
    for m in stack.models:
        out.extend(_model_constraints(doc, m))
    return out


def _model_constraints(doc: SourceDoc, m: Model) -> list[Diagnostic]:
    base = ("spec", "models", m.index)
    out = []
    d = m.disaggregation
    if d and m.runtime == "vllm" and d.kv_connector == "nixl" and d.prefill.parallelism.tensor > d.decode.parallelism.tensor:
        out.append(doc.diag(base + ("disaggregation", "prefill", "parallelism", "tensor"), "INF302",
                            f"vLLM's NixlConnector cannot pair a prefill tensor-parallel size ({d.prefill.parallelism.tensor}) "
                            f"larger than decode's ({d.decode.parallelism.tensor})",
                            "use prefill tensor <= decode tensor"))
    if m.lora and d:
        out.append(doc.diag(base + ("lora",), "INF302",
                            "AIBrix v0.7.0 loads ModelAdapters onto Deployment or multi-node pods; its pd router does not "
                            "route adapters to prefill/decode pairs",
                            "serve the adapters from a model without disaggregation"))
    if m.lora:
        for i, a in enumerate(m.lora.adapters):
            path = base + ("lora", "adapters", i)
            if not a.name[0].isalpha():
                out.append(doc.diag(path + ("name",), "INF302",
                                    f"AIBrix creates a Service named after the adapter; {a.name!r} must start with a letter"))
            if m.runtime == "sglang" and not a.uri.startswith("hf://"):
                out.append(doc.diag(path + ("uri",), "INF302",
                                    "for SGLang the AIBrix controller hands the adapter location to the engine, which loads "
                                    "Hugging Face ids only (the aibrix-runtime downloader supports vLLM only)",
                                    "use an hf:// adapter, or runtime vllm"))
    return out


# --- control plane ----------------------------------------------------------------------------


def platform_installs() -> list:
    """Envoy Gateway (with EnvoyPatchPolicy), then the AIBrix CRDs, then the core: the v0.7.0 release bundles.

    KubeRay is only needed for Ray-based replicas (RayClusterFleet), which inferstack never renders:
    multi-node replicas are StormServices. inferstack adds no KubeRay install; the v0.7.0 bundles
    carry KubeRay themselves (the Ray CRDs in the dependency bundle, the operator in the core) and
    are applied whole, as upstream tests them: the bundled operator crash-loops without those CRDs.
    """
    from ..render.result import Install

    dependency, crds, core = (versions.bundle(k) for k in ("aibrix-dependency", "aibrix-core-crds", "aibrix-core"))
    pins = versions.AIBRIX_PINS
    return [
        Install(name="aibrix-dependency", component="engine", method="manifest", version=dependency["version"],
                url=dependency["url"], server_side=True,
                provides=("gateway.networking.k8s.io/*", "gateway.envoyproxy.io/*", "ray.io/*"),
                note=f"Envoy Gateway {pins['envoyGateway']} in envoy-gateway-system with "
                     "extensionApis.enableEnvoyPatchPolicy: true (the aibrix-eg EnvoyPatchPolicy needs it), "
                     "and the KubeRay CRDs the core's bundled operator watches"),
        Install(name="aibrix-crds", component="engine", method="manifest", version=crds["version"], url=crds["url"],
                server_side=True,
                provides=("orchestration.aibrix.ai/*", "autoscaling.aibrix.ai/*", "model.aibrix.ai/*"),
                note="server-side apply: the KVCache, RayClusterFleet and StormService CRDs exceed the client-side "
                     "last-applied annotation limit"),
        Install(name="aibrix-core", component="engine", method="manifest", version=core["version"], url=core["url"],
                namespace=SYSTEM_NAMESPACE,
                note=f"controller manager, gateway plugins, metadata service and Gateway {GATEWAY_NAME} in "
                     f"{SYSTEM_NAMESPACE}; the bundle also runs KubeRay operator {pins['kubeRayOperator']}, idle here "
                     "(multi-node replicas are StormServices, not Ray clusters). " + mutable_images_note("aibrix-core")),
    ]


def mutable_images_note(bundle: str) -> str:
    """How to pin the containers the bundle leaves on moving tags (a JSON merge patch would restate a whole
    container list, and bundles are applied as published)."""
    mutable = versions.mutable_images(bundle)
    running = ", ".join(f"{m['deployment']}/{m['container']} runs {m['image']}:{m['tag']}" for m in mutable)
    steps = "; ".join(f"`kubectl -n {m['namespace']} set image deployment/{m['deployment']} "
                      f"{m['container']}={versions.image(m['pin'])}`" for m in mutable)
    return (f"Mutable upstream images ({running}): after applying the bundle, and after every re-apply, "
            f"pin them with {steps}")


def render_platform(ctx: RenderContext) -> None:
    for install in platform_installs():
        ctx.install(install)
    ctx.note(f"aibrix: clients reach every model through {gateway_url()} (Gateway {GATEWAY_NAME} in {SYSTEM_NAMESPACE}); "
             "the request body's model field selects the model or LoRA adapter")


# --- model objects ------------------------------------------------------------------------------


PHASE = "30-models"


def aibrix_labels(model: Model) -> dict[str, str]:
    """The labels the AIBrix controllers, gateway and autoscaler read from a model's pods."""
    labels = {LABEL_NAME: model.name, LABEL_PORT: str(MODEL_PORT)}
    if model.runtime in ("vllm", "sglang"):
        labels[LABEL_ENGINE] = model.runtime
    if model.lora:
        labels[LABEL_ADAPTER_ENABLED] = "true"
    return labels


def selector(ctx: RenderContext, model: Model) -> dict[str, str]:
    return ctx.model_labels(model, **{LABEL_NAME: model.name})


def render_model(ctx: RenderContext, model: Model) -> None:
    component = f"model/{model.name}"
    if uses_stormservice(model):
        _render_stormservice(ctx, model, component)
    else:
        _render_deployment(ctx, model, component)
    if model.lora:
        _render_adapters(ctx, model, component)
    if model.autoscaling:
        _render_autoscaler(ctx, model, component)


def _render_deployment(ctx: RenderContext, model: Model, component: str) -> None:
    labels = {**ctx.model_labels(model), **aibrix_labels(model)}
    ctx.render("aibrix/deployment.yaml.j2", component, PHASE, name=model.name, namespace=ctx.namespace, labels=labels,
               replicas=model.fixed_replicas, selector=selector(ctx, model), pod=server_pod(ctx, model))
    # the model router's HTTPRoute points at a Service named after the model: AIBrix does not create it
    ctx.render("aibrix/service.yaml.j2", component, PHASE, name=model.name, namespace=ctx.namespace,
               labels={**ctx.model_labels(model), LABEL_NAME: model.name}, selector=selector(ctx, model), port=MODEL_PORT)


def _render_stormservice(ctx: RenderContext, model: Model, component: str) -> None:
    role_specs = []
    for role, replicas, parallelism in roles(model):
        pod = server_pod(ctx, model, role=role, gpus=parallelism.gpus // model.nodes_per_replica)
        role_specs.append({"name": role, "replicas": replicas, "pod_group_size": model.nodes_per_replica, "pod": pod})
    # replicas stays even when autoscaled: the v0.7.0 autoscaler and StormService controller dereference it
    ctx.render("aibrix/stormservice.yaml.j2", component, PHASE, name=model.name, namespace=ctx.namespace,
               labels=ctx.model_labels(model), replicas=model.replicas, selector=ctx.model_labels(model),
               scheduling_strategy=volcano_strategy(ctx, model), roles=role_specs)


def volcano_strategy(ctx: RenderContext, model: Model) -> dict | None:
    """The RoleSet gang: exactly one strategy key (the CRD allows at most one), one PodGroup per replica.

    AIBrix v0.7.0 writes that PodGroup without a network topology, so with networkTopology the pods'
    Volcano annotations are used instead: Volcano then makes one PodGroup per RoleSet (or per PodSet
    for multi-node roles) that carries the topology, without a gang minimum.
    """
    volcano = ctx.stack.volcano
    if ctx.stack.scheduler != "volcano" or not volcano:
        return None
    if volcano.network_topology:
        ctx.note(f"aibrix: {model.name}: Volcano topology comes from pod annotations (automatic PodGroups per "
                 "RoleSet/PodSet); the RoleSet gang (volcanoSchedulingStrategy) is left out because AIBrix v0.7.0 "
                 "writes its PodGroup without a network topology")
        return None
    return {"volcanoSchedulingStrategy": {"queue": volcano.queue_name, "minMember": pods_per_roleset(model)}}


def _render_adapters(ctx: RenderContext, model: Model, component: str) -> None:
    from ..render.context import STACK_LABEL

    pod_selector = {STACK_LABEL: ctx.stack.name, LABEL_NAME: model.name, LABEL_ADAPTER_ENABLED: "true"}
    if model.nodes_per_replica > 1:
        pod_selector[LABEL_POD_GROUP_INDEX] = "0"  # only rank 0 serves HTTP
    for adapter in model.lora.adapters:
        # the model router makes <adapter>-router from these labels; replicas is omitted: load on every matching pod
        labels = {**ctx.model_labels(model), LABEL_NAME: adapter.name, LABEL_PORT: str(MODEL_PORT)}
        ctx.render("aibrix/modeladapter.yaml.j2", component, PHASE, name=adapter.name, namespace=ctx.namespace,
                   labels=labels, base_model=model.name, artifact_url=artifact_url(adapter.uri), pod_selector=pod_selector)
    if any(a.uri.startswith(("s3://", "gs://")) for a in model.lora.adapters) and sidecar_loads_adapters(model):
        ctx.note(f"aibrix: the aibrix-runtime sidecar of {model.name} downloads s3/gcs adapters with the pod's cloud "
                 "identity (workload identity / IRSA) or AWS_* / GOOGLE_* variables in runtime.env")


def _render_autoscaler(ctx: RenderContext, model: Model, component: str) -> None:
    a = model.autoscaling
    annotations = dict(PA_ANNOTATIONS)
    role = None
    if uses_stormservice(model):
        target = {"apiVersion": "orchestration.aibrix.ai/v1alpha1", "kind": "StormService", "name": model.name}
        annotations[PA_STORM_MODE] = "replica"  # scale whole RoleSets (StormService replicas)
        if model.disaggregation:
            role = PA_PD_ROLE[a.metric]
    else:
        target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name}
    ctx.render("aibrix/podautoscaler.yaml.j2", component, PHASE, name=f"{model.name}-autoscaler", namespace=ctx.namespace,
               labels=ctx.model_labels(model), annotations=annotations, strategy=PA_STRATEGY,
               min_replicas=a.min_replicas, max_replicas=a.max_replicas, target=target, role=role,
               port=MODEL_PORT, metric=PA_METRICS[a.metric], target_value=number(a.target))


# --- pods ---------------------------------------------------------------------------------------


def server_pod(ctx: RenderContext, model: Model, role: str | None = None, gpus: int | None = None) -> dict:
    """metadata + spec of one model-server pod (a Deployment's, or a StormService role's)."""
    from ..components import runtime

    placement = ctx.placement(model, gpus=gpus)
    pd_role = role if model.disaggregation else None
    multinode = None
    if model.nodes_per_replica > 1:
        leader = f"$(PODSET_NAME)-0.{model.name}.{ctx.namespace}.svc.cluster.local"
        multinode = runtime.MultiNode(model.nodes_per_replica, leader, "$(POD_GROUP_INDEX)", leader=True)
    opts = runtime.ServerOptions(port=MODEL_PORT, role=pd_role, multinode=multinode, load_lora_modules=False)
    server = runtime.container(model, placement, opts=opts)
    if multinode and model.runtime != "simulator":
        _rank_aware(server, model, opts)
    containers = [server]
    if sidecar_loads_adapters(model):
        server.setdefault("volumeMounts", []).append({"name": ADAPTER_VOLUME, "mountPath": ADAPTER_MOUNT})
        containers.append(runtime_sidecar(model))
    spec = runtime.pod_spec(model, placement, containers, ctx.stack.name)
    if sidecar_loads_adapters(model):
        spec.setdefault("volumes", []).append({"name": ADAPTER_VOLUME, "emptyDir": {}})
    labels = {**ctx.model_labels(model), **aibrix_labels(model)}
    if role:
        labels["inferstack.dev/role"] = role
    annotations = dict(placement.annotations)
    strategy = routing_strategy(model)
    if strategy:
        annotations[ANNOTATION_CONFIG] = config_annotation(strategy)
    if model.runtime == "sglang" and pd_role == "prefill":
        annotations[ANNOTATION_SGLANG_BOOTSTRAP] = SGLANG_BOOTSTRAP_PORT
    return {"metadata": {"labels": labels, "annotations": annotations}, "spec": spec}


def _rank_aware(server: dict, model: Model, opts) -> None:
    """One pod template serves every rank of a PodSet: rank 0 runs the API server, the others join it.

    Kubernetes expands $(POD_GROUP_INDEX) and $(PODSET_NAME) (injected by the PodSet controller) in the
    arguments. vLLM's other ranks also need worker-only flags (--headless): a fixed shell script adds
    them, while the engine command stays a list of arguments ("$@") that no shell parses. Only rank 0
    serves HTTP, so the probes pass on the others.
    """
    from dataclasses import replace

    from ..components import runtime

    if model.runtime == "vllm":
        command, leader_args = runtime.command_and_args(model, opts)
        _, worker_args = runtime.command_and_args(model, replace(opts, multinode=replace(opts.multinode, leader=False)))
        worker_only = worker_flags(leader_args, worker_args)
        script = f'if [ "$POD_GROUP_INDEX" = 0 ]; then exec "$@"; fi; exec "$@" {shell_join(worker_only)}'
        server["command"] = ["sh", "-c", script, "sh"]
        server["args"] = command + leader_args
    for key in ("readinessProbe", "startupProbe"):
        server[key] = rank0_probe(server[key], opts.port)


def worker_flags(leader_args: list[str], worker_args: list[str]) -> list[str]:
    """The flags only non-leader ranks take; they must be standalone flags the leader lacks."""
    extra = [a for a in worker_args if a not in leader_args]
    if [a for a in worker_args if a not in extra] != leader_args or not all(a.startswith("--") for a in extra):
        raise ValueError(f"worker arguments are not the leader's plus standalone flags: {worker_args}")
    return extra


def rank0_probe(probe: dict, port: int) -> dict:
    path = probe["httpGet"]["path"]
    check = (f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=4)")
    out = {k: v for k, v in probe.items() if k != "httpGet"}
    out["exec"] = {"command": ["sh", "-c", f'[ "$POD_GROUP_INDEX" != 0 ] || python3 -c "{check}"']}
    out["timeoutSeconds"] = 5
    return out


def runtime_sidecar(model: Model) -> dict:
    """The aibrix-runtime container: the controller detects it by name and delegates adapter downloads to it."""
    from ..components import runtime

    env: list[dict] = [{"name": "INFERENCE_ENGINE", "value": "vllm"},
                       {"name": "INFERENCE_ENGINE_ENDPOINT", "value": f"http://localhost:{MODEL_PORT}"}]
    if model.token_secret:
        env.append({"name": "HF_TOKEN",
                    "valueFrom": {"secretKeyRef": {"name": model.token_secret.name, "key": model.token_secret.key}}})
    resources = {"cpu": "500m", "memory": "1Gi"}
    return {
        "name": SIDECAR_NAME,
        "image": versions.image("aibrix-runtime"),
        "command": ["aibrix_runtime", "--port", str(SIDECAR_PORT)],
        "env": env,
        "ports": [{"name": "metrics", "containerPort": SIDECAR_PORT, "protocol": "TCP"}],
        "resources": {"requests": dict(resources), "limits": dict(resources)},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": SIDECAR_PORT}, "periodSeconds": 10},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": SIDECAR_PORT}, "periodSeconds": 10},
        "volumeMounts": [{"name": ADAPTER_VOLUME, "mountPath": ADAPTER_MOUNT}],
        "securityContext": runtime.security_context(versions.image("aibrix-runtime")),
    }


# --- endpoints and metrics ------------------------------------------------------------------------


def endpoints(ctx: RenderContext, model: Model) -> list:
    """The gateway URL for the model and each adapter. No request header is needed: a model routed by a
    strategy carries it as its default profile (model.aibrix.ai/config) on every pod, which the gateway
    applies when the request has no routing-strategy header (StormServices included)."""
    from ..render.result import Endpoint

    strategy = routing_strategy(model)

    def how(name: str) -> str:
        if strategy is None:
            return f"HTTPRoute {name}-router (written by the AIBrix controller) -> Service {name}"
        storm = "StormService without HTTPRoute; " if uses_stormservice(model) else ""
        return (f"{storm}gateway strategy {strategy} by default ({ANNOTATION_CONFIG} on the pods); "
                f"a {ROUTING_HEADER} header overrides it per request")

    out = [Endpoint(model=model.name, base_url=gateway_url(), served_by=model.name, note=how(model.name))]
    for adapter in model.adapter_names:
        out.append(Endpoint(model=adapter, base_url=gateway_url(), served_by=model.name,
                            note=f"ModelAdapter on {model.name}; {how(adapter)}"))
    return out


def metrics_targets(ctx: RenderContext) -> list:
    from ..components.observability import MetricsTarget, default_model_targets

    gateway_plugins = MetricsTarget(ctx.name("aibrix-gateway-plugins"), SYSTEM_NAMESPACE, {"app": "gateway-plugins"},
                                    "metrics", service=True)
    return default_model_targets(ctx) + [gateway_plugins]


# --- the engine -----------------------------------------------------------------------------------


class AIBrix(Engine):
    def generated_names(self, stack: Stack) -> list[GeneratedName]:
        out = []
        for m in stack.models:
            path = ("spec", "models", m.index, "name")
            out.append(GeneratedName(m.name, "AIBrix model Service name (= served model name)", path))
            if not uses_stormservice(m):
                continue
            for role, replicas, _ in roles(m):
                if m.nodes_per_replica > 1:
                    # the StormService webhook estimates PodSet names as model + role + 36 characters
                    fill = PODSET_NAME_SUFFIX - len("-roleset-xxxxx-") - len(f"-{ROLESET_HASH}-")
                    estimate = f"{m.name}-roleset-xxxxx-{role}-{ROLESET_HASH}-{'9' * fill}"
                    out.append(GeneratedName(estimate, f"AIBrix PodSet name estimate for role {role} (StormService webhook)", path))
                else:
                    hostname = f"{m.name}-roleset-xxxxx-{role}-{ROLESET_HASH}-{replicas - 1}"
                    out.append(GeneratedName(hostname, f"AIBrix StormService pod hostname for role {role}", path))
        return out

    def constraints(self, stack: Stack, doc: SourceDoc) -> list[Diagnostic]:
        return constraint_diagnostics(stack, doc)

    def render_platform(self, ctx: RenderContext) -> None:
        render_platform(ctx)

    def render_model(self, ctx: RenderContext, model: Model) -> None:
        render_model(ctx, model)

    def endpoints(self, ctx: RenderContext, model: Model) -> list[Endpoint]:
        return endpoints(ctx, model)

    def metrics_targets(self, ctx: RenderContext) -> list:
        return metrics_targets(ctx)

    def ingress_sources(self, ctx: RenderContext) -> list[IngressSource]:
        from ..components.gateway import ENVOY_GATEWAY_NAMESPACE

        # the Envoy proxies of the AIBrix Gateway; the gateway plugins read model-server metrics, the
        # controllers load LoRA adapters into the servers and the PodAutoscaler scrapes them
        return [IngressSource(ENVOY_GATEWAY_NAMESPACE, f"{GATEWAY_NAME} proxies"),
                IngressSource(SYSTEM_NAMESPACE, "AIBrix gateway plugins and controllers")]


ENGINE = AIBrix(
    name="aibrix",
    title="AIBrix",
    version="v0.7.0",
    summary="vLLM-ecosystem control plane: LLM-aware Envoy gateway, LoRA ModelAdapters, PodAutoscaler, StormService for P/D.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/vllm-project/aibrix",
)
