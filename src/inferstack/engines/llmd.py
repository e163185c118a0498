"""llm-d: model-server Deployments/LeaderWorkerSets, an InferencePool (GIE v1) and the llm-d router (EPP).

Rendering lives in `llmd_render` (router configuration in `llmd_router`) and is imported on first use,
so that `validate` loads only this table and the constraints.
"""

from __future__ import annotations

from .base import MOONCAKE_NEEDS_RDMA, Engine, GeneratedName, generic, native, no

CAPABILITIES = {
    "runtime:vllm": native("vLLM model servers selected by the InferencePool"),
    "runtime:sglang": native("SGLang model servers (pods labelled llm-d.ai/engine-type: sglang for the EPP's metrics)"),
    "runtime:simulator": native("llm-d-inference-sim model servers"),
    "multi-replica": native("Deployment replicas behind one InferencePool"),
    "multi-node": native("LeaderWorkerSet per model (LWS installed); the pool selects the leader pods"),
    "disaggregation": native("prefill and decode Deployments labelled llm-d.ai/role; routing sidecar on decode"),
    "kv-connector:nixl": native("vLLM NixlConnector with sidecar --kv-connector=nixlv2; SGLang nixl backend with "
                                "--kv-connector=sglang"),
    "kv-connector:lmcache": no("the llm-d v0.10.0 routing sidecar has no LMCache P/D protocol "
                               "(it speaks nixlv2, shared-storage, sglang, mooncake, offloading)"),
    "kv-connector:mooncake": MOONCAKE_NEEDS_RDMA,
    "lora": native("--lora-modules on every model server; the EPP's lora-affinity-scorer prefers pods with the adapter active"),
    "autoscaling": generic("autoscaling/v2 HorizontalPodAutoscaler on a model-server metric, served by prometheus-adapter"),
    "autoscaling-metric:kv-cache-usage": generic("HPA pods metric from vllm:kv_cache_usage_perc (sglang:token_usage)"),
    "autoscaling-metric:queue-depth": generic("HPA pods metric from vllm:num_requests_waiting (sglang:num_queue_reqs)"),
    "autoscaling-metric:requests-per-second": generic("HPA pods metric: rate of vllm:request_success_total "
                                                      "(sglang:num_requests_total)"),
    "autoscaling-metric:gpu-utilization": no("GPU utilization is a per-GPU DCGM metric, not a model-server pod "
                                             "metric an HPA on the workload can average"),
    "kv-offload": native("vLLM LMCacheConnectorV1 with CPU offload (llm-d's tiered prefix cache)"),
    "prefix-caching-off": generic("engine flag (--no-enable-prefix-caching / --disable-radix-cache); "
                                  "the EPP drops its prefix-cache scorer"),
    "routing:round-robin": no("the llm-d EPP picks by scores; it has no round-robin picker"),
    "routing:least-request": native("EPP active-request-scorer (in-flight requests per pod)"),
    "routing:prefix-cache": native("EPP prefix-cache-scorer (approximate prefix index) with queue-scorer"),
    "routing:kv-cache-aware": native("EPP precise-prefix-cache-producer fed by vLLM KV events, tokens from a "
                                     "vllm render sidecar"),
    "routing:pd": native("EPP disagg-profile-handler with prefill-filter/decode-filter profiles"),
    "source:hf": native("engine loads hf:// models by id"),
    "source:s3": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:gs": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:pvc": generic("PVC mounted into the model-server pods"),
    "token-secret": generic("secretKeyRef env in the model-server containers"),
    "model-cache": generic("model-cache PVC mounted into the model-server pods"),
    "volcano": generic("schedulerName: volcano and queue annotations; LWS gang PodGroups for multi-node replicas"),
    "volcano-topology": generic("Volcano network-topology annotations (on the LeaderWorkerSet for multi-node "
                                "replicas, on the pods otherwise)"),
    "gateway:engine-native": native("llm-d router in standalone mode (Envoy proxy in the EPP pod)"),
    "gateway:envoy-gateway": no("Envoy Gateway without the AI Gateway extension does not call the endpoint picker"),
    "gateway:istio": native("Istio Gateway with the inference extension; HTTPRoute to the InferencePool"),
    "gateway:agentgateway": native("agentgateway with the inference extension; HTTPRoute to the InferencePool"),
    "gateway:kgateway": no("kgateway's InferencePool support is deprecated and ends after v2.2; llm-d moved to "
                           "agentgateway"),
    "gateway:envoy-ai-gateway": no("llm-d's gateway mode is rendered for the providers its guides support: istio "
                                   "and agentgateway"),
    "gateway-tls": generic("Gateway listener with a TLS certificateRef (gateway modes only)"),
    "gateway-hostname": generic("Gateway listener and HTTPRoute hostnames (gateway modes only)"),
}

LWS_NAME_LIMIT = 50  # its StatefulSets' controller-revision-hash labels (<name>-<group>-<hash10>) stay within 63
PD_CONNECTORS_VLLM = ("nixl",)  # vLLM and the simulator


