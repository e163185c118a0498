"""KServe v0.20.0: LLMInferenceService (serving.kserve.io/v1alpha2) with the llm-d scheduler and Gateway API.

What KServe's controller does with an LLMInferenceService decides what inferstack writes:
- it merges its well-known LLMInferenceServiceConfig presets (namespace `kserve`, chart
  kserve-runtime-configs) under the spec, then renders the result as a Go template;
- it runs the `main` container on port 8000 (8001 behind the P/D routing sidecar), downloads
  `model.uri` into /mnt/models with its storage initializer, and serves `model.name`;
- `router.route` + `router.gateway` become an HTTPRoute `<name>-kserve-route` on the Gateway with
  paths `/<namespace>/<name>/v1/...`; `router.scheduler` adds the llm-d endpoint picker and an
  InferencePool `<name>-inference-pool` that the route targets.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .. import versions
from . import llmd_router
from .base import Engine, GeneratedName, IngressSource, generic, model_object_name, native, no

if TYPE_CHECKING:
    from ..render.context import RenderContext
    from ..render.result import Endpoint, Install
    from ..spec.loader import SourceDoc
    from ..spec.model import Model, Stack

NAMESPACE = "kserve"  # the chart and the presets hard-code it
API_VERSION = "serving.kserve.io/v1alpha2"  # the storage version since v0.17
INGRESS_GATEWAY = "kserve-ingress-gateway"  # KServe's own Gateway (gateway.implementation: engine-native)
PIPELINE_WORKER_CONFIG = "kserve-config-llm-worker-pipeline-parallel"  # looked up, but not shipped by v0.20.0
MAIN = "main"
STORAGE_INITIALIZER = "storage-initializer"
ROUTING_SIDECAR = "llm-d-routing-sidecar"
MODEL_DIR = "/mnt/models"  # where the storage initializer puts model.uri
LORA_DIR = "/mnt/lora"  # loraAdaptersMountRoot: each adapter lands in <LORA_DIR>/<sanitized name>
PORT = 8000  # the workload Service and the InferencePool target this port
DECODE_ENGINE_PORT = 8001  # the engine behind the P/D routing sidecar
EPP_ZMQ_PORT = 5557
KV_EVENTS_BLOCK_SIZE = 64
KV_EVENTS_HASH_SEED = "42"
LWS_LEADER = "$(LWS_LEADER_ADDRESS)"
LWS_RANK = "$(LWS_WORKER_INDEX)"
SIM_ENTRYPOINT = "/app/llm-d-inference-sim"
ROLE_LABEL = "inferstack.dev/role"
# KServe's scheduler image (llm-d router v0.9.0) registers the scorer under this type; its default
# EndpointPickerConfig adds it with this weight when spec.model.lora has adapters
LORA_AFFINITY_SCORER = "lora-affinity-scorer"
LORA_AFFINITY_WEIGHT = 4
# the preset leaves the routing sidecar without requests; a proxy in front of one decode server needs little
SIDECAR_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}

CAPABILITIES = {
    "runtime:vllm": native("LLMInferenceService main container running `vllm serve /mnt/models` in KServe's preset vLLM image"),
    "runtime:sglang": generic("main container image and command replaced with SGLang on port 8000 (KServe has no SGLang preset)"),
    "runtime:simulator": generic("main container replaced with llm-d-inference-sim; storage initializer off (no weights)"),
    "multi-replica": native("spec.replicas"),
    "multi-node": native("spec.worker with parallelism.pipeline (LeaderWorkerSet <name>-kserve-mn); inferstack provides the "
                         "kserve-config-llm-worker-pipeline-parallel preset v0.20.0 looks up but does not ship"),
    "disaggregation": native("spec.prefill workload; the main workload decodes behind KServe's llm-d routing sidecar"),
    "kv-connector:nixl": native("vLLM NixlConnector --kv-transfer-config (kv_producer on prefill, kv_consumer on decode); "
                                "routing sidecar --kv-connector=nixlv2"),
    "kv-connector:lmcache": no("KServe's P/D routing sidecar speaks the NIXL protocol only"),
    "kv-connector:mooncake": no("KServe's P/D routing sidecar speaks the NIXL protocol only"),
    "lora": native("spec.model.lora (KServe downloads the adapters to /mnt/lora/<name>) with vLLM's --lora-modules "
                   "for those paths in the exec-form args, so KServe adds no shell-quoted flags; the simulator gets its own"),
    "autoscaling": generic("HorizontalPodAutoscaler on the controller's Deployment/LeaderWorkerSet (spec.replicas left unset) "
                           "with pods metrics from prometheus-adapter; KServe's spec.scaling needs the llm-d WVA, "
                           "which takes no metric target"),
    "autoscaling-metric:kv-cache-usage": generic("HPA pods metric vllm_kv_cache_usage_perc (adapter rule over vllm:kv_cache_usage_perc)"),
    "autoscaling-metric:queue-depth": generic("HPA pods metric vllm_num_requests_waiting (adapter rule over vllm:num_requests_waiting)"),
    "autoscaling-metric:requests-per-second": generic("HPA pods metric vllm_requests_per_second "
                                                      "(adapter rule: rate of vllm:request_success_total over 1m)"),
    "autoscaling-metric:gpu-utilization": no("GPU utilization comes from DCGM per node, not per model-server pod"),
    "kv-offload": generic("LMCache CPU offload in the main container (LMCacheConnectorV1, LMCACHE_* env, LMCache vLLM image); "
                          "KServe's own spec.kvCacheOffloading runs vLLM's OffloadingConnector, not LMCache"),
    "prefix-caching-off": generic("vLLM --no-enable-prefix-caching (SGLang --disable-radix-cache) in the main container"),
    "routing:round-robin": no("KServe routes through the llm-d scheduler (InferencePool); without it the gateway balances the "
                              "workload Service with its own default, least-request on Envoy Gateway and Istio"),
    "routing:least-request": native("router.scheduler with an inline EndpointPickerConfig: queue and active-request scorers"),
    "routing:prefix-cache": native("router.scheduler with an inline EndpointPickerConfig: prefix-cache scorer over queue and "
                                   "KV-cache utilization"),
    "routing:kv-cache-aware": native("router.scheduler with the precise-prefix-cache scorer fed by vLLM KV events over ZMQ"),
    "routing:pd": native("router.scheduler with KServe's default P/D profiles (prefill and decode filters)"),
    "source:hf": native("model.uri hf://owner/model[:revision], downloaded by KServe's storage initializer"),
    "source:s3": native("model.uri s3://, downloaded by KServe's storage initializer"),
    "source:gs": no("KServe v0.20.0's LLMInferenceService accepts hf://, s3://, pvc:// and oci:// model URIs, not gs://"),
    "source:pvc": native("model.uri pvc://<claim>/<path>, mounted read-only at /mnt/models"),
    "token-secret": generic("HF_TOKEN secretKeyRef on the storage-initializer (merged by KServe) and the main container"),
    "model-cache": no("KServe's storage initializer downloads into a per-pod emptyDir; its cache is LocalModelCache, "
                      "which inferstack does not render"),
    "volcano": generic("schedulerName volcano in the pod templates, queue annotation through spec.annotations; "
                       "Volcano makes one PodGroup per ReplicaSet/StatefulSet (KServe has no gang field)"),
    "volcano-topology": generic("network-topology annotations on the pods, inherited by those PodGroups: soft mode packs "
                                "a model's pods; hard mode only for single-pod models"),
    "gateway:engine-native": native("KServe's own Gateway kserve/kserve-ingress-gateway on Envoy Gateway with the "
                                    "InferencePool extension (KServe's default layout)"),
    "gateway:envoy-gateway": native("the stack's Gateway on Envoy Gateway, plus the Envoy AI Gateway extension KServe's "
                                    "dependency set adds so HTTPRoutes can target InferencePools"),
    "gateway:istio": native("the stack's Gateway on Istio with the inference extension"),
    "gateway:agentgateway": native("the stack's Gateway on agentgateway with the inference extension"),
    "gateway:kgateway": no("kgateway v2.1 deprecated the Envoy InferencePool support KServe's scheduler needs (use agentgateway)"),
    "gateway:envoy-ai-gateway": native("the stack's Gateway on Envoy Gateway with Envoy AI Gateway (InferencePool backends)"),
    "gateway-tls": generic("HTTPS listener with the certificateRef on the Gateway the routes attach to"),
    "gateway-hostname": generic("listener hostname on the Gateway the routes attach to"),
}


# --- names the controller derives (kmeta.ChildName hashes them beyond 63 characters) -------------
def service_name(stack: Stack, model: Model) -> str:
    """The LLMInferenceService name: also the second segment of its URL path."""
    return model_object_name(stack, model)


def child(name: str, suffix: str) -> str:
    return f"{name}{suffix}"


CONTROLLER_SUFFIXES = (
    ("-kserve-self-signed-certs", "KServe TLS Secret name"),
    ("-kserve-router-scheduler", "KServe scheduler Deployment name"),
    ("-kserve-workload-svc", "KServe workload Service name"),
    ("-kserve-prefill", "KServe prefill Deployment name"),
    ("-inference-pool", "KServe InferencePool name"),
    ("-kserve-route", "KServe HTTPRoute name"),
    ("-epp-service", "KServe scheduler Service name"),
)


def go_template_literal(text: str) -> str:
    """KServe renders the merged spec as a Go template (missingkey=error): `{{` must be written as
    {{`{{`}} to reach the container unchanged. JSON marshalling leaves backquotes alone."""
    return text.replace("{{", "{{`{{`}}")


def escape_spec_strings(node: Any) -> Any:
    if isinstance(node, str):
        return go_template_literal(node)
    if isinstance(node, dict):
        return {k: escape_spec_strings(v) for k, v in node.items()}
    if isinstance(node, list):
        return [escape_spec_strings(v) for v in node]
    return node


# --- the engine ---------------------------------------------------------------------------------
class KServe(Engine):
    def spec_literal(self, text: str) -> str:
        return go_template_literal(text)

    def generated_names(self, stack: Stack) -> list[GeneratedName]:
        out = []
        for m in stack.models:
            name = service_name(stack, m)
            path = ("spec", "models", m.index, "name")
            out.append(GeneratedName(name, "LLMInferenceService name", path))
            for suffix, what in CONTROLLER_SUFFIXES:
                out.append(GeneratedName(child(name, suffix), what, path))
            if m.nodes_per_replica > 1:
                # LWS names the worker StatefulSet of group g `<lws>-<g>`; its pods carry
                # controller-revision-hash `<statefulset>-<10 characters>`.
                last = m.max_replicas - 1
                out.append(GeneratedName(f"{name}-kserve-mn-{last}-xxxxxxxxxx", "LeaderWorkerSet revision label", path))
        return out

    def envoy_inference_pools(self, stack: Stack) -> bool:
        return True  # router.scheduler: every model's HTTPRoute targets its InferencePool

    def constraints(self, stack: Stack, doc: SourceDoc) -> list:
        out = []
        for m in stack.models:
            out.extend(_model_constraints(stack, m, doc))
        return out

    # --- rendering ------------------------------------------------------------------------
    def render_platform(self, ctx: RenderContext) -> None:
        from ..components import certmanager, gateway, lws

        stack = ctx.stack
        _install_first(ctx, certmanager.install())
        if ctx.gateway == "engine-native":
            _render_own_gateway(ctx)
        gie = gateway.inference_extension_crds()
        _install_after(ctx, "gateway-api-crds", gie)
        if ctx.gateway == "envoy-gateway":
            _add_envoy_inference_pool_extension(ctx)
        if any(m.nodes_per_replica > 1 for m in stack.models):
            ctx.install(lws.install())
            ctx.note("kserve: llmisvc-controller-manager watches LeaderWorkerSets only if their CRD exists when it "
                     "starts (LWS is installed before it here); when a stack gains its first multi-node model, "
                     "restart llmisvc-controller-manager after LWS is installed")
        for install in kserve_installs(ctx):
            ctx.install(install)
        if any(m.autoscaling for m in stack.models):
            from ..components import autoscaling

            ctx.install(autoscaling.prometheus_adapter(list(stack.models)))
        if any(m.nodes_per_replica > 1 for m in stack.models):
            ctx.add(pipeline_worker_config(ctx), "engine", "20-platform")
        ctx.note("kserve: install kserve-runtime-configs (the LLMInferenceService presets) only after certificate "
                 "kserve/llmisvc-serving-cert is Ready and llmisvc-controller-manager is Available: its webhook "
                 "validates every preset")
        ctx.note("kserve: an LLMInferenceService can report Ready=False/WaitingForGateway while traffic flows "
                 "(kserve/kserve#5986, #6072); check the endpoint with a request to <baseUrl>/v1/models")

    def render_model(self, ctx: RenderContext, model: Model) -> None:
        component = f"model/{model.name}"
        body = llm_inference_service(ctx, model)
        ctx.add(body, component, "30-models")
        if model.autoscaling:
            render_hpa(ctx, model, component)

    def ingress_sources(self, ctx: RenderContext) -> list[IngressSource]:
        from ..components import gateway

        if ctx.gateway == "engine-native":  # kserve-ingress-gateway runs on Envoy Gateway, proxies in its namespace
            return [IngressSource(gateway.ENVOY_GATEWAY_NAMESPACE, f"{INGRESS_GATEWAY} proxies")]
        return []

    def endpoints(self, ctx: RenderContext, model: Model) -> list[Endpoint]:
        from ..render.result import Endpoint

        base = f"{gateway_base_url(ctx)}/{ctx.namespace}/{service_name(ctx.stack, model)}"
        # a listener with a hostname only matches requests for that host
        headers = {"Host": ctx.stack.gateway_hostname} if ctx.stack.gateway_hostname else {}
        note = "KServe path layout /<namespace>/<name>/v1/...; the route rewrites it to /v1/..."
        return [Endpoint(model=served, base_url=base, headers=dict(headers), served_by=model.name, note=note)
                for served in (model.name, *model.adapter_names)]


# --- validation ------------------------------------------------------------------------------------
def _model_constraints(stack: Stack, m: Model, doc: SourceDoc) -> list:
    base = ("spec", "models", m.index)
    out = []

    def reject(path: tuple, message: str, hint: str) -> None:
        out.append(doc.diag(base + path, "INF302", message, hint))

    if m.source_scheme == "hf" and m.runtime != "simulator":
        if len(m.source_path.split("/")) != 2:
            reject(("source", "uri"), "KServe's storage initializer reads hf://owner/model (exactly two path segments)",
                   "use the owner/model form of the repository")
        if m.revision and not re.fullmatch(r"[A-Za-z0-9._-]+", m.revision):
            reject(("source", "revision"), "KServe carries the revision in the model URI (hf://owner/model:revision); "
                   "it cannot hold '/', ':' or other special characters", "pin a commit hash, branch or tag name")
    if m.nodes_per_replica > 1:
        p = m.parallelism
        if p.pipeline != m.nodes_per_replica or p.data != 1:
            reject(("parallelism",), "KServe sizes a multi-node replica from parallelism.pipeline (data-parallel workers "
                   "need data and dataLocal instead): set parallelism.pipeline equal to nodesPerReplica and data to 1",
                   f"parallelism: {{tensor: {p.gpus // m.nodes_per_replica}, pipeline: {m.nodes_per_replica}}}")
        if m.disaggregation:
            reject(("nodesPerReplica",), "inferstack renders KServe multi-node workers for aggregated serving only",
                   "drop disaggregation or use single-node roles")
    topology = stack.volcano.network_topology if stack.volcano else None
    if topology and topology.mode == "hard" and pods_per_model(m) > 1:
        reject(("replicas",), "Volcano groups the pods of each ReplicaSet/StatefulSet KServe creates into one PodGroup "
               "(KServe sets no group of its own), so a hard network topology would force all of this model's pods "
               f"into one {topology.highest_tier} domain and could not keep a prefill/decode or leader/worker group together",
               "use networkTopology.mode soft, or a single-pod model")
    if m.disaggregation:
        if m.runtime == "sglang":
            reject(("runtime", "name"), "KServe's P/D routing sidecar drives vLLM's NIXL protocol, not SGLang's",
                   "use runtime vllm (or the simulator) for prefill/decode on KServe")
        if m.kv_offload:
            reject(("kvCache", "offload"), "the P/D kv-transfer-config (NIXL) and LMCache offload cannot both be set "
                   "on KServe's workloads", "drop kvCache.offload for prefill/decode")
        if m.autoscaling:
            reject(("autoscaling",), "inferstack autoscales KServe's aggregated workload only",
                   "drop autoscaling or the prefill/decode split")
    if m.lora and m.runtime == "sglang":
        reject(("lora",), "KServe v0.20.0 downloads spec.model.lora adapters but adds vLLM's --enable-lora and "
               "--lora-modules flags to the main container (unless it already has --lora-modules), which SGLang's "
               "launcher rejects", "use runtime vllm for LoRA on KServe, or engine llm-d, aibrix or kthena for SGLang LoRA")
    if m.lora and m.runtime == "vllm":
        for i, a in enumerate(m.lora.adapters):
            if a.uri.startswith("gs://"):
                reject(("lora", "adapters", i, "uri"), "KServe v0.20.0 loads LoRA adapters from hf://, s3:// and pvc:// "
                       "only; it fails the whole LLMInferenceService on a gs:// adapter", "use an hf:// or s3:// adapter")
    if m.routing == "kv-cache-aware" and m.runtime != "vllm":
        reject(("routing", "strategy"), "precise prefix-cache routing needs vLLM's KV events (--kv-events-config)",
               "use runtime vllm, or routing prefix-cache")
    if m.autoscaling:
        if not stack.prometheus:
            reject(("autoscaling",), "KServe autoscaling reads vLLM metrics through Prometheus and prometheus-adapter",
                   "set spec.observability.prometheus: true")
        if m.runtime == "sglang":
            reject(("autoscaling",), "the adapter rules read vLLM metric names; SGLang exports others",
                   "use runtime vllm (or the simulator)")
    return out


def pods_per_model(m: Model) -> int:
    """Pods the model can run at most (all replicas and roles)."""
    if m.disaggregation:
        return m.disaggregation.prefill.replicas + m.disaggregation.decode.replicas
    replicas = m.max_replicas
    return replicas * m.nodes_per_replica


# --- installs ----------------------------------------------------------------------------------
def _install_first(ctx: RenderContext, install: Install) -> None:
    """Before the gateway's installs (cert-manager must run before any KServe webhook)."""
    if any(i.name == install.name for i in ctx.installs):
        return
    index = next((n for n, i in enumerate(ctx.installs) if i.component == "gateway"), len(ctx.installs))
    ctx.installs.insert(index, install)


