"""llm-d: model-server Deployments/LeaderWorkerSets, an InferencePool (GIE v1) and the llm-d router (EPP)."""

from __future__ import annotations

from .base import Engine, generic, native, no

CAPABILITIES = {
    "runtime:vllm": native("vLLM model servers selected by the InferencePool"),
    "runtime:sglang": native("SGLang model servers (EPP model-server type sglang)"),
    "runtime:simulator": native("llm-d-inference-sim model servers"),
    "multi-replica": native("Deployment replicas behind one InferencePool"),
    "multi-node": native("LeaderWorkerSet per replica (LWS installed)"),
    "disaggregation": native("prefill and decode Deployments labelled llm-d.ai/role; routing sidecar on decode"),
    "kv-connector:nixl": native("vLLM NixlConnector; sidecar --kv-connector=nixlv2"),
    "kv-connector:lmcache": no("the llm-d routing sidecar has no LMCache P/D connector (nixlv2, shared-storage, mooncake)"),
    "kv-connector:mooncake": native("vLLM MooncakeConnector; sidecar --kv-connector=mooncake"),
    "lora": native("vLLM --lora-modules; the EPP routes adapter names to pods that serve them"),
    "autoscaling": generic("HorizontalPodAutoscaler on model-server metrics (needs a metrics adapter)"),
    "autoscaling-metric:kv-cache-usage": generic("HPA pods metric vllm:kv_cache_usage_perc"),
    "autoscaling-metric:queue-depth": generic("HPA pods metric vllm:num_requests_waiting"),
    "autoscaling-metric:requests-per-second": generic("HPA pods metric on the request rate"),
    "autoscaling-metric:gpu-utilization": no("GPU utilization comes from DCGM per node, not per model-server pod"),
    "kv-offload": native("vLLM kv-transfer-config LMCacheConnectorV1 (llm-d tiered prefix cache)"),
    "prefix-caching-off": generic("engine flag --no-enable-prefix-caching"),
    "routing:round-robin": no("the EPP picks by scores; there is no round-robin picker"),
    "routing:least-request": native("EPP queue-scorer"),
    "routing:prefix-cache": native("EPP prefix-cache-scorer"),
    "routing:kv-cache-aware": native("EPP precise-prefix-cache-scorer fed by vLLM KV events"),
    "routing:pd": native("EPP disaggregated profile handler with prefill/decode filters"),
    "source:hf": native("engine loads hf:// models by id"),
    "source:s3": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:gs": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:pvc": generic("PVC mounted into the model-server pods"),
    "token-secret": generic("secretKeyRef env in the model-server containers"),
    "model-cache": generic("model-cache PVC mounted into the model-server pods"),
    "volcano": generic("schedulerName: volcano and queue annotations on the pod templates"),
    "volcano-topology": generic("Volcano network-topology pod annotations (auto PodGroups)"),
    "gateway:engine-native": native("llm-d router in standalone mode (proxy in the EPP pod)"),
    "gateway:envoy-gateway": no("Envoy Gateway without the AI extension does not call the EPP"),
    "gateway:istio": native("Istio Gateway with the inference extension; HTTPRoute to the InferencePool"),
    "gateway:agentgateway": native("agentgateway with the inference extension; HTTPRoute to the InferencePool"),
    "gateway:kgateway": no("kgateway dropped inference support (use agentgateway)"),
    "gateway:envoy-ai-gateway": no("not rendered for llm-d"),
    "gateway-tls": generic("Gateway listener with a TLS certificateRef (gateway modes only)"),
    "gateway-hostname": generic("HTTPRoute hostnames (gateway modes only)"),
}


class LlmD(Engine):
    def constraints(self, stack, doc):
        out = []
        for m in stack.models:
            d = m.disaggregation
            if d and d.prefill.parallelism.tensor > d.decode.parallelism.tensor:
                out.append(doc.diag(
                    ("spec", "models", m.index, "disaggregation", "prefill", "parallelism", "tensor"), "INF302",
                    f"llm-d's NIXL P/D cannot pair a prefill tensor-parallel size ({d.prefill.parallelism.tensor}) "
                    f"larger than decode's ({d.decode.parallelism.tensor})",
                    "use prefill tensor <= decode tensor",
                ))
        return out


ENGINE = LlmD(
    name="llm-d",
    title="llm-d",
    version="v0.10.0",
    summary="Inference scheduling with the llm-d router (EPP) over a Gateway API InferencePool; P/D with a routing sidecar.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/llm-d/llm-d",
)