class LlmD(Engine):
    def generated_names(self, stack):
        out = []
        for m in stack.models:
            path = ("spec", "models", m.index, "name")
            base = f"{stack.name}-{m.name}"
            out.append(GeneratedName(f"{base}-epp-proxy", "llm-d router ConfigMap name", path))
            if m.disaggregation:
                out.append(GeneratedName(f"{base}-prefill", "llm-d prefill Deployment name", path))
                out.append(GeneratedName(f"{base}-sidecar", "llm-d decode ServiceAccount name", path))
            elif m.nodes_per_replica > 1:
                out.append(GeneratedName(base, "llm-d LeaderWorkerSet name", path, limit=LWS_NAME_LIMIT))
        return out

    def constraints(self, stack, doc):
        out = []
        for m in stack.models:
            out.extend(_model_constraints(stack, m, doc))
        out.extend(_gateway_constraints(stack, doc))
        return out

    # --- rendering (llmd_render is imported on first use) ---------------------------------------
    def render_platform(self, ctx):
        from . import llmd_render

        llmd_render.render_platform(ctx)

    def render_model(self, ctx, model):
        from . import llmd_render

        llmd_render.render_model(ctx, model)

    def endpoints(self, ctx, model):
        from . import llmd_render

        return llmd_render.endpoints(ctx, model)

    def metrics_targets(self, ctx):
        from . import llmd_render

        return llmd_render.metrics_targets(ctx)


def _model_constraints(stack, m, doc):
    base = ("spec", "models", m.index)
    d = m.disaggregation
    if d and d.prefill.parallelism.tensor > d.decode.parallelism.tensor:
        yield doc.diag(base + ("disaggregation", "prefill", "parallelism", "tensor"), "INF302",
                       f"llm-d's NIXL P/D cannot pair a prefill tensor-parallel size ({d.prefill.parallelism.tensor}) "
                       f"larger than decode's ({d.decode.parallelism.tensor})",
                       "use prefill tensor <= decode tensor")
    if d and m.runtime != "sglang" and d.kv_connector not in PD_CONNECTORS_VLLM and d.kv_connector != "lmcache":
        yield doc.diag(base + ("disaggregation", "kvConnector"), "INF302",
                       f"llm-d renders {m.runtime} prefill/decode with the NIXL protocol; {d.kv_connector} P/D is "
                       "rendered for the sglang runtime", "use kvConnector: nixl, or runtime sglang")
    if d and m.nodes_per_replica > 1:
        yield doc.diag(base + ("nodesPerReplica",), "INF302",
                       "llm-d renders multi-node replicas (LeaderWorkerSet) for aggregated serving only; "
                       "prefill and decode pods are single-node",
                       "drop nodesPerReplica, or drop disaggregation")
    if d and m.autoscaling:
        yield doc.diag(base + ("autoscaling",), "INF302",
                       "llm-d scales prefill and decode separately; a model-level autoscaling target has no single "
                       "workload to scale", "drop autoscaling, or drop disaggregation")
    if d and m.kv_offload:
        yield doc.diag(base + ("kvCache", "offload"), "INF302",
                       "a vLLM server takes one KV connector: prefill/decode already uses it for KV transfer",
                       "drop kvCache.offload, or drop disaggregation")
    if m.autoscaling and not stack.prometheus:
        yield doc.diag(base + ("autoscaling",), "INF302",
                       "llm-d autoscaling is an HPA on model-server metrics that prometheus-adapter reads from "
                       "Prometheus; this stack runs no Prometheus", "set spec.observability.prometheus: true")
    if m.routing == "kv-cache-aware":
        if m.runtime != "vllm":
            yield doc.diag(base + ("routing", "strategy"), "INF302",
                           f"llm-d's precise KV-cache-aware routing consumes vLLM KV events; runtime {m.runtime} "
                           "publishes none the pinned router reads", "use runtime vllm, or strategy prefix-cache")
        if m.source_scheme != "hf":
            yield doc.diag(base + ("source", "uri"), "INF302",
                           "KV-cache-aware routing tokenizes prompts in the router with `vllm launch render`, which "
                           "loads the tokenizer by Hugging Face id", "use an hf:// source, or strategy prefix-cache")
    if m.routing in ("prefix-cache", "kv-cache-aware") and not m.prefix_caching:
        yield doc.diag(base + ("kvCache", "prefixCaching"), "INF302",
                       f"routing strategy {m.routing} sends requests where their prefix is cached; with prefix "
                       "caching off nothing is", "turn prefixCaching on, or pick another strategy")
    if m.lora and m.runtime != "simulator":
        for i, a in enumerate(m.lora.adapters):
            if not a.uri.startswith("hf://"):
                yield doc.diag(base + ("lora", "adapters", i, "uri"), "INF302",
                               f"llm-d loads LoRA adapters at server start with --lora-modules, which takes Hugging "
                               f"Face ids; {a.uri!r} is not one", "use an hf:// adapter")


def _gateway_constraints(stack, doc):
    impl = stack.gateway_implementation
    if impl not in ("auto", "engine-native"):
        return
    if stack.gateway_tls_secret:
        yield doc.diag(("spec", "gateway", "tls", "secretName"), "INF302",
                       "the llm-d standalone router has no Gateway to terminate TLS on",
                       "set gateway.implementation: istio or agentgateway")
    if stack.gateway_hostname:
        yield doc.diag(("spec", "gateway", "hostname"), "INF302",
                       "the llm-d standalone router has no Gateway listener to match a hostname on",
                       "set gateway.implementation: istio or agentgateway")


ENGINE = LlmD(
    name="llm-d",
    title="llm-d",
    version="v0.10.0",
    summary="Inference scheduling with the llm-d router (EPP) over a Gateway API InferencePool; P/D with a routing sidecar.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/llm-d/llm-d",
)
