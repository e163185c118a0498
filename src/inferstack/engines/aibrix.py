"""AIBrix v0.7.0: Deployments (or StormService) labelled for the AIBrix gateway, ModelAdapter, PodAutoscaler."""

from __future__ import annotations

from .base import Engine, GeneratedName, generic, native, no

CAPABILITIES = {
    "runtime:vllm": native("Deployment labelled model.aibrix.ai/name, engine vllm"),
    "runtime:sglang": native("model.aibrix.ai/engine: sglang"),
    "runtime:simulator": generic("simulator image in the model Deployment"),
    "multi-replica": native("Deployment replicas"),
    "multi-node": native("StormService role with podGroupSize > 1"),
    "disaggregation": native("StormService with prefill and decode roles, gateway routing strategy pd"),
    "kv-connector:nixl": native("vLLM NixlConnector in both roles"),
    "kv-connector:lmcache": no("AIBrix P/D pairs pods for NIXL; LMCache P/D is not wired by AIBrix v0.7.0"),
    "kv-connector:mooncake": no("AIBrix v0.7.0 P/D samples use NIXL only"),
    "lora": native("ModelAdapter per adapter; base pods labelled adapter.model.aibrix.ai/enabled"),
    "autoscaling": native("PodAutoscaler"),
    "autoscaling-metric:kv-cache-usage": native("PodAutoscaler targetMetric kv_cache_usage_perc"),
    "autoscaling-metric:queue-depth": native("PodAutoscaler targetMetric num_requests_waiting"),
    "autoscaling-metric:requests-per-second": no("AIBrix v0.7.0 has no request-rate metric source for PodAutoscaler"),
    "autoscaling-metric:gpu-utilization": no("AIBrix v0.7.0 does not read DCGM metrics"),
    "kv-offload": generic("vLLM kv-transfer-config LMCacheConnectorV1 in the engine args"),
    "prefix-caching-off": generic("engine flag --no-enable-prefix-caching"),
    "routing:round-robin": no("the AIBrix gateway has random and score-based strategies, no round-robin"),
    "routing:least-request": native("routing strategy least-request"),
    "routing:prefix-cache": native("routing strategy prefix-cache"),
    "routing:kv-cache-aware": native("routing strategy least-kv-cache"),
    "routing:pd": native("routing strategy pd"),
    "source:hf": native("engine loads hf:// models by id"),
    "source:s3": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:gs": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:pvc": generic("PVC mounted into the model pods"),
    "token-secret": generic("secretKeyRef env in the model-server containers"),
    "model-cache": generic("model-cache PVC mounted into the model pods"),
    "volcano": generic("schedulerName: volcano; StormService RoleSet volcanoSchedulingStrategy for gangs"),
    "volcano-topology": generic("Volcano network-topology pod annotations (auto PodGroups)"),
    "gateway:engine-native": native("AIBrix Envoy gateway aibrix-eg"),
    "gateway:envoy-gateway": no("AIBrix brings its own Envoy Gateway install (aibrix-eg)"),
    "gateway:istio": no("not supported by AIBrix v0.7.0"),
    "gateway:agentgateway": no("not supported by AIBrix v0.7.0"),
    "gateway:kgateway": no("not supported by AIBrix v0.7.0"),
    "gateway:envoy-ai-gateway": no("not supported by AIBrix v0.7.0"),
    "gateway-tls": no("the AIBrix controller owns the aibrix-eg Gateway"),
    "gateway-hostname": no("the AIBrix controller owns the model HTTPRoutes"),
}


class AIBrix(Engine):
    def generated_names(self, stack):
        # AIBrix requires Deployment, Service and served name to be the model name itself.
        return [
            GeneratedName(m.name, "AIBrix model Service name (= served model name)", ("spec", "models", m.index, "name"))
            for m in stack.models
        ]


ENGINE = AIBrix(
    name="aibrix",
    title="AIBrix",
    version="v0.7.0",
    summary="vLLM-ecosystem control plane: LLM-aware Envoy gateway, LoRA ModelAdapters, PodAutoscaler, StormService for P/D.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/vllm-project/aibrix",
)
