"""Kthena v1.0.0 (Volcano ecosystem): ModelServing + ModelServer + ModelRoute behind kthena-router."""

from __future__ import annotations

from .base import Engine, GeneratedName, generic, model_object_name, native, no

CAPABILITIES = {
    "runtime:vllm": native("ModelServer inferenceEngine: vLLM"),
    "runtime:sglang": native("ModelServer inferenceEngine: SGLang"),
    "runtime:simulator": generic("simulator image in the ModelServing entry template, served as vLLM"),
    "multi-replica": native("ModelServing spec.replicas (serving groups)"),
    "multi-node": native("role workerReplicas with an entry and worker template"),
    "disaggregation": native("prefill and decode roles; ModelServer workloadSelector.pdGroup"),
    "kv-connector:nixl": native("ModelServer kvConnector.type: nixl + vLLM NixlConnector"),
    "kv-connector:lmcache": native("ModelServer kvConnector.type: lmcache + vLLM LMCacheConnectorV1"),
    "kv-connector:mooncake": native("ModelServer kvConnector.type: mooncake + vLLM MooncakeConnector"),
    "lora": native("ModelRoute loraAdapters; the engine loads the adapters (--lora-modules)"),
    "autoscaling": native("AutoscalingPolicy with homogeneousTarget on the ModelServing"),
    "autoscaling-metric:kv-cache-usage": native("AutoscalingPolicy metric vllm:kv_cache_usage_perc from the pods"),
    "autoscaling-metric:queue-depth": native("AutoscalingPolicy metric vllm:num_requests_waiting from the pods"),
    "autoscaling-metric:requests-per-second": no("Kthena pod metric sources read gauges; a request rate needs a Prometheus server the stack does not run"),
    "autoscaling-metric:gpu-utilization": no("GPU utilization is not exposed on the model-server pods Kthena scrapes"),
    "kv-offload": generic("vLLM kv-transfer-config LMCacheConnectorV1 in the engine args"),
    "prefix-caching-off": generic("engine flag --no-enable-prefix-caching"),
    "routing:round-robin": no("kthena-router schedules by scores (least-request, prefix-cache, ...); it has no round-robin"),
    "routing:least-request": native("kthena-router least-request plugin"),
    "routing:prefix-cache": native("kthena-router prefix-cache plugin"),
    "routing:kv-cache-aware": no("KV-event based routing in kthena-router needs Redis, which v1.0.0 does not install"),
    "routing:pd": native("ModelServer pdGroup pairing of prefill and decode pods"),
    "source:hf": native("engine loads hf:// models by id"),
    "source:s3": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:gs": generic("vLLM runai streamer (--load-format runai_streamer)"),
    "source:pvc": generic("PVC mounted into the entry and worker templates"),
    "token-secret": generic("secretKeyRef env in the model-server containers"),
    "model-cache": generic("model-cache PVC mounted into the pod templates"),
    "volcano": native("ModelServing schedulerName: volcano, queue annotation, PodGroups per serving group"),
    "volcano-topology": native("ModelServing template.networkTopology groupPolicy/rolePolicy"),
    "gateway:engine-native": native("kthena-router"),
    "gateway:envoy-gateway": no("Kthena v1.0.0 routes through kthena-router; its Gateway API mode is not rendered"),
    "gateway:istio": no("not supported by Kthena v1.0.0"),
    "gateway:agentgateway": no("not supported by Kthena v1.0.0"),
    "gateway:kgateway": no("not supported by Kthena v1.0.0"),
    "gateway:envoy-ai-gateway": no("not supported by Kthena v1.0.0"),
    "gateway-tls": no("kthena-router TLS is configured at install time, not per stack"),
    "gateway-hostname": no("kthena-router matches models by name, not host"),
}


class Kthena(Engine):
    def generated_names(self, stack):
        names = []
        for m in stack.models:
            ms = model_object_name(stack, m)
            path = ("spec", "models", m.index, "name")
            names.append(GeneratedName(ms, "ModelServing name", path))
            # Kthena's webhook: <ms>-<replicas>-<role>-<roleReplicas>-<workerReplicas> must be a DNS-1035 label.
            roles = ["prefill", "decode"] if m.disaggregation else ["server"]
            for role in roles:
                role_replicas = getattr(m.disaggregation, role).replicas if m.disaggregation else 1
                replicas = m.autoscaling.max_replicas if m.autoscaling else m.replicas
                pod = f"{ms}-{replicas}-{role}-{role_replicas}-{m.nodes_per_replica - 1}"
                names.append(GeneratedName(pod, "Kthena pod name <ms>-<replicas>-<role>-<roleReplicas>-<workerReplicas>", path))
        return names


ENGINE = Kthena(
    name="kthena",
    title="Kthena",
    version="v1.0.0",
    summary="Volcano-native LLM serving: ModelServing with roles, gang and network-topology scheduling, kthena-router.",
    capabilities=CAPABILITIES,
    default_gateway="engine-native",
    upstream="https://github.com/volcano-sh/kthena",
)
