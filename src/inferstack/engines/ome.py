"""OME v0.1.5: ClusterBaseModel + ClusterServingRuntime + InferenceService (ome.io/v1beta1)."""

from __future__ import annotations

from .base import Engine, generic, native, no

CAPABILITIES = {
    "runtime:vllm": native("ClusterServingRuntime with a vLLM runner"),
    "runtime:sglang": native("ClusterServingRuntime with an SGLang runner"),
    "runtime:simulator": generic("ClusterServingRuntime with the simulator image as runner"),
    "multi-replica": native("InferenceService engine minReplicas/maxReplicas"),
    "multi-node": native("engine leader/worker (LeaderWorkerSet)"),
    "disaggregation": native("engine (prefill) + decoder (decode) + router with SGLang disaggregation"),
    "kv-connector:nixl": native("SGLang --disaggregation-transfer-backend nixl"),
    "kv-connector:lmcache": no("SGLang disaggregation has no LMCache transfer backend"),
    "kv-connector:mooncake": native("SGLang --disaggregation-transfer-backend mooncake"),
    "lora": no("OME v0.1.5 serves fine-tuned weights as separate models, not runtime LoRA adapters"),
    "autoscaling": native("InferenceService min/maxReplicas with the ome.io/autoscalerClass annotation"),
    "autoscaling-metric:kv-cache-usage": no("OME's HPA/KEDA metrics are cpu, memory, concurrency, rps, tps"),
    "autoscaling-metric:queue-depth": no("OME's HPA/KEDA metrics are cpu, memory, concurrency, rps, tps"),
    "autoscaling-metric:requests-per-second": native("engine scaleMetric: rps"),
    "autoscaling-metric:gpu-utilization": no("OME's HPA/KEDA metrics are cpu, memory, concurrency, rps, tps"),
    "kv-offload": generic("engine flags in the runner args"),
    "prefix-caching-off": generic("engine flag in the runner args"),
    "routing:round-robin": native("router policy round_robin"),
    "routing:least-request": no("the SGLang router has no least-request policy"),
    "routing:prefix-cache": native("router policy cache_aware"),
    "routing:kv-cache-aware": no("the SGLang router does not consume KV events"),
    "routing:pd": native("SGLang router --pd-disaggregation"),
    "source:hf": native("ClusterBaseModel storageUri hf:// downloaded by the model agent"),
    "source:s3": native("ClusterBaseModel storageUri s3://"),
    "source:gs": native("ClusterBaseModel storageUri gs://"),
    "source:pvc": native("ClusterBaseModel storageUri pvc://"),
    "token-secret": native("ClusterBaseModel storage.key (Secret in namespace ome)"),
    "model-cache": no("OME's model agent stores weights on a node host path, not a PVC"),
    "volcano": generic("schedulerName: volcano on the engine pod spec, queue annotation ome.io/volcano-queue"),
    "volcano-topology": generic("Volcano network-topology pod annotations (auto PodGroups)"),
    "gateway:engine-native": native("the InferenceService Service"),
    "gateway:envoy-gateway": no("not rendered for OME"),
    "gateway:istio": no("OME's Istio mode needs Knative (serverless), not rendered"),
    "gateway:agentgateway": no("not supported by OME v0.1.5"),
    "gateway:kgateway": no("not supported by OME v0.1.5"),
    "gateway:envoy-ai-gateway": no("not supported by OME v0.1.5"),
    "gateway-tls": no("the InferenceService Service is plain HTTP in RawDeployment mode"),
    "gateway-hostname": no("the InferenceService Service is in-cluster only in RawDeployment mode"),
}


ENGINE = Engine(
    name="ome",
    title="OME",
    version="v0.1.5",
    summary="Model lifecycle operator: model agent pre-pulls weights to nodes; runtimes matched to models; SGLang P/D router.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/sgl-project/ome",
)
