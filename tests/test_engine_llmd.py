"""llm-d: the capability table feature by feature, and the upstream traps of the llm-d router and the
Gateway API Inference Extension, each pinned by its own test."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from inferstack import versions
from inferstack.engines import get_engine
from inferstack.engines import llmd_router as router
from inferstack.engines.base import NO
from inferstack.engines.features import FEATURES
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_text

ENGINE = get_engine("llm-d")

BASE = {
    "apiVersion": "inferstack.dev/v1alpha1",
    "kind": "InferenceStack",
    "metadata": {"name": "t"},
    "spec": {
        "engine": "llm-d",
        "namespace": "llm",
        "cluster": {"provider": "kind", "nodePools": [
            {"name": "gpu", "nodes": 4,
             "accelerator": {"vendor": "nvidia", "product": "H100-80GB", "countPerNode": 4, "simulated": True}},
        ]},
        "models": [{
            "name": "m",
            "source": {"uri": "hf://Qwen/Qwen2.5-0.5B-Instruct", "revision": "7ae557604adf67be50417f59c2c2f167def9a775"},
            "runtime": {"name": "vllm"},
            "resources": {"cpu": "4", "memory": "16Gi"},
        }],
    },
}


def doc(*edits) -> dict:
    d = copy.deepcopy(BASE)
    for edit in edits:
        edit(d)
    return d


def model(**fields):
    def edit(d):
        d["spec"]["models"][0].update(copy.deepcopy(fields))
    return edit


def spec(**fields):
    def edit(d):
        d["spec"].update(copy.deepcopy(fields))
    return edit


def runtime(name):
    return model(runtime={"name": name})


def validate(d):
    return validate_text(yaml.safe_dump(d), "t.yaml", engine="llm-d")


def render(*edits):
    result = validate(doc(*edits))
    assert result.ok, [x.text() for x in result.diagnostics]
    return render_stack(result.stack)


def errors(*edits):
    result = validate(doc(*edits))
    assert not result.ok
    return [x for x in result.diagnostics if x.severity == "error"]


def objects(rendered, kind):
    return [o.body for o in rendered.objects if o.kind == kind]


def one(rendered, kind, name=None):
    found = [b for b in objects(rendered, kind) if name is None or b["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, [b["metadata"]["name"] for b in objects(rendered, kind)])
    return found[0]


def epp_config(rendered, model_name="m") -> dict:
    cm = one(rendered, "ConfigMap", f"t-{model_name}-epp")
    return yaml.safe_load(cm["data"][router.EPP_CONFIG_FILE])


def containers(deploy) -> list[dict]:
    return deploy["spec"]["template"]["spec"]["containers"]


def server(deploy) -> dict:
    return next(c for c in containers(deploy) if c["name"] == "server")


def scorer_weights(config, profile="default") -> dict:
    p = next(x for x in config["schedulingProfiles"] if x["name"] == profile)
    return {r["pluginRef"]: r.get("weight") for r in p["plugins"]}


PD = model(disaggregation={"prefill": {"replicas": 2, "parallelism": {"tensor": 1}},
                           "decode": {"replicas": 1, "parallelism": {"tensor": 2}}, "kvConnector": "nixl"})
LORA = model(lora={"maxAdapters": 2, "adapters": [{"name": "sql", "uri": "hf://org/sql-lora"}]})
PROMETHEUS = spec(observability={"prometheus": True})


def autoscale(metric):
    return model(autoscaling={"minReplicas": 1, "maxReplicas": 3, "metric": metric, "target": 0.7})


def VOLCANO(d):
    d["spec"]["scheduling"] = {"scheduler": "volcano", "volcano": {
        "queue": {"name": "q", "weight": 1},
        "networkTopology": {"tiers": [{"name": "rack"}], "mode": "hard", "highestTier": "rack"}}}
    d["spec"]["cluster"]["nodePools"][0]["topology"] = {"rack": ["r1", "r1", "r2", "r2"]}


def gateway(impl, **extra):
    return spec(gateway={"implementation": impl, **extra})


# --- the capability table, feature by feature -------------------------------------------------------

def _renders(check):
    return ("renders", check)


def _rejected(*edits):
    return ("rejected", edits)


def _deploy(r):
    return one(r, "Deployment", "t-m")


CASES = {
    "runtime:vllm": ([runtime("vllm")], lambda r: server(_deploy(r))["command"] == ["vllm", "serve"]),
    "runtime:sglang": ([runtime("sglang")],
                       lambda r: _deploy(r)["spec"]["template"]["metadata"]["labels"][router.ENGINE_TYPE_LABEL] == "sglang"),
    "runtime:simulator": ([runtime("simulator")], lambda r: server(_deploy(r))["image"] == versions.image("simulator")),
    "multi-replica": ([model(replicas=3)], lambda r: _deploy(r)["spec"]["replicas"] == 3),
    "multi-node": ([model(nodesPerReplica=2, parallelism={"tensor": 4})],
                   lambda r: one(r, "LeaderWorkerSet")["spec"]["leaderWorkerTemplate"]["size"] == 2),
    "disaggregation": ([PD], lambda r: {b["metadata"]["name"] for b in objects(r, "Deployment")}
                       >= {"t-m-prefill", "t-m-decode"}),
    "kv-connector:nixl": ([PD], lambda r: "NixlConnector" in " ".join(server(one(r, "Deployment", "t-m-prefill"))["args"])),
    "kv-connector:lmcache": None,
    "kv-connector:mooncake": None,
    "lora": ([LORA], lambda r: "--lora-modules" in server(_deploy(r))["args"]
             and "lora-affinity-scorer" in scorer_weights(epp_config(r))),
    "autoscaling": ([PROMETHEUS, autoscale("queue-depth")], lambda r: one(r, "HorizontalPodAutoscaler")),
    "autoscaling-metric:kv-cache-usage": ([PROMETHEUS, autoscale("kv-cache-usage")],
                                          lambda r: _hpa_metric(r) == "vllm_kv_cache_usage_perc"),
    "autoscaling-metric:queue-depth": ([PROMETHEUS, autoscale("queue-depth")],
                                       lambda r: _hpa_metric(r) == "vllm_num_requests_waiting"),
    "autoscaling-metric:requests-per-second": ([PROMETHEUS, autoscale("requests-per-second")],
                                               lambda r: _hpa_metric(r) == "vllm_requests_per_second"),
    "autoscaling-metric:gpu-utilization": None,
    "kv-offload": ([model(kvCache={"prefixCaching": True, "offload": {"backend": "lmcache", "cpuGiB": 20}})],
                   lambda r: "LMCacheConnectorV1" in " ".join(server(_deploy(r))["args"])),
    "prefix-caching-off": ([model(kvCache={"prefixCaching": False})],
                           lambda r: "--no-enable-prefix-caching" in server(_deploy(r))["args"]
                           and "prefix-cache-scorer" not in scorer_weights(epp_config(r))),
    "routing:round-robin": None,
    "routing:least-request": ([model(routing={"strategy": "least-request"})],
                              lambda r: scorer_weights(epp_config(r)) == {"active-request-scorer": 1, "max-score-picker": None}),
    "routing:prefix-cache": ([model(routing={"strategy": "prefix-cache"})],
                             lambda r: scorer_weights(epp_config(r))["prefix-cache-scorer"] == 3),
    "routing:kv-cache-aware": ([model(routing={"strategy": "kv-cache-aware"})],
                               lambda r: "precise-prefix-cache-producer" in {p["type"] for p in epp_config(r)["plugins"]}),
    "routing:pd": ([PD, model(routing={"strategy": "pd"})],
                   lambda r: {p["name"] for p in epp_config(r)["schedulingProfiles"]} == {"prefill", "decode"}),
    "source:hf": ([], lambda r: server(_deploy(r))["args"][0] == "Qwen/Qwen2.5-0.5B-Instruct"),
    "source:s3": ([model(source={"uri": "s3://bucket/qwen"})], lambda r: "runai_streamer" in server(_deploy(r))["args"]),
    "source:gs": ([model(source={"uri": "gs://bucket/qwen"})], lambda r: "runai_streamer" in server(_deploy(r))["args"]),
    "source:pvc": ([model(source={"uri": "pvc://weights/qwen"})],
                   lambda r: any(v.get("persistentVolumeClaim", {}).get("claimName") == "weights"
                                 for v in _deploy(r)["spec"]["template"]["spec"]["volumes"])),
    "token-secret": ([model(source={"uri": "hf://org/m", "tokenSecret": {"name": "hf", "key": "token"}})],
                     lambda r: any(e.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == "hf"
                                   for e in server(_deploy(r))["env"])),
    "model-cache": ([model(cache={"size": "10Gi"})],
                    lambda r: any(m["name"] == "model-cache" for m in server(_deploy(r))["volumeMounts"])),
    "volcano": ([VOLCANO], lambda r: _deploy(r)["spec"]["template"]["spec"]["schedulerName"] == "volcano"),
    "volcano-topology": ([VOLCANO], lambda r: _deploy(r)["spec"]["template"]["metadata"]["annotations"]
                         ["volcano.sh/network-topology-mode"] == "hard"),
    "gateway:engine-native": ([gateway("engine-native")], lambda r: not objects(r, "HTTPRoute")),
    "gateway:envoy-gateway": None,
    "gateway:istio": ([gateway("istio")], lambda r: one(r, "HTTPRoute")),
    "gateway:agentgateway": ([gateway("agentgateway")], lambda r: one(r, "HTTPRoute")),
    "gateway:kgateway": None,
    "gateway:envoy-ai-gateway": None,
    "gateway-tls": ([gateway("istio", tls={"secretName": "cert"})],
                    lambda r: any(lst["protocol"] == "HTTPS" for lst in one(r, "Gateway")["spec"]["listeners"])),
    "gateway-hostname": ([gateway("istio", hostname="llm.example.com")],
                         lambda r: one(r, "HTTPRoute")["spec"]["hostnames"] == ["llm.example.com"]),
}

# Specs that ask for each unsupported feature.
UNSUPPORTED = {
    "kv-connector:mooncake": [runtime("sglang"), model(disaggregation={
        "prefill": {"replicas": 1, "parallelism": {"tensor": 1}}, "decode": {"replicas": 1, "parallelism": {"tensor": 1}},
        "kvConnector": "mooncake"})],
    "kv-connector:lmcache": [model(disaggregation={
        "prefill": {"replicas": 1, "parallelism": {"tensor": 1}}, "decode": {"replicas": 1, "parallelism": {"tensor": 1}},
        "kvConnector": "lmcache"})],
    "autoscaling-metric:gpu-utilization": [PROMETHEUS, autoscale("gpu-utilization")],
    "routing:round-robin": [model(routing={"strategy": "round-robin"})],
    "gateway:envoy-gateway": [gateway("envoy-gateway")],
    "gateway:kgateway": [gateway("kgateway")],
    "gateway:envoy-ai-gateway": [gateway("envoy-ai-gateway")],
}


def _hpa_metric(r):
    return one(r, "HorizontalPodAutoscaler")["spec"]["metrics"][0]["pods"]["metric"]["name"]


def test_every_feature_has_a_case():
    assert set(CASES) == set(FEATURES)
    assert {f for f, c in CASES.items() if c is None} == set(UNSUPPORTED)


@pytest.mark.parametrize("feature", sorted(CASES))
def test_capability_table_entry_matches_what_renders(feature):
    support = ENGINE.support(feature)
    case = CASES[feature]
    if case is None:
        assert support.level == NO
        diags = errors(*UNSUPPORTED[feature])
        assert any(d.rule == "INF301" and FEATURES[feature].title in d.message for d in diags), diags
        return
    assert support.level != NO
    edits, check = case
    rendered = render(*edits)
    assert check(rendered), feature


# --- trap: one coherent, pinned version set ---------------------------------------------------------

ALL_VARIANTS = {
    "aggregated": [],
    "lora": [LORA],
    "pd": [PD],
    "pd-sglang": [runtime("sglang"), PD],
    "pd-no-prefix-cache": [PD, model(kvCache={"prefixCaching": False})],
    "kv-aware": [model(routing={"strategy": "kv-cache-aware"})],
    "least-request": [model(routing={"strategy": "least-request"})],
    "multinode": [model(nodesPerReplica=2, parallelism={"tensor": 4})],
    "istio": [gateway("istio")],
    "agentgateway": [gateway("agentgateway")],
    "autoscaled": [PROMETHEUS, autoscale("kv-cache-usage")],
}


@pytest.mark.parametrize("variant", sorted(ALL_VARIANTS))
def test_epp_config_uses_only_plugins_of_the_pinned_image(variant):
    config = epp_config(render(*ALL_VARIANTS[variant]))
    assert config["apiVersion"] == "llm-d.ai/v1alpha1" == router.EPP_CONFIG_API_VERSION
    assert config["kind"] == "EndpointPickerConfig"
    types = [p["type"] for p in config["plugins"]]
    assert set(types) <= router.EPP_PLUGIN_TYPES
    assert not set(types) & router.EPP_DEPRECATED_PLUGIN_TYPES
    declared = {p.get("name", p["type"]) for p in config["plugins"]}
    refs = {r["pluginRef"] for prof in config["schedulingProfiles"] for r in prof["plugins"]}
    refs |= {r["pluginRef"] for src in config["dataLayer"]["sources"] for r in [src, *src["extractors"]]}
    assert refs <= declared
    for p in config["plugins"]:  # plugin-to-plugin references name declared plugins too
        params = p.get("parameters", {})
        for ref in [*params.get("deciders", {}).values(), params.get("prefixMatchInfoProducerName")]:
            assert ref is None or ref in declared


@pytest.mark.parametrize("variant", sorted(ALL_VARIANTS))
def test_epp_and_sidecar_flags_exist_in_the_pinned_images(variant):
    rendered = render(*ALL_VARIANTS[variant])
    epp = next(c for c in containers(one(rendered, "Deployment", "t-m-epp")) if c["name"] == "epp")
    assert epp["image"] == versions.image("llm-d-epp")
    flags = {a[2:].split("=", 1)[0] for a in epp["args"]}
    assert flags <= router.EPP_FLAGS
    assert not flags & router.EPP_REJECTED_FLAGS
    assert all(a.startswith("--") and "=" in a for a in epp["args"])
    for deploy in objects(rendered, "Deployment"):
        for c in deploy["spec"]["template"]["spec"].get("initContainers", []):
            assert c["image"] == versions.image("llm-d-disagg-sidecar")
            args = dict(a[2:].split("=", 1) for a in c["args"])
            assert set(args) <= router.SIDECAR_FLAGS
            assert args["kv-connector"] in router.SIDECAR_KV_CONNECTORS


def test_version_catalogue_pins_one_router_release():
    tag = router.ROUTER_VERSION
    assert ENGINE.version == tag
    assert versions.image("llm-d-epp").endswith(f":{tag}")
    assert versions.image("llm-d-disagg-sidecar").endswith(f":{tag}")
    assert versions.bundle("llm-d-router-crds")["version"] == tag
    assert f"/{tag}/" in versions.bundle("llm-d-router-crds")["url"]
    gie = versions.bundle("gateway-api-inference-extension")
    assert gie["version"] == versions.CRDS["gateway-api-inference-extension"] == "v1.6.0"
    assert gie["url"].endswith("/v1.6.0/v1-manifests.yaml")
    assert f"v{versions.chart('lws')['version']}" == versions.CRDS["lws"]
    for image in ("llm-d-epp", "llm-d-disagg-sidecar", "llm-d-envoy", "llm-d-tokenizer"):
        assert not versions.image(image).endswith(":latest")


def test_router_crds_match_the_pinned_crd_set(crds):
    """The llm-d.ai CRDs inferstack installs (router v0.10.0) are the pinned ones the EPP watches."""
    kinds = {yaml.safe_load(p.read_text())["spec"]["names"]["kind"]
             for p in (crds / "llm-d-router" / versions.CRDS["llm-d-router"]).glob("*.yaml")}
    assert kinds == {"InferenceObjective", "InferenceModelRewrite"}
    role = next(b for b in objects(render(), "Role") if b["metadata"]["name"] == "t-m-epp")
    granted = {(g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    assert {("llm-d.ai", "inferenceobjectives"), ("llm-d.ai", "inferencemodelrewrites"),
            ("inference.networking.k8s.io", "inferencepools"), ("", "pods")} <= granted


# --- trap: the InferencePool ------------------------------------------------------------------------

def _selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("variant", sorted(ALL_VARIANTS))
def test_inferencepool_is_v1_with_match_labels_target_ports_and_endpoint_picker(variant):
    rendered = render(*ALL_VARIANTS[variant])
    pool = one(rendered, "InferencePool")
    assert pool["apiVersion"] == "inference.networking.k8s.io/v1"
    assert set(pool["spec"]["selector"]) == {"matchLabels"}
    ports = [p["number"] for p in pool["spec"]["targetPorts"]]
    assert 1 <= len(ports) <= 8 and len(set(ports)) == len(ports)
    ref = pool["spec"]["endpointPickerRef"]
    service = one(rendered, "Service", ref["name"])
    assert ref["kind"] == "Service" and ref["port"]["number"] in [p["port"] for p in service["spec"]["ports"]]
    assert ref["port"]["number"] == router.EXT_PROC_PORT
    # the picker's service selects the EPP pods, and the pool does not select them
    epp = one(rendered, "Deployment", ref["name"])
    epp_labels = epp["spec"]["template"]["metadata"]["labels"]
    assert _selects(service["spec"]["selector"], epp_labels)
    selector = pool["spec"]["selector"]["matchLabels"]
    assert not _selects(selector, epp_labels)
    serving = [d for d in objects(rendered, "Deployment") if d["metadata"]["name"] != ref["name"]]
    for lws in objects(rendered, "LeaderWorkerSet"):
        assert _selects(selector, lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["metadata"]["labels"])
        assert not _selects(selector, lws["spec"]["leaderWorkerTemplate"]["workerTemplate"]["metadata"]["labels"])
    for d in serving:
        assert _selects(selector, d["spec"]["template"]["metadata"]["labels"]), d["metadata"]["name"]


@pytest.mark.parametrize("impl", ["istio", "agentgateway"])
def test_httproute_references_the_pool_by_group_and_kind_without_port(impl):
    rendered = render(gateway(impl))
    route = one(rendered, "HTTPRoute")
    gw = one(rendered, "Gateway")
    assert route["spec"]["parentRefs"][0]["name"] == gw["metadata"]["name"]
    backends = [b for rule in route["spec"]["rules"] for b in rule["backendRefs"]]
    assert backends == [{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "t-m"}]
    assert "port" not in backends[0]


def test_standalone_router_is_the_default_on_kind():
    rendered = render()
    assert rendered.summary["cluster"]["gateway"] == "engine-native"
    assert not objects(rendered, "Gateway") and not objects(rendered, "HTTPRoute")
    assert "gateway-api-crds" not in [i.name for i in rendered.installs]
    epp = one(rendered, "Deployment", "t-m-epp")
    names = [c["name"] for c in containers(epp)]
    assert names == ["proxy", "epp"]
    proxy = containers(epp)[0]
    assert proxy["image"] == versions.image("llm-d-envoy")
    service = one(rendered, "Service", "t-m-epp")
    http = next(p for p in service["spec"]["ports"] if p["name"] == "http")
    assert (http["port"], http["targetPort"]) == (80, router.PROXY_PORT) == (80, proxy["ports"][0]["containerPort"])
    assert rendered.endpoints[0].base_url == "http://t-m-epp.llm.svc.cluster.local"
    assert rendered.endpoints[0].headers == {}
    # Envoy asks the EPP over plaintext loopback (the EPP runs without TLS) and forwards to the picked pod
    assert "--secure-serving=false" in containers(epp)[1]["args"]
    envoy = yaml.safe_load(one(rendered, "ConfigMap", "t-m-epp-proxy")["data"]["envoy.yaml"])
    hcm = envoy["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    ext_proc = hcm["http_filters"][0]["typed_config"]
    assert ext_proc["processing_mode"]["request_body_mode"] == "FULL_DUPLEX_STREAMED"
    clusters = {c["name"]: c for c in envoy["static_resources"]["clusters"]}
    assert clusters[ext_proc["grpc_service"]["envoy_grpc"]["cluster_name"]]["load_assignment"]["endpoints"][0][
        "lb_endpoints"][0]["endpoint"]["address"]["socket_address"] == {"address": "127.0.0.1",
                                                                        "port_value": router.EXT_PROC_PORT}
    assert clusters["model-servers"]["original_dst_lb_config"]["http_header_name"] == "x-gateway-destination-endpoint"


@pytest.mark.parametrize(("impl", "controller", "secure"), [("istio", "istiod", "false"),
                                                            ("agentgateway", "agentgateway", "true")])
def test_gateway_mode_installs_the_inference_extension_before_the_gateway(impl, controller, secure):
    rendered = render(gateway(impl))
    order = [i.name for i in rendered.installs]
    assert order.index("gateway-api-crds") < order.index("gateway-api-inference-extension-crds") < order.index(controller)
    epp = next(c for c in containers(one(rendered, "Deployment", "t-m-epp")) if c["name"] == "epp")
    assert [c["name"] for c in containers(one(rendered, "Deployment", "t-m-epp"))] == ["epp"]
    # Istio calls the picker over plaintext (no DestinationRule needed); agentgateway speaks TLS to it
    assert f"--secure-serving={secure}" in epp["args"]
    assert "http" not in [p["name"] for p in one(rendered, "Service", "t-m-epp")["spec"]["ports"]]


def test_istio_runs_with_the_inference_extension_enabled():
    istiod = next(i for i in render(gateway("istio")).installs if i.name == "istiod")
    assert istiod.values["pilot"]["env"]["ENABLE_GATEWAY_API_INFERENCE_EXTENSION"] == "true"


def test_gateway_endpoints_carry_host_and_model_headers_when_needed():
    second = copy.deepcopy(BASE["spec"]["models"][0]) | {"name": "n"}

    def two_models(d):
        d["spec"]["models"].append(second)
    single = render(gateway("istio", hostname="llm.example.com"))
    assert single.endpoints[0].headers == {"Host": "llm.example.com"}
    assert single.endpoints[0].base_url == "http://t-gateway-istio.llm.svc.cluster.local"
    both = render(gateway("agentgateway"), two_models, LORA)
    by_model = {e.model: e for e in both.endpoints}
    assert by_model["sql"].headers == {"X-Gateway-Model-Name": "sql"}
    route = one(both, "HTTPRoute", "t-m")
    values = [h["value"] for m in route["spec"]["rules"][0]["matches"] for h in m["headers"]]
    assert values == ["m", "sql"]


def test_standalone_router_listens_on_the_gateway_port():
    rendered = render(spec(gateway={"implementation": "engine-native", "port": 8080}))
    http = next(p for p in one(rendered, "Service", "t-m-epp")["spec"]["ports"] if p["name"] == "http")
    assert (http["port"], http["targetPort"]) == (8080, router.PROXY_PORT)
    assert rendered.endpoints[0].base_url == "http://t-m-epp.llm.svc.cluster.local:8080"


def test_standalone_mode_rejects_gateway_tls_and_hostname():
    diags = errors(spec(gateway={"implementation": "auto", "hostname": "x.example.com", "tls": {"secretName": "c"}}))
    assert {d.path for d in diags if d.rule == "INF302"} == {"$.spec.gateway.hostname", "$.spec.gateway.tls.secretName"}


# --- trap: prefill/decode ---------------------------------------------------------------------------

def test_pd_roles_sidecar_and_nixl():
    rendered = render(PD)
    prefill, decode = one(rendered, "Deployment", "t-m-prefill"), one(rendered, "Deployment", "t-m-decode")
    assert prefill["spec"]["template"]["metadata"]["labels"][router.ROLE_LABEL] == "prefill"
    assert decode["spec"]["template"]["metadata"]["labels"][router.ROLE_LABEL] == "decode"
    pool = one(rendered, "InferencePool")
    pool_port = pool["spec"]["targetPorts"][0]["number"]
    assert router.ROLE_LABEL not in pool["spec"]["selector"]["matchLabels"]  # one pool selects both roles
    # prefill serves the pool port itself
    assert server(prefill)["ports"][0]["containerPort"] == pool_port
    assert "prefill" not in json.dumps(prefill["spec"]["template"]["spec"].get("initContainers", []))
    # decode: the sidecar owns the pool port and forwards to vLLM on its own port
    (sidecar,) = decode["spec"]["template"]["spec"]["initContainers"]
    assert sidecar["restartPolicy"] == "Always"
    assert sidecar["ports"][0]["containerPort"] == pool_port
    args = dict(a[2:].split("=", 1) for a in sidecar["args"])
    engine_port = server(decode)["ports"][0]["containerPort"]
    assert engine_port != pool_port and args["model-server-port"] == str(engine_port)
    assert server(decode)["args"][server(decode)["args"].index("--port") + 1] == str(engine_port)
    assert args["kv-connector"] == "nixlv2" and args["secure-proxy"] == "false"
    assert args["inference-pool"] == "llm/t-m"
    for d in (prefill, decode):
        s = server(d)
        config = json.loads(s["args"][s["args"].index("--kv-transfer-config") + 1])
        assert config["kv_connector"] == "NixlConnector"
        assert any(e["name"] == "VLLM_NIXL_SIDE_CHANNEL_HOST" for e in s["env"])
    # the sidecar's pool watch is allowed
    assert decode["spec"]["template"]["spec"]["serviceAccountName"] == "t-m-sidecar"
    role = one(rendered, "Role", "t-m-sidecar")
    assert any("inferencepools" in r["resources"] for r in role["rules"])
    config = epp_config(rendered)
    assert {p["type"] for p in config["plugins"]} >= {"prefill-filter", "decode-filter", "disagg-profile-handler"}
    for profile in ("prefill", "decode"):  # the P/D handler needs a prefix scorer in both profiles
        assert "prefix-cache-scorer" in scorer_weights(config, profile)


def test_pd_rejects_prefill_tensor_parallel_larger_than_decode():
    diags = errors(model(disaggregation={"prefill": {"replicas": 1, "parallelism": {"tensor": 4}},
                                         "decode": {"replicas": 1, "parallelism": {"tensor": 2}},
                                         "kvConnector": "nixl"}))
    assert [(d.rule, d.path) for d in diags] == [
        ("INF302", "$.spec.models[0].disaggregation.prefill.parallelism.tensor")]


@pytest.mark.parametrize(("edits", "path"), [
    ([PD, PROMETHEUS, autoscale("queue-depth")], "$.spec.models[0].autoscaling"),
    ([model(nodesPerReplica=2, disaggregation={"prefill": {"replicas": 1, "parallelism": {"tensor": 2}},
                                                "decode": {"replicas": 1, "parallelism": {"tensor": 2}},
                                                "kvConnector": "nixl"})], "$.spec.models[0].nodesPerReplica"),
    ([PD, model(kvCache={"prefixCaching": True, "offload": {"backend": "lmcache", "cpuGiB": 8}})],
     "$.spec.models[0].kvCache.offload"),
])
def test_pd_combinations_the_engine_cannot_render_are_rejected(edits, path):
    assert path in [d.path for d in errors(*edits) if d.rule == "INF302"]


def test_sglang_pd_uses_the_sglang_sidecar_protocol():
    rendered = render(runtime("sglang"), PD)
    decode = one(rendered, "Deployment", "t-m-decode")
    assert "--kv-connector=sglang" in decode["spec"]["template"]["spec"]["initContainers"][0]["args"]
    assert server(one(rendered, "Deployment", "t-m-prefill"))["args"][-4:] == [
        "--disaggregation-mode", "prefill", "--disaggregation-transfer-backend", "nixl"]


# --- trap: KV-cache-aware routing and KV offload ------------------------------------------------------

KV_AWARE = model(routing={"strategy": "kv-cache-aware"})


def test_kv_aware_routing_publishes_kv_events_with_the_scorers_block_size():
    rendered = render(KV_AWARE)
    s = server(_deploy(rendered))
    args = s["args"]
    events = json.loads(args[args.index("--kv-events-config") + 1])
    assert events["enable_kv_cache_events"] and events["publisher"] == "zmq"
    assert events["endpoint"] == f"tcp://*:{router.KV_EVENTS_PORT}"
    assert events["topic"] == f"kv@$(POD_IP):{router.POOL_PORT}@m"
    assert s["env"][0]["name"] == "POD_IP"  # defined before args expand $(POD_IP)
    assert {"name": "kv-events", "containerPort": router.KV_EVENTS_PORT, "protocol": "TCP"} in s["ports"]
    block = int(args[args.index("--block-size") + 1])
    config = epp_config(rendered)
    plugins = {p.get("name", p["type"]): p for p in config["plugins"]}
    producer = plugins["precise-prefix-cache-producer"]["parameters"]
    assert producer["tokenProcessorConfig"]["blockSizeTokens"] == block
    assert producer["kvEventsConfig"]["podDiscoveryConfig"]["socketPort"] == router.KV_EVENTS_PORT
    assert producer["kvEventsConfig"]["topicFilter"] == events["topic"][:3]
    assert plugins["prefix-cache-scorer"]["parameters"]["prefixMatchInfoProducerName"] == "precise-prefix-cache-producer"
    assert plugins["token-producer"]["parameters"]["modelName"] == "Qwen/Qwen2.5-0.5B-Instruct"
    # the tokenizer the producer calls runs next to the EPP
    epp = one(rendered, "Deployment", "t-m-epp")
    tokenizer = next(c for c in containers(epp) if c["name"] == "tokenizer")
    assert tokenizer["image"] == versions.image("llm-d-tokenizer")
    assert plugins["token-producer"]["parameters"]["vllm"]["url"].endswith(f":{tokenizer['ports'][0]['containerPort']}")


def test_kv_aware_routing_keeps_a_user_block_size():
    rendered = render(KV_AWARE, model(runtime={"name": "vllm", "args": ["--block-size=32"]}))
    args = server(_deploy(rendered))["args"]
    assert args.count("--block-size") == 0 and "--block-size=32" in args
    producer = next(p for p in epp_config(rendered)["plugins"] if p["type"] == "precise-prefix-cache-producer")
    assert producer["parameters"]["tokenProcessorConfig"]["blockSizeTokens"] == 32


@pytest.mark.parametrize(("edits", "path"), [
    ([KV_AWARE, runtime("sglang")], "$.spec.models[0].routing.strategy"),
    ([KV_AWARE, model(source={"uri": "s3://b/m"})], "$.spec.models[0].source.uri"),
    ([KV_AWARE, model(kvCache={"prefixCaching": False})], "$.spec.models[0].kvCache.prefixCaching"),
])
def test_kv_aware_routing_preconditions(edits, path):
    assert path in [d.path for d in errors(*edits) if d.rule == "INF302"]


def test_kv_offload_uses_the_lmcache_connector_on_the_model_server():
    rendered = render(model(kvCache={"prefixCaching": True, "offload": {"backend": "lmcache", "cpuGiB": 24}}))
    s = server(_deploy(rendered))
    assert s["image"] == versions.image("vllm-lmcache")
    config = json.loads(s["args"][s["args"].index("--kv-transfer-config") + 1])
    assert config == {"kv_connector": "LMCacheConnectorV1", "kv_role": "kv_both"}
    assert {"name": "LMCACHE_MAX_LOCAL_CPU_SIZE", "value": "24"} in s["env"]
    assert errors(runtime("simulator"), model(kvCache={"prefixCaching": True,
                                                       "offload": {"backend": "lmcache", "cpuGiB": 1}}))


# --- trap: multi-node replicas via LeaderWorkerSet ---------------------------------------------------

MULTINODE = model(nodesPerReplica=2, parallelism={"tensor": 4}, replicas=2)


def test_multinode_replicas_run_on_a_pinned_leaderworkerset():
    rendered = render(MULTINODE)
    lws_install = next(i for i in rendered.installs if i.name == "lws")
    assert lws_install.version == versions.chart("lws")["version"]
    assert "leaderworkerset.x-k8s.io/*" in lws_install.provides
    assert "gangSchedulingManagement" not in lws_install.values
    lws = one(rendered, "LeaderWorkerSet")
    assert lws["spec"]["replicas"] == 2 and lws["spec"]["leaderWorkerTemplate"]["size"] == 2
    leader = lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"]["containers"][0]
    worker = lws["spec"]["leaderWorkerTemplate"]["workerTemplate"]["spec"]["containers"][0]
    assert leader["args"][leader["args"].index("--node-rank") + 1] == "0"
    assert worker["args"][worker["args"].index("--node-rank") + 1] == "$(LWS_WORKER_INDEX)"
    assert "--headless" in worker["args"] and "readinessProbe" not in worker and "ports" not in worker
    assert leader["resources"]["limits"]["nvidia.com/gpu"] == "2"  # tensor 4 over 2 nodes
    assert not objects(rendered, "Deployment")[:-1]  # only the EPP is a Deployment


def test_multinode_with_volcano_gangs_each_replica_group():
    rendered = render(MULTINODE, VOLCANO)
    assert next(i for i in rendered.installs if i.name == "lws").values["gangSchedulingManagement"] == {
        "schedulerProvider": "volcano"}
    lws = one(rendered, "LeaderWorkerSet")
    # LWS copies volcano.sh/* annotations and the queue annotation onto the PodGroup it creates per group
    assert lws["metadata"]["annotations"]["scheduling.volcano.sh/queue-name"] == "q"
    assert lws["metadata"]["annotations"]["volcano.sh/network-topology-mode"] == "hard"


def test_long_leaderworkerset_names_are_rejected():
    def long_name(d):
        d["metadata"]["name"] = "x" * 30
        d["spec"]["models"][0]["name"] = "y" * 20
    diags = errors(MULTINODE, long_name)
    assert any(d.rule == "INF202" and "LeaderWorkerSet" in d.message for d in diags)


# --- trap: autoscaling --------------------------------------------------------------------------------

def test_autoscaling_is_a_standard_hpa_backed_by_a_pinned_metrics_adapter():
    rendered = render(PROMETHEUS, autoscale("kv-cache-usage"))
    hpa = one(rendered, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "t-m"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 3)
    metric = hpa["spec"]["metrics"][0]
    assert metric["type"] == "Pods" and metric["pods"]["target"] == {"type": "AverageValue", "averageValue": "700m"}
    assert "replicas" not in _deploy(rendered)["spec"]  # the HPA owns the replica count
    adapter = next(i for i in rendered.installs if i.name == "prometheus-adapter")
    assert adapter.version == versions.chart("prometheus-adapter")["version"]
    (rule,) = adapter.values["rules"]["custom"]
    assert rule["name"]["as"] == metric["pods"]["metric"]["name"]
    assert "vllm:kv_cache_usage_perc" in rule["seriesQuery"]
    assert "kube-prometheus-stack" in [i.name for i in rendered.installs]


def test_autoscaled_leaderworkerset_is_scaled_through_its_scale_subresource():
    hpa = one(render(PROMETHEUS, MULTINODE, autoscale("queue-depth")), "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["kind"] == "LeaderWorkerSet"


def test_autoscaling_without_prometheus_is_an_error_not_a_silent_drop():
    diags = errors(autoscale("queue-depth"))
    assert [(d.rule, d.path) for d in diags] == [("INF302", "$.spec.models[0].autoscaling")]


def test_request_rate_autoscaling_reads_a_rate():
    adapter = next(i for i in render(PROMETHEUS, autoscale("requests-per-second")).installs
                   if i.name == "prometheus-adapter")
    assert adapter.values["rules"]["custom"][0]["metricsQuery"].startswith("sum(rate(")


# --- other model options ----------------------------------------------------------------------------

def test_non_hf_lora_adapters_are_rejected_for_real_engines():
    bad = model(lora={"maxAdapters": 2, "adapters": [{"name": "a", "uri": "s3://bucket/a"}]})
    assert [d.path for d in errors(bad)] == ["$.spec.models[0].lora.adapters[0].uri"]
    assert render(bad, runtime("simulator"))


def test_router_lands_on_a_cpu_pool_when_there_is_one():
    def cpu_pool(d):
        d["spec"]["cluster"]["nodePools"].insert(0, {"name": "cpu", "nodes": 1})
        d["spec"]["models"][0]["nodePool"] = "gpu"
    rendered = render(cpu_pool)
    pod = one(rendered, "Deployment", "t-m-epp")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"inferstack.dev/node-pool": "cpu"} and "tolerations" not in pod
    pod = one(render(), "Deployment", "t-m-epp")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"inferstack.dev/node-pool": "gpu"}
    assert pod["tolerations"][0]["key"] == "nvidia.com/gpu"
    assert all("nvidia.com/gpu" not in c["resources"]["requests"] for c in pod["containers"])


def test_prometheus_scrapes_model_servers_and_the_router():
    rendered = render(PROMETHEUS)
    monitors = {b["metadata"]["name"]: b for b in objects(rendered, "PodMonitor")}
    epp = monitors["t-epp"]
    assert epp["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"
    epp_pod = one(rendered, "Deployment", "t-m-epp")["spec"]["template"]["metadata"]["labels"]
    assert _selects(epp["spec"]["selector"]["matchLabels"], epp_pod)
    # the router pod has no port named http, so the model-server monitor never scrapes it
    ports = [p["name"] for c in containers(one(rendered, "Deployment", "t-m-epp")) for p in c["ports"]]
    assert "http" not in ports


def test_docs_page_lists_the_capability_table_exactly():
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "engines" / "llm-d.md").read_text()
    table = page.split("## Capability table", 1)[1].split("\n### ", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[2], cells[3])
    assert rows == {f: (s.level, s.how) for f, s in ENGINE.capabilities.items()}


# --- every rendered object passes `inferstack check` ---------------------------------------------------

@pytest.fixture(scope="module")
def checkers(crds, request, tmp_path_factory):
    """One Checker per Kubernetes minor, caching translated CRDs in pytest's cache folder."""
    from inferstack.check.checker import Checker

    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("inferstack-cache") if cache is not None else tmp_path_factory.mktemp("inferstack-cache")
    made: dict[str, Checker] = {}

    def get(version: str) -> Checker:
        if version not in made:
            made[version] = Checker(version, crds, cache_dir=folder)
        return made[version]
    return get


