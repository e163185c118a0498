"""llmaz v0.1.4 (chart 0.0.10): OpenModel + Playground or inference Service (LeaderWorkerSet underneath)."""

from __future__ import annotations

from .base import Engine, generic, native, no

CAPABILITIES = {
    "runtime:vllm": native("BackendRuntime vllm"),
    "runtime:sglang": native("BackendRuntime sglang"),
    "runtime:simulator": generic("a BackendRuntime running the simulator image"),
    "multi-replica": native("Playground/Service replicas"),
    "multi-node": native("inference Service workloadTemplate.size (LeaderWorkerSet)"),
    "disaggregation": no("llmaz v0.1.4 has no prefill/decode split"),
    "kv-connector:nixl": no("llmaz v0.1.4 has no prefill/decode split"),
    "kv-connector:lmcache": no("llmaz v0.1.4 has no prefill/decode split"),
    "kv-connector:mooncake": no("llmaz v0.1.4 has no prefill/decode split"),
    "lora": no("llmaz v0.1.4 has no LoRA adapter support"),
    "autoscaling": native("Playground elasticConfig (HorizontalPodAutoscaler; needs metrics-server)"),
    "autoscaling-metric:kv-cache-usage": no("elasticConfig HPA metrics come from metrics-server (cpu, memory)"),
    "autoscaling-metric:queue-depth": no("elasticConfig HPA metrics come from metrics-server (cpu, memory)"),
    "autoscaling-metric:requests-per-second": no("elasticConfig HPA metrics come from metrics-server (cpu, memory)"),
    "autoscaling-metric:gpu-utilization": no("elasticConfig HPA metrics come from metrics-server (cpu, memory)"),
    "kv-offload": generic("engine args in backendRuntimeConfig.args"),
    "prefix-caching-off": generic("engine args in backendRuntimeConfig.args"),
    "routing:round-robin": native("<name>-lb Service / Envoy AI Gateway backend"),
    "routing:least-request": no("llmaz v0.1.4 routes through a plain Service"),
    "routing:prefix-cache": no("llmaz v0.1.4 routes through a plain Service"),
    "routing:kv-cache-aware": no("llmaz v0.1.4 routes through a plain Service"),
    "routing:pd": no("llmaz v0.1.4 has no prefill/decode split"),
    "source:hf": native("OpenModel source.modelHub (Huggingface)"),
    "source:s3": native("OpenModel source.uri s3:// with llmaz.io/skip-model-loader"),
    "source:gs": native("OpenModel source.uri gs:// with llmaz.io/skip-model-loader"),
    "source:pvc": no("OpenModel sources are model hubs or object stores"),
    "token-secret": no("llmaz reads the token from the fixed Secret modelhub-secret"),
    "model-cache": no("llmaz loads weights into an emptyDir through its model-loader"),
    "volcano": generic("schedulerName: volcano in the inference Service worker template"),
    "volcano-topology": generic("Volcano network-topology pod annotations (auto PodGroups)"),
    "gateway:engine-native": native("the <name>-lb Service"),
    "gateway:envoy-gateway": no("llmaz routes through Envoy AI Gateway"),
    "gateway:istio": no("not supported by llmaz v0.1.4"),
    "gateway:agentgateway": no("not supported by llmaz v0.1.4"),
    "gateway:kgateway": no("not supported by llmaz v0.1.4"),
    "gateway:envoy-ai-gateway": native("AIGatewayRoute keyed on x-ai-eg-model + AIServiceBackend"),
    "gateway-tls": generic("Gateway listener with a TLS certificateRef (envoy-ai-gateway only)"),
    "gateway-hostname": generic("AIGatewayRoute hostnames (envoy-ai-gateway only)"),
}


ENGINE = Engine(
    name="llmaz",
    title="llmaz",
    version="v0.1.4",
    summary="Easy model serving: OpenModel + Playground over LeaderWorkerSet, BackendRuntimes, Envoy AI Gateway.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/InftyAI/llmaz",
)