def _install_after(ctx: RenderContext, anchor: str, install: Install) -> None:
    if any(i.name == install.name for i in ctx.installs):
        return
    index = next((n + 1 for n, i in enumerate(ctx.installs) if i.name == anchor), len(ctx.installs))
    ctx.installs.insert(index, install)


def _add_envoy_inference_pool_extension(ctx: RenderContext) -> None:
    """Envoy Gateway rejects InferencePool backendRefs unless the Envoy AI Gateway controller serves as its
    extension (KServe's llmisvc dependency set does the same): swap in those values and add the AI Gateway."""
    from ..components import gateway

    installs = gateway.implementation_installs("envoy-ai-gateway", inference_pools=True)
    at = next(n for n, i in enumerate(installs) if i.name == "envoy-gateway")
    envoy, extension = installs[at], installs[at + 1:]
    for install in installs[:at]:  # the inference extension CRDs, before Envoy Gateway
        _install_after(ctx, "gateway-api-crds", install)
    index = next(n for n, i in enumerate(ctx.installs) if i.name == envoy.name)
    ctx.installs[index] = envoy
    for offset, install in enumerate(extension, start=1):
        if not any(i.name == install.name for i in ctx.installs):
            ctx.installs.insert(index + offset, install)


def _chart(key: str, values: dict, provides: tuple[str, ...] = (), note: str | None = None) -> Install:
    from ..render.result import Install

    chart = versions.chart(key)
    return Install(name=key, component="engine", method="helm", version=chart["version"], namespace=NAMESPACE,
                   repo=chart["repo"], chart=chart["chart"], values=values, provides=provides, note=note)


