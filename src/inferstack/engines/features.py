"""Optional spec features, and which of them a given spec uses (with the spec path that asks).

The capability table of every engine is keyed by these feature ids. `validate` rejects a
used feature the engine marks `no`; `compare` prints the same table as a feature matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..spec.model import Stack


@dataclass(frozen=True)
class Feature:
    id: str
    title: str


_FEATURES = (
    Feature("runtime:vllm", "vLLM runtime"),
    Feature("runtime:sglang", "SGLang runtime"),
    Feature("runtime:simulator", "CPU simulator runtime"),
    Feature("multi-replica", "several replicas of a model"),
    Feature("multi-node", "multi-node replicas (nodesPerReplica > 1)"),
    Feature("disaggregation", "prefill/decode disaggregation"),
    Feature("kv-connector:nixl", "NIXL KV transfer"),
    Feature("kv-connector:lmcache", "LMCache KV transfer"),
    Feature("kv-connector:mooncake", "Mooncake KV transfer"),
    Feature("lora", "LoRA adapters"),
    Feature("autoscaling", "autoscaling"),
    Feature("autoscaling-metric:kv-cache-usage", "autoscaling on KV-cache usage"),
    Feature("autoscaling-metric:queue-depth", "autoscaling on queue depth"),
    Feature("autoscaling-metric:requests-per-second", "autoscaling on requests per second"),
    Feature("autoscaling-metric:gpu-utilization", "autoscaling on GPU utilization"),
    Feature("kv-offload", "KV-cache offload to CPU (LMCache)"),
    Feature("prefix-caching-off", "disabling prefix caching"),
    Feature("routing:round-robin", "round-robin routing"),
    Feature("routing:least-request", "least-request routing"),
    Feature("routing:prefix-cache", "prefix-cache-aware routing"),
    Feature("routing:kv-cache-aware", "KV-cache-aware routing"),
    Feature("routing:pd", "prefill/decode-aware routing"),
    Feature("source:hf", "weights from Hugging Face (hf://)"),
    Feature("source:s3", "weights from S3 (s3://)"),
    Feature("source:gs", "weights from GCS (gs://)"),
    Feature("source:pvc", "weights from a PVC (pvc://)"),
    Feature("token-secret", "access token from a Secret"),
    Feature("model-cache", "model-cache volume"),
    Feature("volcano", "Volcano scheduler for model pods"),
    Feature("volcano-topology", "Volcano network-topology placement of replicas"),
    Feature("gateway:engine-native", "the engine's own router/gateway"),
    Feature("gateway:envoy-gateway", "Envoy Gateway"),
    Feature("gateway:istio", "Istio (inference extension)"),
    Feature("gateway:agentgateway", "agentgateway"),
    Feature("gateway:kgateway", "kgateway"),
    Feature("gateway:envoy-ai-gateway", "Envoy AI Gateway"),
    Feature("gateway-tls", "TLS on the gateway"),
    Feature("gateway-hostname", "gateway hostname"),
)

FEATURES: dict[str, Feature] = {f.id: f for f in _FEATURES}

# A sub-feature is only judged when its parent is expressible (no cascades of errors).
PARENT = {
    "kv-connector:nixl": "disaggregation",
    "kv-connector:lmcache": "disaggregation",
    "kv-connector:mooncake": "disaggregation",
    "routing:pd": "disaggregation",
    "autoscaling-metric:kv-cache-usage": "autoscaling",
    "autoscaling-metric:queue-depth": "autoscaling",
    "autoscaling-metric:requests-per-second": "autoscaling",
    "autoscaling-metric:gpu-utilization": "autoscaling",
}


@dataclass(frozen=True)
class FeatureUse:
    feature: str
    path: tuple  # where in the spec the feature is asked for


def features_used(stack: Stack) -> list[FeatureUse]:
    """Every optional feature the spec asks for, with the path of the field that asks."""
    uses: list[FeatureUse] = []

    def use(feature: str, *path) -> None:
        uses.append(FeatureUse(feature, ("spec",) + path))

    for m in stack.models:
        base = ("models", m.index)
        use(f"runtime:{m.runtime}", *base, "runtime", "name")
        if m.replicas > 1:
            use("multi-replica", *base, "replicas")
        if m.nodes_per_replica > 1:
            use("multi-node", *base, "nodesPerReplica")
        if m.disaggregation:
            use("disaggregation", *base, "disaggregation")
            use(f"kv-connector:{m.disaggregation.kv_connector}", *base, "disaggregation", "kvConnector")
        if m.lora:
            use("lora", *base, "lora")
        if m.autoscaling:
            use("autoscaling", *base, "autoscaling")
            use(f"autoscaling-metric:{m.autoscaling.metric}", *base, "autoscaling", "metric")
        if m.kv_offload:
            use("kv-offload", *base, "kvCache", "offload")
        if not m.prefix_caching:
            use("prefix-caching-off", *base, "kvCache", "prefixCaching")
        if m.routing != "auto":
            use(f"routing:{m.routing}", *base, "routing", "strategy")
        use(f"source:{m.source_scheme}", *base, "source", "uri")
        if m.token_secret:
            use("token-secret", *base, "source", "tokenSecret")
        if m.cache:
            use("model-cache", *base, "cache")
    if stack.scheduler == "volcano":
        use("volcano", "scheduling", "scheduler")
        if stack.volcano and stack.volcano.network_topology:
            use("volcano-topology", "scheduling", "volcano", "networkTopology")
    if stack.gateway_implementation != "auto":
        use(f"gateway:{stack.gateway_implementation}", "gateway", "implementation")
    if stack.gateway_tls_secret:
        use("gateway-tls", "gateway", "tls", "secretName")
    if stack.gateway_hostname:
        use("gateway-hostname", "gateway", "hostname")
    return uses
