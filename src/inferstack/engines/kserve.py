"""KServe v0.20.0: LLMInferenceService (serving.kserve.io/v1alpha2) with the llm-d scheduler and Gateway API."""

from __future__ import annotations

from .base import Engine, generic, native, no

CAPABILITIES = {
    "runtime:vllm": native("LLMInferenceService main container (vLLM)"),
    "runtime:sglang": generic("main container command and image replaced with SGLang"),
    "runtime:simulator": generic("main container image replaced with the simulator"),
    "multi-replica": native("LLMInferenceService replicas"),
    "multi-node": native("LLMInferenceService worker (LeaderWorkerSet) with parallelism"),
    "disaggregation": native("LLMInferenceService prefill section (decode is the main workload)"),
    "kv-connector:nixl": native("vLLM NixlConnector kv_transfer_config"),
    "kv-connector:lmcache": no("KServe's P/D presets wire NIXL"),
    "kv-connector:mooncake": no("KServe's P/D presets wire NIXL"),
    "lora": native("LLMInferenceService model.lora.adapters"),
    "autoscaling": generic("HorizontalPodAutoscaler on the workload Deployment (needs a metrics adapter)"),
    "autoscaling-metric:kv-cache-usage": generic("HPA pods metric vllm:kv_cache_usage_perc"),
    "autoscaling-metric:queue-depth": generic("HPA pods metric vllm:num_requests_waiting"),
    "autoscaling-metric:requests-per-second": generic("HPA pods metric on the request rate"),
    "autoscaling-metric:gpu-utilization": no("GPU utilization comes from DCGM per node, not per pod"),
    "kv-offload": generic("vLLM kv-transfer-config LMCacheConnectorV1 in the main container args"),
    "prefix-caching-off": generic("engine flag --no-enable-prefix-caching"),
    "routing:round-robin": native("router without scheduler: HTTPRoute to the workload Service"),
    "routing:least-request": native("router.scheduler (llm-d EPP) queue scoring"),
    "routing:prefix-cache": native("router.scheduler (llm-d EPP) prefix-cache scoring"),
    "routing:kv-cache-aware": native("router.scheduler (llm-d EPP) precise prefix-cache scoring"),
    "routing:pd": native("router.scheduler with the P/D profile"),
    "source:hf": native("model.uri hf://"),
    "source:s3": native("model.uri s3://"),
    "source:gs": native("model.uri gs://"),
    "source:pvc": native("model.uri pvc://"),
    "token-secret": generic("secretKeyRef env for the storage initializer and main container"),
    "model-cache": generic("model-cache PVC mounted into the main container"),
    "volcano": generic("schedulerName: volcano in the workload template"),
    "volcano-topology": generic("Volcano network-topology pod annotations (auto PodGroups)"),
    "gateway:engine-native": generic("resolves to the kserve-ingress-gateway on Envoy Gateway"),
    "gateway:envoy-gateway": native("Gateway kserve-ingress-gateway (class envoy) with managed HTTPRoute"),
    "gateway:istio": native("Gateway with class istio and the inference extension"),
    "gateway:agentgateway": native("Gateway with class agentgateway"),
    "gateway:kgateway": no("kgateway dropped inference support (use agentgateway)"),
    "gateway:envoy-ai-gateway": no("not rendered for KServe"),
    "gateway-tls": generic("Gateway listener with a TLS certificateRef"),
    "gateway-hostname": generic("Gateway listener hostname"),
}


ENGINE = Engine(
    name="kserve",
    title="KServe",
    version="v0.20.0",
    summary="CNCF model serving: LLMInferenceService with llm-d scheduling behind a managed Gateway API route.",
    capabilities=CAPABILITIES,
    default_gateway="envoy-gateway",
    upstream="https://github.com/kserve/kserve",
)