def kserve_installs(ctx: RenderContext) -> list[Install]:
    """The five KServe charts at one version, in KServe's own order."""
    gateway_ref = f"{NAMESPACE}/{INGRESS_GATEWAY}" if ctx.gateway == "engine-native" else \
        f"{ctx.gateway_ref.namespace}/{ctx.gateway_ref.name}"
    group = "serving.kserve.io"
    return [
        _chart("kserve-crd", {}, tuple(f"{group}/{k}" for k in (
            "InferenceService", "ServingRuntime", "ClusterServingRuntime", "InferenceGraph", "TrainedModel",
            "ClusterStorageContainer"))),
        _chart("kserve-resources", {"kserve": {"controller": {
            # the chart default (Knative) needs Knative Serving; inferstack installs none
            "deploymentMode": "Standard",
            "gateway": {"ingressGateway": {"kserveGateway": gateway_ref}},
        }}}),
        _chart("kserve-llmisvc-crd", {}, (f"{group}/LLMInferenceService", f"{group}/LLMInferenceServiceConfig")),
        _chart("kserve-llmisvc-resources", {"kserve": {
            "createSharedResources": False,  # kserve-resources owns inferenceservice-config and the issuer
            "llmisvc": {"createGIECRDs": False},  # the pinned GIE release is installed before the gateway
        }}),
        _chart("kserve-runtime-configs", {"kserve": {"servingruntime": {"enabled": True}, "llmisvcConfigs": {"enabled": True}}},
               note="wait for certificate kserve/llmisvc-serving-cert Ready and deployment "
                    "kserve/llmisvc-controller-manager Available first: the presets pass its webhook"),
    ]


