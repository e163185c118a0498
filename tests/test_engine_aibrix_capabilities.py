"""The AIBrix capability table, feature by feature: each supported feature renders with the primitive
the table names; each unsupported one is rejected by validate with INF301 at the field that asks."""

import json

import pytest

from inferstack.engines import aibrix
from inferstack.engines.features import FEATURES, features_used

from .aibrix_specs import multinode, objects, one, pd, render, roles_of, server, spec, validate, volcano

LEVELS = {
    "runtime:vllm": "native", "runtime:sglang": "native", "runtime:simulator": "generic",
    "multi-replica": "native", "multi-node": "native", "disaggregation": "native",
    "kv-connector:nixl": "native", "kv-connector:lmcache": "no", "kv-connector:mooncake": "no",
    "lora": "native", "autoscaling": "native",
    "autoscaling-metric:kv-cache-usage": "native", "autoscaling-metric:queue-depth": "native",
    "autoscaling-metric:requests-per-second": "no", "autoscaling-metric:gpu-utilization": "no",
    "kv-offload": "generic", "prefix-caching-off": "generic",
    "routing:round-robin": "no", "routing:least-request": "native", "routing:prefix-cache": "native",
    "routing:kv-cache-aware": "native", "routing:pd": "native",
    "source:hf": "native", "source:s3": "generic", "source:gs": "generic", "source:pvc": "generic",
    "token-secret": "generic", "model-cache": "generic", "volcano": "native", "volcano-topology": "generic",
    "gateway:engine-native": "native", "gateway:envoy-gateway": "no", "gateway:istio": "no", "gateway:agentgateway": "no",
    "gateway:kgateway": "no", "gateway:envoy-ai-gateway": "no", "gateway-tls": "no", "gateway-hostname": "no",
}


def with_gateway(**gateway) -> dict:
    doc = spec()
    doc["spec"]["gateway"] = gateway
    return doc


def autoscaled(metric: str) -> dict:
    return spec(autoscaling={"maxReplicas": 2, "metric": metric, "target": 0.5})


def pd_with(connector: str, runtime: str = "vllm") -> dict:
    return spec(runtime={"name": runtime}, disaggregation={"prefill": {}, "decode": {}, "kvConnector": connector})


def pod(rendered) -> dict:
    return one(rendered, "Deployment")["spec"]["template"]


def args(rendered) -> list[str]:
    return server(pod(rendered)["spec"])["args"]


def routed(strategy: str):
    def check(rendered):
        annotation = pod(rendered)["metadata"]["annotations"]["model.aibrix.ai/config"]
        return json.loads(annotation)["profiles"]["default"]["routingStrategy"] == strategy
    return check


def pd_args(rendered, role: str = "decode") -> list[str]:
    return server(roles_of(one(rendered, "StormService"))[role]["template"]["spec"])["args"]