def _manifest_findings(rendered, checkers):
    from inferstack.render.writer import render_files

    texts = {name: text for name, text in render_files(rendered).items() if name.startswith("manifests/")}
    report = checkers(rendered.stack.kubernetes_version).check_texts(texts)
    return [d.text() for d in report.diagnostics]


def _llmd_examples():
    from .conftest import EXAMPLES

    return [e for e in EXAMPLES if validate_text(e.read_text(), e.name, engine="llm-d").ok]


@pytest.mark.parametrize("example", _llmd_examples(), ids=lambda p: p.stem)
def test_every_example_render_passes_check(example, checkers):
    rendered = render_stack(validate_text(example.read_text(), example.name, engine="llm-d").stack)
    assert _manifest_findings(rendered, checkers) == []


CHECKED_VARIANTS = {**{f"variant-{k}": v for k, v in ALL_VARIANTS.items()},
                    **{f"feature-{k}": v[0] for k, v in CASES.items() if v is not None},
                    "multi-model-gateway": [gateway("agentgateway", hostname="llm.example.com", tls={"secretName": "c"}),
                                            LORA, lambda d: d["spec"]["models"].append(
                                                copy.deepcopy(BASE["spec"]["models"][0]) | {"name": "n"})],
                    "multinode-volcano-autoscaled": [MULTINODE, VOLCANO, PROMETHEUS, autoscale("requests-per-second")]}


@pytest.mark.parametrize("variant", sorted(CHECKED_VARIANTS))
def test_every_rendered_variant_passes_check(variant, checkers):
    assert _manifest_findings(render(*CHECKED_VARIANTS[variant]), checkers) == []