# --- the gateway -------------------------------------------------------------------------------
def _render_own_gateway(ctx: RenderContext) -> None:
    """engine-native: KServe's default layout, Gateway kserve/kserve-ingress-gateway on Envoy Gateway."""
    from ..components import gateway
    from ..render.environment import render_object

    ctx.install(gateway.gateway_api_crds())
    for install in gateway.implementation_installs("envoy-ai-gateway", inference_pools=True):
        ctx.install(install)
    impl = gateway.IMPLEMENTATIONS["envoy-ai-gateway"]
    ctx.add(render_object("common/gatewayclass.yaml.j2", name=impl.class_name, controller=impl.controller),
            "engine", "20-platform")
    listeners = gateway.listeners(ctx)
    for listener in listeners:
        listener["allowedRoutes"] = {"namespaces": {"from": "All"}}  # routes live in the model namespace
        for ref in listener.get("tls", {}).get("certificateRefs", []):
            ref["namespace"] = ctx.namespace
    ctx.add(render_object("common/gateway.yaml.j2", name=INGRESS_GATEWAY, namespace=NAMESPACE, labels=None,
                          class_name=impl.class_name, listeners=listeners), "engine", "20-platform")
    if ctx.stack.gateway_tls_secret:
        ctx.render("kserve/referencegrant.yaml.j2", "engine", "20-platform", name=ctx.name("kserve-gateway-tls"),
                   namespace=ctx.namespace, from_namespace=NAMESPACE, secret=ctx.stack.gateway_tls_secret)