# feature -> (a spec that asks for it, what the render must contain); for an unsupported feature, the
# path of the field validate must reject
CASES = {
    "runtime:vllm": (spec(), lambda r: args(r)[0] == "org/model"),
    "runtime:sglang": (spec(runtime={"name": "sglang"}),
                       lambda r: pod(r)["metadata"]["labels"]["model.aibrix.ai/engine"] == "sglang"),
    "runtime:simulator": (spec(runtime={"name": "simulator"}), lambda r: "--time-to-first-token" in args(r)),
    "multi-replica": (spec(replicas=3), lambda r: one(r, "Deployment")["spec"]["replicas"] == 3),
    "multi-node": (multinode(), lambda r: next(iter(roles_of(one(r, "StormService")).values()))["podGroupSize"] == 2),
    "disaggregation": (pd(), lambda r: list(roles_of(one(r, "StormService"))) == ["prefill", "decode"]),
    "kv-connector:nixl": (pd_with("nixl"), lambda r: '"NixlConnector"' in pd_args(r)[pd_args(r).index("--kv-transfer-config") + 1]),
    "kv-connector:lmcache": (pd_with("lmcache"), "$.spec.models[0].disaggregation.kvConnector"),
    "kv-connector:mooncake": (pd_with("mooncake", "sglang"), "$.spec.models[0].disaggregation.kvConnector"),
    "lora": (spec(lora={"adapters": [{"name": "a", "uri": "hf://o/a"}]}), lambda r: len(objects(r, "ModelAdapter")) == 1),
    "autoscaling": (autoscaled("kv-cache-usage"), lambda r: one(r, "PodAutoscaler")["spec"]["scalingStrategy"] == "APA"),
    "autoscaling-metric:kv-cache-usage": (autoscaled("kv-cache-usage"),
        lambda r: one(r, "PodAutoscaler")["spec"]["metricsSources"][0]["targetMetric"] == "kv_cache_usage_perc"),
    "autoscaling-metric:queue-depth": (autoscaled("queue-depth"),
        lambda r: one(r, "PodAutoscaler")["spec"]["metricsSources"][0]["targetMetric"] == "num_requests_waiting"),
    "autoscaling-metric:requests-per-second": (autoscaled("requests-per-second"), "$.spec.models[0].autoscaling.metric"),
    "autoscaling-metric:gpu-utilization": (autoscaled("gpu-utilization"), "$.spec.models[0].autoscaling.metric"),
    "kv-offload": (spec(kvCache={"offload": {"backend": "lmcache", "cpuGiB": 8}}),
                   lambda r: "LMCacheConnectorV1" in args(r)[args(r).index("--kv-transfer-config") + 1]),
    "prefix-caching-off": (spec(kvCache={"prefixCaching": False}), lambda r: "--no-enable-prefix-caching" in args(r)),
    "routing:round-robin": (spec(routing={"strategy": "round-robin"}), "$.spec.models[0].routing.strategy"),
    "routing:least-request": (spec(routing={"strategy": "least-request"}), routed("least-request")),
    "routing:prefix-cache": (spec(routing={"strategy": "prefix-cache"}), routed("prefix-cache")),
    "routing:kv-cache-aware": (spec(routing={"strategy": "kv-cache-aware"}), routed("least-kv-cache")),
    "routing:pd": (pd(routing={"strategy": "pd"}), lambda r: all(
        json.loads(role["template"]["metadata"]["annotations"]["model.aibrix.ai/config"])["profiles"]["default"]
        ["routingStrategy"] == "pd" for role in roles_of(one(r, "StormService")).values())),
    "source:hf": (spec(), lambda r: args(r)[0] == "org/model"),
    "source:s3": (spec(source={"uri": "s3://bucket/model"}), lambda r: "runai_streamer" in args(r)),
    "source:gs": (spec(source={"uri": "gs://bucket/model"}), lambda r: "runai_streamer" in args(r)),
    "source:pvc": (spec(source={"uri": "pvc://weights/llama"}),
                   lambda r: {"name": "model-source", "persistentVolumeClaim": {"claimName": "weights", "readOnly": True}}
                   in pod(r)["spec"]["volumes"]),
    "token-secret": (spec(source={"uri": "hf://org/model", "revision": "abc", "tokenSecret": {"name": "hf"}}),
                     lambda r: server(pod(r)["spec"])["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "hf", "key": "HF_TOKEN"}),
    "model-cache": (spec(cache={"size": "10Gi"}), lambda r: len(objects(r, "PersistentVolumeClaim")) == 1),
    "volcano": (volcano(pd()), lambda r: "volcanoSchedulingStrategy" in one(r, "StormService")["spec"]["template"]["spec"]["schedulingStrategy"]),
    "volcano-topology": (volcano(spec(), topology=True),
                         lambda r: pod(r)["metadata"]["annotations"]["volcano.sh/network-topology-mode"] == "hard"),
    "gateway:engine-native": (with_gateway(implementation="engine-native"),
                              lambda r: "aibrix-eg" in r.endpoints[0].base_url and not objects(r, "Gateway")),
    "gateway:envoy-gateway": (with_gateway(implementation="envoy-gateway"), "$.spec.gateway.implementation"),
    "gateway:istio": (with_gateway(implementation="istio"), "$.spec.gateway.implementation"),
    "gateway:agentgateway": (with_gateway(implementation="agentgateway"), "$.spec.gateway.implementation"),
    "gateway:kgateway": (with_gateway(implementation="kgateway"), "$.spec.gateway.implementation"),
    "gateway:envoy-ai-gateway": (with_gateway(implementation="envoy-ai-gateway"), "$.spec.gateway.implementation"),
    "gateway-tls": (with_gateway(tls={"secretName": "tls"}), "$.spec.gateway.tls.secretName"),
    "gateway-hostname": (with_gateway(hostname="llm.example.com"), "$.spec.gateway.hostname"),
}


def test_the_table_is_exactly_the_expected_levels():
    assert {f: s.level for f, s in aibrix.CAPABILITIES.items()} == LEVELS
    assert set(CASES) == set(FEATURES)


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_feature(feature):
    doc, expected = CASES[feature]
    if LEVELS[feature] == "no":
        rejected = [d for d in validate(doc).diagnostics if d.rule == "INF301" and d.path == expected]
        assert rejected and aibrix.CAPABILITIES[feature].how in rejected[0].message
        return
    result = validate(doc)
    assert result.ok, [str(d) for d in result.diagnostics]
    assert feature in {u.feature for u in features_used(result.stack)}
    assert expected(render(doc)), feature


def test_the_engine_page_lists_the_table_exactly():
    import re

    from .conftest import ROOT

    text = (ROOT / "docs" / "engines" / "aibrix.md").read_text()
    rows = {f: (level, how) for f, level, how in re.findall(r"^\| `([a-z0-9:-]+)` \| (native|generic|no) \| (.+?) \|$", text, re.M)}
    assert rows == {f: (s.level, s.how) for f, s in aibrix.CAPABILITIES.items()}