def gateway_host(ctx: RenderContext) -> str:
    from ..components import gateway

    if ctx.gateway == "engine-native":
        return f"{gateway.envoy_service_name(NAMESPACE, INGRESS_GATEWAY)}.{gateway.ENVOY_GATEWAY_NAMESPACE}.svc.cluster.local"
    return ctx.gateway_ref.service_host


def gateway_base_url(ctx: RenderContext) -> str:
    port = ctx.stack.gateway_port
    return f"http://{gateway_host(ctx)}" + ("" if port == 80 else f":{port}")


def gateway_refs(ctx: RenderContext) -> dict:
    if ctx.gateway == "engine-native":
        return {}  # managed: the Gateway named in inferenceservice-config (kserve/kserve-ingress-gateway)
    return {"refs": [{"name": ctx.gateway_ref.name, "namespace": ctx.gateway_ref.namespace}]}


# --- the LLMInferenceService ----------------------------------------------------------------------
def model_uri(m: Model) -> str:
    if m.source_scheme == "hf" and m.revision and m.runtime != "simulator":
        return f"{m.uri}:{m.revision}"
    return m.uri


def llm_inference_service(ctx: RenderContext, m: Model) -> dict:
    from ..render.environment import render_object

    name = service_name(ctx.stack, m)
    model: dict[str, Any] = {"uri": model_uri(m), "name": m.name}
    if m.lora and m.runtime == "vllm":
        model["lora"] = {"adapters": [{"name": a.name, "uri": a.uri} for a in m.lora.adapters],
                         "maxAdapters": m.lora.max_adapters}
    spec: dict[str, Any] = {"model": model}
    if m.runtime == "simulator":
        spec["storageInitializer"] = {"enabled": False}
    role = "decode" if m.disaggregation else None
    spec.update(workload(ctx, m, role))
    if m.disaggregation:
        spec["prefill"] = workload(ctx, m, "prefill")
    spec["router"] = {"route": {}, "gateway": gateway_refs(ctx), "scheduler": scheduler(m)}
    body = render_object("kserve/llminferenceservice.yaml.j2", name=name, namespace=ctx.namespace,
                         spec=escape_spec_strings(spec))
    return body


def workload(ctx: RenderContext, m: Model, role: str | None) -> dict[str, Any]:
    """A WorkloadSpec: the aggregated workload, or one role of a prefill/decode split."""
    parallelism = role_parallelism(m, role)
    out: dict[str, Any] = {}
    replicas = role_replicas(m, role)
    if replicas is not None:
        out["replicas"] = replicas
    par: dict[str, int] = {"tensor": parallelism.tensor}
    if m.nodes_per_replica > 1:
        par["pipeline"] = parallelism.pipeline
    out["parallelism"] = par
    labels = ctx.model_labels(m)
    if role:
        labels[ROLE_LABEL] = role
    if m.runtime == "sglang":
        # the scheduler reads SGLang's metric names only for pods labelled so (unlabelled pods count as vLLM)
        labels[llmd_router.ENGINE_TYPE_LABEL] = llmd_router.engine_type(m)
    out["labels"] = labels
    placement = ctx.placement(m, gpus=parallelism.gpus // m.nodes_per_replica)
    if placement.annotations:
        out["annotations"] = dict(placement.annotations)
    out["template"] = pod_template(ctx, m, role, placement)
    if m.nodes_per_replica > 1:
        out["worker"] = pod_template(ctx, m, role, placement, worker=True)
    return out


def role_parallelism(m: Model, role: str | None):
    if role and m.disaggregation:
        return getattr(m.disaggregation, role).parallelism
    return m.parallelism


def role_replicas(m: Model, role: str | None) -> int | None:
    if role and m.disaggregation:
        return getattr(m.disaggregation, role).replicas
    if m.autoscaling:
        return None  # the HorizontalPodAutoscaler owns it; KServe then preserves the live count
    return m.replicas


def engine_port(m: Model, role: str | None) -> int:
    return DECODE_ENGINE_PORT if role == "decode" else PORT


def pod_template(ctx: RenderContext, m: Model, role: str | None, placement, *, worker: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = placement.pod_fields()
    init = init_containers(ctx, m, role)
    if init:
        spec["initContainers"] = init
    spec["containers"] = [main_container(ctx, m, role, placement, worker=worker)]
    return spec


def storage_initializer_token(m: Model) -> dict[str, Any] | None:
    """KServe merges a user container named storage-initializer into the one it injects (env kept)."""
    from ..components import runtime

    if not m.token_secret or m.runtime == "simulator":
        return None
    return {"name": STORAGE_INITIALIZER, "env": [
        {"name": runtime.TOKEN_ENV, "valueFrom": {"secretKeyRef": {"name": m.token_secret.name,
                                                                   "key": m.token_secret.key}}}]}


def init_containers(ctx: RenderContext, m: Model, role: str | None) -> list[dict[str, Any]]:
    out = []
    token = storage_initializer_token(m)
    if token:
        out.append(token)
    if role == "decode":
        out.append(routing_sidecar(ctx, m))
    return out


def routing_sidecar(ctx: RenderContext, m: Model) -> dict[str, Any]:
    """The preset's sidecar watches inference.networking.x-k8s.io InferencePools; with the GIE v1 CRDs
    installed (and not the chart's alpha ones) it must watch the v1 group instead."""
    from ..components import runtime

    pool = f"{ctx.namespace}/{child(service_name(ctx.stack, m), '-inference-pool')}"
    return {"name": ROUTING_SIDECAR, "image": versions.image("kserve-pd-sidecar"), "command": [
        "/app/pd-sidecar", f"--port={PORT}", f"--vllm-port={DECODE_ENGINE_PORT}", "--kv-connector=nixlv2",
        "--enable-ssrf-protection=true", "--pool-group=inference.networking.k8s.io", f"--inference-pool={pool}",
        "--secure-proxy=false"],
        "resources": SIDECAR_RESOURCES,
        # the preset runs it non-root too
        "securityContext": {**runtime.security_context(versions.image("kserve-pd-sidecar")), "runAsNonRoot": True}}


def main_image(m: Model) -> str:
    from ..components import runtime

    if m.image:
        return m.image
    if m.runtime == "vllm":
        return versions.image("vllm-lmcache") if runtime.uses_lmcache(m) else versions.image("kserve-vllm")
    return versions.image(m.runtime)


def runs_as_root(m: Model) -> bool:
    """KServe's presets set runAsNonRoot; only its own vLLM image and the simulator declare a non-root user."""
    return main_image(m) not in (versions.image("kserve-vllm"), versions.image("simulator"))


def main_container(ctx: RenderContext, m: Model, role: str | None, placement, *, worker: bool) -> dict[str, Any]:
    from ..components import runtime

    port = engine_port(m, role)
    command, args = command_and_args(ctx, m, role, worker=worker)
    c: dict[str, Any] = {"name": MAIN, "image": main_image(m), "command": command, "args": args}
    extra = {}
    if m.runtime == "vllm" and m.routing == "kv-cache-aware":
        extra["PYTHONHASHSEED"] = KV_EVENTS_HASH_SEED
    envs = runtime.env(m, runtime.ServerOptions(port=port, role=role, extra_env=extra))
    if m.runtime == "vllm" and m.routing == "kv-cache-aware":
        envs.append({"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
    if envs:
        c["env"] = envs
    if not worker:
        c["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    c["resources"] = placement.resources(m.cpu, m.memory)
    c["securityContext"] = main_security_context(m)
    if not worker:  # headless worker ranks serve no HTTP
        # the presets probe too; the service states its own so that its pods never depend on a preset's port
        c["readinessProbe"] = runtime.readiness_probe(m, port)
        if m.runtime != "simulator":
            c["startupProbe"] = runtime.startup_probe(m, port)  # weights can take far longer than the preset's 10 minutes
    return c


def main_security_context(m: Model) -> dict[str, Any]:
    """Hardened like the presets (which KServe merges underneath); the presets' runAsNonRoot: true is
    overridden for images that run as root."""
    from ..components import runtime

    sc = runtime.security_context(main_image(m))
    sc["runAsNonRoot"] = not runs_as_root(m)
    return sc


def command_and_args(ctx: RenderContext, m: Model, role: str | None, *, worker: bool) -> tuple[list[str], list[str]]:
    """Exec form, no shell: the presets' `bash -c "eval exec vllm serve ... $@"` would re-parse every argument."""
    port = engine_port(m, role)
    name = service_name(ctx.stack, m)
    if m.runtime == "simulator":
        return [SIM_ENTRYPOINT], simulator_args(ctx, m, port)
    if m.runtime == "sglang":
        return ["python3", "-m", "sglang.launch_server"], sglang_args(m, role, port, worker=worker)
    return ["vllm", "serve"], vllm_args(ctx, m, role, port, name, worker=worker)


def served_names(ctx: RenderContext, name: str) -> list[str]:
    """KServe serves every model and adapter under its own name and publishers/<namespace>/models/<name>
    (fullyQualifiedModelName, the name model-based routing matches)."""
    return [name, f"publishers/{ctx.namespace}/models/{name}"]


def lora_adapter_dir(name: str) -> str:
    """Where KServe puts an adapter: hf:// and s3:// ones are downloaded there by the storage initializer,
    pvc:// ones mounted (sanitizeLoRAPathSegment: characters outside [a-zA-Z0-9._-] become '-')."""
    segment = re.sub(r"[^a-zA-Z0-9._-]", "-", name)
    return f"{LORA_DIR}/{'adapter' if segment in ('', '.', '..') else segment}"


def vllm_lora_args(ctx: RenderContext, m: Model) -> list[str]:
    """vLLM's LoRA flags for the adapters KServe downloads. KServe would prepend its own, each JSON module
    in shell single quotes for the presets' `bash -c eval`: in exec form the quotes reach vLLM (invalid
    JSON) and --lora-modules, placed first, swallows the model path. It skips them when the container
    already has --lora-modules (userSuppliedLoRAConfig) and still downloads and mounts every adapter.
    The caller places these before another flag, so the module list ends there."""
    modules = [json.dumps({"name": served, "path": lora_adapter_dir(a.name)}, separators=(",", ":"))
               for a in m.lora.adapters for served in served_names(ctx, a.name)]
    return ["--enable-lora", "--max-loras", str(m.lora.max_adapters), "--lora-modules", *modules]


def multinode_args(m: Model, flavour: str, worker: bool) -> list[str]:
    rank = LWS_RANK if worker else "0"
    if flavour == "sglang":
        return ["--nnodes", str(m.nodes_per_replica), "--node-rank", rank, "--dist-init-addr", f"{LWS_LEADER}:20000"]
    out = ["--nnodes", str(m.nodes_per_replica), "--node-rank", rank, "--master-addr", LWS_LEADER]
    return out + (["--headless"] if worker else [])


def vllm_args(ctx: RenderContext, m: Model, role: str | None, port: int, name: str, *, worker: bool) -> list[str]:
    from ..components import runtime

    p = role_parallelism(m, role)
    args = [MODEL_DIR, "--served-model-name", *served_names(ctx, m.name)]
    if m.lora:
        args += vllm_lora_args(ctx, m)
    args += ["--port", str(port), *runtime.parallelism_args("vllm", p)]
    if m.nodes_per_replica > 1:
        args += multinode_args(m, "vllm", worker)
    if not m.prefix_caching:
        args.append("--no-enable-prefix-caching")
    if m.disaggregation and role:
        kv_role = "kv_producer" if role == "prefill" else "kv_consumer"
        args += ["--kv-transfer-config", runtime.kv_transfer_config(m.disaggregation.kv_connector, kv_role)]
    elif m.kv_offload:
        args += ["--kv-transfer-config", runtime.kv_transfer_config("lmcache")]
    if m.routing == "kv-cache-aware":
        events = {"enable_kv_cache_events": True, "publisher": "zmq",
                  "endpoint": f"tcp://{child(name, '-epp-service')}.{ctx.namespace}.svc:{EPP_ZMQ_PORT}",
                  "topic": f"kv@$(POD_IP)@{m.name}"}
        args += ["--prefix-caching-hash-algo", "sha256_cbor", "--block-size", str(KV_EVENTS_BLOCK_SIZE),
                 "--kv-events-config", json.dumps(events, separators=(",", ":"))]
    return args + list(m.args)


def sglang_args(m: Model, role: str | None, port: int, *, worker: bool) -> list[str]:
    from ..components import runtime

    p = role_parallelism(m, role)
    args = ["--model-path", MODEL_DIR, "--served-model-name", m.name, "--host", "0.0.0.0", "--port", str(port),
            "--enable-metrics"]
    args += runtime.parallelism_args("sglang", p)
    if m.nodes_per_replica > 1:
        args += multinode_args(m, "sglang", worker)
    if not m.prefix_caching:
        args.append("--disable-radix-cache")
    return args + list(m.args)


def simulator_args(ctx: RenderContext, m: Model, port: int) -> list[str]:
    from ..components import runtime

    args = ["--model", m.name, "--served-model-name", *served_names(ctx, m.name), "--port", str(port),
            "--time-to-first-token", runtime.SIM_TTFT, "--inter-token-latency", runtime.SIM_ITL]
    if m.lora:
        args += ["--max-loras", str(m.lora.max_adapters), "--lora-modules",
                 *[json.dumps({"name": a.name, "path": a.uri}, separators=(",", ":")) for a in m.lora.adapters]]
    return args + list(m.args)


# --- the scheduler (llm-d endpoint picker) -------------------------------------------------------------
def scheduler(m: Model) -> dict[str, Any]:
    """`{}` takes KServe's default EndpointPickerConfig (its P/D profiles when spec.prefill is set)."""
    out: dict[str, Any] = {}
    profile = SCHEDULING_PROFILES.get(m.routing)
    if profile:
        plugins, scorers = profile
        if m.lora:  # what KServe's default config adds for adapters, which an inline config replaces
            plugins = [*plugins, {"type": LORA_AFFINITY_SCORER}]
            scorers = [*scorers, (LORA_AFFINITY_SCORER, LORA_AFFINITY_WEIGHT)]
        out["config"] = {"inline": endpoint_picker_config(plugins, scorers)}
    token = storage_initializer_token(m)
    if token:
        # The scheduler's tokenizer sidecar downloads the tokenizer from model.uri with its own storage
        # initializer. `containers` must be present: KServe merges specs with a strategic-merge patch
        # built from Go structs, where an absent (null) container list would delete the preset's containers.
        out["template"] = {"containers": [{"name": MAIN}], "initContainers": [token]}
    return out


def _precise_prefix_cache() -> dict[str, Any]:
    return {"type": "precise-prefix-cache-scorer", "parameters": {
        "tokenProcessorConfig": {"blockSizeTokens": KV_EVENTS_BLOCK_SIZE, "hashSeed": KV_EVENTS_HASH_SEED},
        "kvEventsConfig": {"zmqEndpoint": f"tcp://*:{EPP_ZMQ_PORT}", "topicFilter": "kv@"},
    }}


# routing strategy -> (plugins, weighted scorers of the single profile)
SCHEDULING_PROFILES: dict[str, tuple[list[dict], list[tuple[str, int]]]] = {
    "least-request": ([{"type": "queue-scorer"}, {"type": "active-request-scorer"}],
                      [("queue-scorer", 1), ("active-request-scorer", 1)]),
    "prefix-cache": ([{"type": "prefix-cache-scorer"}, {"type": "queue-scorer"}, {"type": "kv-cache-utilization-scorer"}],
                     [("prefix-cache-scorer", 3), ("queue-scorer", 2), ("kv-cache-utilization-scorer", 2)]),
    "kv-cache-aware": ([_precise_prefix_cache(), {"type": "queue-scorer"}, {"type": "kv-cache-utilization-scorer"}],
                       [("precise-prefix-cache-scorer", 3), ("queue-scorer", 2), ("kv-cache-utilization-scorer", 2)]),
}


def endpoint_picker_config(plugins: list[dict], scorers: list[tuple[str, int]]) -> dict[str, Any]:
    return {
        "apiVersion": "inference.networking.x-k8s.io/v1alpha1",
        "kind": "EndpointPickerConfig",
        "plugins": [{"type": "single-profile-handler"}, *plugins, {"type": "max-score-picker"}],
        "schedulingProfiles": [{"name": "default", "plugins": [
            *({"pluginRef": ref, "weight": weight} for ref, weight in scorers), {"pluginRef": "max-score-picker"}]}],
    }


# --- the pipeline-parallel worker preset ----------------------------------------------------------------
def pipeline_worker_config(ctx: RenderContext) -> dict:
    """KServe v0.20.0 looks up kserve-config-llm-worker-pipeline-parallel for a worker with pipeline
    parallelism (first in the service's namespace) but ships no such preset, so the service would stay
    at PresetsCombined=False/ConfigNotFound. This one holds the parts every model shares; each
    LLMInferenceService carries its own command, resources and placement."""
    from ..render.environment import render_object

    shared = {
        "imagePullPolicy": "IfNotPresent",
        "env": [{"name": "HOME", "value": "/home"}, {"name": "HF_HUB_CACHE", "value": "/models"}],
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}, "runAsNonRoot": True},
        "volumeMounts": [{"name": "home", "mountPath": "/home"}, {"name": "tmp", "mountPath": "/tmp"},
                         {"name": "dshm", "mountPath": "/dev/shm"}, {"name": "model-cache", "mountPath": "/models"}],
    }
    volumes = [{"name": "home", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}},
               {"name": "dshm", "emptyDir": {"medium": "Memory"}}, {"name": "model-cache", "emptyDir": {}}]
    probe = {"httpGet": {"path": "/health", "port": PORT}}
    leader = {"name": MAIN, "image": versions.image("kserve-vllm"),
              "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}], **shared,
              "livenessProbe": {**probe, "periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 10},
              "readinessProbe": {**probe, "periodSeconds": 5, "timeoutSeconds": 1, "failureThreshold": 3}}
    worker = {"name": MAIN, "image": versions.image("kserve-vllm"), **shared}
    spec = {
        "template": {"containers": [leader], "volumes": volumes, "terminationGracePeriodSeconds": 60},
        "worker": {"containers": [worker], "volumes": volumes, "terminationGracePeriodSeconds": 60},
    }
    return render_object("kserve/llminferenceserviceconfig.yaml.j2", name=PIPELINE_WORKER_CONFIG,
                         namespace=ctx.namespace, spec=escape_spec_strings(spec))


# --- autoscaling -----------------------------------------------------------------------------------------
def render_hpa(ctx: RenderContext, m: Model, component: str) -> None:
    from ..components import autoscaling

    name = service_name(ctx.stack, m)
    if m.nodes_per_replica > 1:
        target = {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": child(name, "-kserve-mn")}
    else:
        target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": child(name, "-kserve")}
    # not <name>-kserve-hpa: KServe deletes that HPA when spec.scaling is unset
    autoscaling.render_hpa(ctx, m, name=child(name, "-autoscaler"), target=target, component=component)


ENGINE = KServe(
    name="kserve",
    title="KServe",
    version="v0.20.0",
    summary="CNCF model serving: LLMInferenceService with llm-d scheduling behind a managed Gateway API route.",
    capabilities=CAPABILITIES,
    default_gateway="envoy-gateway",
    upstream="https://github.com/kserve/kserve",
)
