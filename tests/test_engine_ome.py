"""OME v0.1.5: the capability table feature by feature, and the upstream traps a renderer must get right."""

import copy
import json

import pytest
import yaml

from inferstack import versions
from inferstack.check import check_texts
from inferstack.engines import ome
from inferstack.pulumi.plan import build_plan, object_key
from inferstack.render.pipeline import render_stack
from inferstack.render.writer import render_files
from inferstack.spec.validate import validate_text

from .conftest import EXAMPLES, ROOT

BASE = {
    "apiVersion": "inferstack.dev/v1alpha1",
    "kind": "InferenceStack",
    "metadata": {"name": "t"},
    "spec": {
        "engine": "ome",
        "namespace": "llm",
        "cluster": {"provider": "kind", "nodePools": [
            {"name": "gpu", "nodes": 4,
             "accelerator": {"product": "H100-80GB", "countPerNode": 8, "simulated": True}}]},
        "models": [{"name": "m", "source": {"uri": "hf://org/model", "revision": "r1"}, "runtime": {"name": "sglang"},
                    "resources": {"cpu": "4", "memory": "16Gi"}}],
        "observability": {"prometheus": False},
    },
}
PD = {"prefill": {"replicas": 1, "parallelism": {"tensor": 2}}, "decode": {"replicas": 1, "parallelism": {"tensor": 2}},
      "kvConnector": "nixl"}


def spec(**model) -> dict:
    doc = copy.deepcopy(BASE)
    doc["spec"]["models"][0].update(copy.deepcopy(model))
    return doc


def validate(doc: dict):
    return validate_text(yaml.safe_dump(doc, sort_keys=False), "t.yaml", engine="ome")


def render(doc: dict):
    result = validate(doc)
    assert result.ok, [d.text() for d in result.diagnostics]
    return render_stack(result.stack)


def errors(doc: dict) -> list[tuple[str, str]]:
    return [(d.rule, d.path) for d in validate(doc).diagnostics if d.severity == "error"]


def objects(rendered, kind: str) -> list[dict]:
    return [o.body for o in rendered.objects if o.kind == kind]


def one(rendered, kind: str) -> dict:
    found = objects(rendered, kind)
    assert len(found) == 1, kind
    return found[0]


def isvc(rendered) -> dict:
    return one(rendered, "InferenceService")["spec"]


def runtime_spec(rendered) -> dict:
    return one(rendered, "ClusterServingRuntime")["spec"]


def runner(rendered, component: str = "engineConfig") -> dict:
    return runtime_spec(rendered)[component]["runner"]


def installs(rendered) -> list[str]:
    return [i.name for i in rendered.installs]


def with_prometheus(doc: dict) -> dict:
    doc["spec"]["observability"]["prometheus"] = True
    return doc


def with_gateway(**gateway):
    def mutate(doc: dict) -> dict:
        doc["spec"]["gateway"] = gateway
        return doc
    return mutate


def autoscaled(metric: str) -> dict:
    return with_prometheus(spec(runtime={"name": "vllm"}, autoscaling={"maxReplicas": 3, "metric": metric, "target": 0.5}))


def volcano(topology: bool = False) -> dict:
    doc = spec()
    doc["spec"]["scheduling"] = {"scheduler": "volcano"}
    if topology:
        doc["spec"]["scheduling"]["volcano"] = {"networkTopology": {"tiers": [{"name": "rack"}], "mode": "hard"}}
        doc["spec"]["cluster"]["nodePools"][0]["topology"] = {"rack": ["r1", "r1", "r2", "r2"]}
    return doc


# --- the capability table, feature by feature -----------------------------------------------------
# feature -> (expected level, a spec that uses it, what the render must show / the path validate rejects)

def _args(r):
    return runner(r)["args"]


FEATURES = {
    "runtime:vllm": ("native", spec(runtime={"name": "vllm"}),
                     lambda r: runner(r)["image"] == versions.image("vllm") and "$(MODEL_PATH)" in _args(r)),
    "runtime:sglang": ("native", spec(),
                       lambda r: runner(r)["image"] == versions.image("sglang") and "$(MODEL_PATH)" in _args(r)),
    "runtime:simulator": ("generic", spec(runtime={"name": "simulator"}),
                          lambda r: runner(r)["image"] == versions.image("simulator")),
    "multi-replica": ("native", spec(replicas=3), lambda r: (isvc(r)["engine"]["minReplicas"], isvc(r)["engine"]["maxReplicas"]) == (3, 3)),
    "multi-node": ("native", spec(runtime={"name": "vllm"}, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2}),
                   lambda r: isvc(r)["engine"]["worker"]["size"] == 1 and "leader" in runtime_spec(r)["engineConfig"]
                   and "lws" in installs(r)),
    "disaggregation": ("native", spec(disaggregation=PD, routing={"strategy": "pd"}),
                       lambda r: {"engine", "decoder", "router"} <= set(isvc(r))
                       and "decode" in runner(r, "decoderConfig")["args"] and "prefill" in _args(r)),
    "kv-connector:nixl": ("native", spec(disaggregation=PD),
                          lambda r: _args(r)[_args(r).index("--disaggregation-transfer-backend") + 1] == "nixl"),
    "kv-connector:lmcache": ("no", spec(disaggregation={**PD, "kvConnector": "lmcache"}),
                             "$.spec.models[0].disaggregation.kvConnector"),
    "kv-connector:mooncake": ("no", spec(disaggregation={**PD, "kvConnector": "mooncake"}),
                              "$.spec.models[0].disaggregation.kvConnector"),
    "lora": ("no", spec(lora={"adapters": [{"name": "a1", "uri": "hf://org/a1"}]}), "$.spec.models[0].lora"),
    "autoscaling": ("native", autoscaled("queue-depth"),
                    lambda r: one(r, "InferenceService")["metadata"]["annotations"] == {"ome.io/autoscalerClass": "keda"}
                    and "kedaConfig" in isvc(r) and "keda" in installs(r)),
    "autoscaling-metric:kv-cache-usage": ("native", autoscaled("kv-cache-usage"),
                                          lambda r: "vllm:kv_cache_usage_perc{" in isvc(r)["kedaConfig"]["customPromQuery"]),
    "autoscaling-metric:queue-depth": ("native", autoscaled("queue-depth"),
                                       lambda r: "vllm:num_requests_waiting{" in isvc(r)["kedaConfig"]["customPromQuery"]),
    "autoscaling-metric:requests-per-second": ("native", autoscaled("requests-per-second"),
                                               lambda r: "rate(vllm:request_success_total{" in isvc(r)["kedaConfig"]["customPromQuery"]),
    "autoscaling-metric:gpu-utilization": ("no", autoscaled("gpu-utilization"), "$.spec.models[0].autoscaling.metric"),
    "kv-offload": ("generic", spec(runtime={"name": "vllm"}, kvCache={"offload": {"cpuGiB": 10}}),
                   lambda r: "LMCacheConnectorV1" in _args(r)[_args(r).index("--kv-transfer-config") + 1]),
    "prefix-caching-off": ("generic", spec(kvCache={"prefixCaching": False}), lambda r: "--disable-radix-cache" in _args(r)),
    "routing:round-robin": ("native", spec(routing={"strategy": "round-robin"}),
                            lambda r: "round_robin" in runner(r, "routerConfig")["args"] and "router" in isvc(r)),
    "routing:least-request": ("no", spec(routing={"strategy": "least-request"}), "$.spec.models[0].routing.strategy"),
    "routing:prefix-cache": ("native", spec(routing={"strategy": "prefix-cache"}),
                             lambda r: "cache_aware" in runner(r, "routerConfig")["args"]),
    "routing:kv-cache-aware": ("no", spec(routing={"strategy": "kv-cache-aware"}), "$.spec.models[0].routing.strategy"),
    "routing:pd": ("native", spec(disaggregation=PD, routing={"strategy": "pd"}),
                   lambda r: "--pd-disaggregation" in runner(r, "routerConfig")["args"]),
    "source:hf": ("native", spec(),
                  lambda r: one(r, "ClusterBaseModel")["spec"]["storage"]["storageUri"] == "hf://org/model@r1"),
    "source:s3": ("no", spec(runtime={"name": "vllm"}, source={"uri": "s3://bucket/model"}), "$.spec.models[0].source.uri"),
    "source:gs": ("no", spec(runtime={"name": "vllm"}, source={"uri": "gs://bucket/model"}), "$.spec.models[0].source.uri"),
    "source:pvc": ("no", spec(source={"uri": "pvc://weights/model"}), "$.spec.models[0].source.uri"),
    "token-secret": ("native", spec(source={"uri": "hf://org/model", "tokenSecret": {"name": "hf", "key": "token"}}),
                     lambda r: {k: one(r, "ClusterBaseModel")["spec"]["storage"].get(k) for k in ("key", "parameters")}
                     == {"key": "hf", "parameters": {"secretKey": "token"}}),
    "model-cache": ("no", spec(cache={"size": "100Gi"}), "$.spec.models[0].cache"),
    "volcano": ("generic", volcano(),
                lambda r: isvc(r)["engine"]["schedulerName"] == "volcano"
                and isvc(r)["engine"]["annotations"]["ome.io/volcano-queue"] == "inference"),
    "volcano-topology": ("generic", volcano(topology=True),
                         lambda r: isvc(r)["engine"]["annotations"]["volcano.sh/network-topology-mode"] == "hard"),
    "gateway:engine-native": ("native", with_gateway(implementation="engine-native")(spec()),
                              lambda r: r.endpoints[0].base_url == "http://t-m.llm.svc.cluster.local:8080"),
    "gateway:envoy-gateway": ("no", with_gateway(implementation="envoy-gateway")(spec()), "$.spec.gateway.implementation"),
    "gateway:istio": ("no", with_gateway(implementation="istio")(spec()), "$.spec.gateway.implementation"),
    "gateway:agentgateway": ("no", with_gateway(implementation="agentgateway")(spec()), "$.spec.gateway.implementation"),
    "gateway:kgateway": ("no", with_gateway(implementation="kgateway")(spec()), "$.spec.gateway.implementation"),
    "gateway:envoy-ai-gateway": ("no", with_gateway(implementation="envoy-ai-gateway")(spec()), "$.spec.gateway.implementation"),
    "gateway-tls": ("no", with_gateway(tls={"secretName": "tls"})(spec()), "$.spec.gateway.tls.secretName"),
    "gateway-hostname": ("no", with_gateway(hostname="llm.example.com")(spec()), "$.spec.gateway.hostname"),
}


def test_every_feature_has_a_case():
    assert set(FEATURES) == set(ome.CAPABILITIES)


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_capability(feature):
    level, doc, expect = FEATURES[feature]
    support = ome.ENGINE.support(feature)
    assert support.level == level
    if level == "no":
        assert ("INF301", expect) in errors(doc), errors(doc)
    else:
        rendered = render(doc)
        assert feature in {f["feature"] for f in rendered.summary["features"]}
        assert expect(rendered)


# --- constraints beyond the table (INF302) ------------------------------------------------------


@pytest.mark.parametrize(("doc", "path"), [
    (spec(runtime={"name": "vllm"}, disaggregation=PD), "$.spec.models[0].disaggregation"),
    (spec(kvCache={"offload": {"cpuGiB": 10}}), "$.spec.models[0].kvCache.offload"),
    (spec(runtime={"name": "simulator"}, kvCache={"offload": {"cpuGiB": 10}}), "$.spec.models[0].kvCache.offload"),
    (spec(runtime={"name": "vllm"}, autoscaling={"maxReplicas": 2, "metric": "queue-depth"}), "$.spec.models[0].autoscaling"),
    (with_prometheus(spec(runtime={"name": "vllm"}, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2},
                          autoscaling={"maxReplicas": 2, "metric": "queue-depth"})), "$.spec.models[0].autoscaling"),
    (with_prometheus(spec(disaggregation=PD, autoscaling={"maxReplicas": 2, "metric": "queue-depth"})),
     "$.spec.models[0].autoscaling"),
], ids=["pd-vllm", "offload-sglang", "offload-simulator", "keda-without-prometheus", "autoscale-multinode", "autoscale-pd"])
def test_combinations_ome_cannot_render_are_rejected(doc, path):
    assert ("INF302", path) in errors(doc)


def test_simulator_may_stand_in_for_sglang_prefill_decode():
    rendered = render(spec(runtime={"name": "simulator"}, disaggregation=PD))
    assert {"engine", "decoder", "router"} <= set(isvc(rendered))
    assert any("simulators stand in" in n for n in rendered.notes)


def test_generated_names_respect_label_and_service_limits():
    long = "x" * 30
    doc = spec(name=long, disaggregation=PD)
    doc["metadata"]["name"] = "s" * 25
    found = [d for d in validate(doc).diagnostics if d.rule == "INF202"]
    assert [d.message.split(" '")[0] for d in found] == ["OME decoder Service name"]
    doc["metadata"]["name"] = "s" * 33  # <stack>-<model> itself passes 63
    found = [d.message.split(" '")[0] for d in validate(doc).diagnostics if d.rule == "INF202"]
    assert found == ["OME InferenceService/ClusterBaseModel name", "OME decoder Service name"]


# --- traps ----------------------------------------------------------------------------------------


def test_trap_install_order_cert_manager_then_lws_and_keda_then_ome_charts_in_namespace_ome():
    doc = with_prometheus(spec(runtime={"name": "vllm"}, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2}))
    doc["spec"]["models"].append({"name": "n", "source": {"uri": "hf://org/n"}, "runtime": {"name": "vllm"},
                                  "autoscaling": {"maxReplicas": 2, "metric": "queue-depth"}})
    rendered = render(doc)
    engine = [i for i in rendered.installs if i.component == "engine"]
    assert [i.name for i in engine] == ["cert-manager", "lws", "keda", "ome-crd", "ome-resources"]
    charts = {i.name: i for i in engine}
    assert charts["ome-crd"].namespace == charts["ome-resources"].namespace == "ome"
    assert charts["ome-crd"].version == charts["ome-resources"].version == "0.1.5"
    assert "ome.io/*" in charts["ome-crd"].provides
    # without multi-node or autoscaling, no LWS and no KEDA
    assert [i.name for i in render(spec()).installs if i.component == "engine"] == ["cert-manager", "ome-crd", "ome-resources"]


def test_trap_model_agent_requests_fit_the_pools_and_it_tolerates_their_taints():
    def agent(doc):
        values = next(i for i in render(doc).installs if i.name == "ome-resources").values
        return values["modelAgent"]
    simulated = agent(spec())
    real_doc = spec()
    real_doc["spec"]["cluster"] = {"provider": "existing", "nodePools": [
        {"name": "h100", "nodes": 2, "accelerator": {"product": "H100-80GB", "countPerNode": 8},
         "taints": [{"key": "dedicated", "value": "llm", "effect": "NoSchedule"}]}]}
    real = agent(real_doc)

    def millicores(cpu: str) -> int:
        return int(cpu[:-1]) if cpu.endswith("m") else int(cpu) * 1000

    def mebibytes(memory: str) -> int:
        return int(memory[:-2]) * (1024 if memory.endswith("Gi") else 1)

    # the chart's 10 CPU / 100Gi requests and limits: far more than a node beside its model servers has
    for values in (simulated, real):
        requests, limits = values["resources"]["requests"], values["resources"]["limits"]
        assert millicores(requests["cpu"]) <= 1000 and mebibytes(requests["memory"]) <= 2048
        assert millicores(limits["cpu"]) <= 4000 and mebibytes(limits["memory"]) <= 16 * 1024
    assert simulated["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert {"key": "dedicated", "operator": "Equal", "value": "llm", "effect": "NoSchedule"} in real["tolerations"]
    assert {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"} in simulated["tolerations"]


def test_trap_storage_path_lies_under_the_model_agent_host_path():
    rendered = render(spec())
    host_path = next(i for i in rendered.installs if i.name == "ome-resources").values["modelAgent"]["hostPath"]
    storage = one(rendered, "ClusterBaseModel")["spec"]["storage"]
    assert storage["path"].startswith(host_path + "/")
    assert storage["path"] == "/mnt/data/models/t/m"
    assert storage["nodeSelector"] == {"inferstack.dev/node-pool": "gpu"}  # only the pool's nodes pull the weights


@pytest.mark.parametrize(("provider", "pool", "rejected"), [
    ("eks", {"minNodes": 0, "maxNodes": 4}, True),
    ("aks", {"maxNodes": 4}, True),
    ("gke", {"maxNodes": 4}, True),
    ("eks", {"minNodes": 4, "maxNodes": 4}, False),
])
def test_trap_serving_pods_need_nodes_that_exist_before_them(provider, pool, rejected):
    # the pods select models.ome.io/clusterbasemodel.<m>=Ready, which no node an autoscaler creates carries
    doc = yaml.safe_load((ROOT / "examples" / "gke-multinode.yaml").read_text())
    doc["spec"]["cluster"]["provider"] = provider
    doc["spec"]["cluster"]["nodePools"][0].update(pool)
    if provider != "gke":
        doc["spec"]["cluster"]["nodePools"][0]["instanceType"] = {"eks": "p5.48xlarge", "aks": "Standard_ND96isr_H100_v5"}[provider]
    diags = [(d.rule, d.path) for d in validate_text(yaml.safe_dump(doc), "s.yaml", engine="ome").diagnostics]
    assert (("INF302", "$.spec.models[0].nodePool") in diags) == rejected, diags


def test_trap_token_secret_goes_through_the_key_field_and_lives_in_namespace_ome():
    rendered = render(spec(source={"uri": "hf://org/model", "tokenSecret": {"name": "hf", "key": "HF_TOKEN"}}))
    storage = one(rendered, "ClusterBaseModel")["spec"]["storage"]
    assert storage["key"] == "hf" and storage["parameters"] == {"secretKey": "HF_TOKEN"}
    assert "storageKey" not in storage
    assert rendered.summary["secretsRequired"] == [{"name": "hf", "key": "HF_TOKEN", "namespace": "ome"}]
    # the pods read local weights: no hub token (which would need the Secret in the model namespace too)
    assert "HF_TOKEN" not in {e["name"] for e in runner(rendered).get("env", [])}
    # benchmark Jobs fetch the tokenizer with it, in the model namespace
    example = render(yaml.safe_load((ROOT / "examples" / "ome-sglang-pd.yaml").read_text()))
    assert example.summary["secretsRequired"] == [{"name": "hf-token", "key": "HF_TOKEN", "namespace": "llm"},
                                                  {"name": "hf-token", "key": "HF_TOKEN", "namespace": "ome"}]


# A port of OME v0.1.5's runtime check (pkg/runtimeselector/matcher.go compareSupportedModelFormats +
# checkModelSize), which runs even when the InferenceService names its runtime.

def _same_presence(a, b) -> bool:
    return (a is None) == (b is None)


def ome_accepts(model: dict, runtime: dict) -> bool:
    def size(text):
        mult = {"T": 1e12, "B": 1e9, "M": 1e6}.get(text[-1:], 1)
        return float(text.rstrip("TBM")) * mult
    if not model.get("modelFormat", {}).get("name"):
        return False
    for fmt in runtime["supportedModelFormats"]:
        ok = True
        for key in ("modelArchitecture", "quantization"):
            ok &= _same_presence(model.get(key), fmt.get(key)) and model.get(key) == fmt.get(key)
        for key in ("modelFormat", "modelFramework"):
            m, f = model.get(key), fmt.get(key)
            ok &= _same_presence(m, f) and (m is None or (m["name"] == f["name"] and m.get("version") == f.get("version")))
        size_range = runtime.get("modelSizeRange")
        if ok and model.get("modelParameterSize") and size_range:
            ok = size(size_range["min"]) <= size(model["modelParameterSize"]) <= size(size_range["max"])
        if ok:
            return True
    return False


def agent_parses(cbm: dict) -> dict:
    """What the model agent (and the BaseModel controller after it) write into unset model fields after
    downloading, as for an FP8 Qwen3 checkpoint, unless the ClusterBaseModel turns parsing off."""
    spec_ = copy.deepcopy(cbm["spec"])
    if cbm["metadata"].get("annotations", {}).get(ome.SKIP_CONFIG_PARSING) == "true":
        return spec_
    for key, value in (("modelArchitecture", "Qwen3ForCausalLM"), ("modelParameterSize", "8.19B"),
                       ("quantization", "fp8"), ("modelFramework", {"name": "transformers", "version": "4.51.0"})):
        spec_.setdefault(key, value)
    return spec_


def test_trap_runtime_matches_the_model_even_after_the_agent_parses_it():
    for doc in (spec(), spec(runtime={"name": "vllm"}), spec(runtime={"name": "simulator"}), spec(disaggregation=PD)):
        rendered = render(doc)
        cbm, runtime = one(rendered, "ClusterBaseModel"), runtime_spec(rendered)
        assert ome_accepts(cbm["spec"], runtime)
        assert ome_accepts(agent_parses(cbm), runtime)
        assert isvc(rendered)["runtime"]["name"] == one(rendered, "ClusterServingRuntime")["metadata"]["name"]
        # the check does catch a mismatch: let the agent parse, and the explicit runtime is refused
        parsed = copy.deepcopy(cbm)
        parsed["metadata"]["annotations"].pop(ome.SKIP_CONFIG_PARSING)
        assert not ome_accepts(agent_parses(parsed), runtime)


def test_trap_runner_is_named_ome_container_and_loads_model_path():
    for runtime_name in ("vllm", "sglang", "simulator"):
        rendered = render(spec(runtime={"name": runtime_name}, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2})
                          if runtime_name != "simulator" else spec(runtime={"name": runtime_name}))
        config = runtime_spec(rendered)["engineConfig"]
        runners = [config[k]["runner"] for k in ("leader", "worker") if k in config] or [config["runner"]]
        for container in runners:
            assert container["name"] == "ome-container"
            assert container["ports"][0]["containerPort"] == 8080
            if runtime_name != "simulator":
                assert "$(MODEL_PATH)" in container["args"]
                assert "--revision" not in container["args"]


def test_trap_gpu_tolerations_and_pool_selection_on_the_engine_component():
    rendered = render(spec(disaggregation=PD))
    toleration = {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}
    for component in ("engine", "decoder"):
        assert toleration in isvc(rendered)[component]["tolerations"]
        assert isvc(rendered)[component]["nodeSelector"] == {"inferstack.dev/node-pool": "gpu"}
        config = runtime_spec(rendered)["engineConfig" if component == "engine" else "decoderConfig"]
        assert config["runner"]["resources"]["limits"]["nvidia.com/gpu"] == "2"
    multi = render(spec(runtime={"name": "vllm"}, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2}))
    for pod in ("leader", "worker"):  # MultiNode takes the pod specs from leader/worker, not the component
        assert toleration in isvc(multi)["engine"][pod]["tolerations"]


def test_trap_summary_says_pods_wait_for_the_model_agent_node_label():
    rendered = render(spec())
    note = next(n for n in rendered.notes if "wait for the model agent" in n)
    assert "models.ome.io/clusterbasemodel.t-m=Ready" in note
    assert "models.ome.io/clusterbasemodel.t-m=Ready" in rendered.summary["endpoints"]["m"]["note"]


def test_ready_label_is_hashed_like_ome_for_long_names():
    assert ome.ready_label("a" * 32) == "models.ome.io/clusterbasemodel." + "a" * 32
    name = "quickstart-" + "b" * 30
    label = ome.ready_label(name)
    key = label.split("/", 1)[1]
    assert len(key) <= 49 and label.endswith(name[-23:])
    assert label != ome.ready_label("quickstart-" + "c" + "b" * 29)


def test_trap_prefill_decode_engine_decoder_router_with_sglang_flags():
    rendered = render(spec(disaggregation={**PD, "decode": {"replicas": 2, "parallelism": {"tensor": 1}}}, replicas=2))
    spec_ = isvc(rendered)
    assert (spec_["engine"]["minReplicas"], spec_["decoder"]["minReplicas"], spec_["router"]["minReplicas"]) == (2, 4, 1)
    prefill, decode = runner(rendered)["args"], runner(rendered, "decoderConfig")["args"]
    assert prefill[prefill.index("--disaggregation-mode") + 1] == "prefill"
    assert decode[decode.index("--disaggregation-mode") + 1] == "decode"
    router = runner(rendered, "routerConfig")
    assert router["image"] == versions.image("sglang-router")
    args = router["args"]
    assert args[args.index("--prefill-selector") + 1:args.index("--decode-selector")] == [
        "component=engine", "ome.io/inferenceservice=t-m"]
    assert args[args.index("--decode-selector") + 1:] == ["component=decoder", "ome.io/inferenceservice=t-m"]


def test_multi_node_workers_have_no_probes_and_the_router_picks_leaders():
    rendered = render(spec(runtime={"name": "sglang"}, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2},
                           routing={"strategy": "prefix-cache"}))
    config = runtime_spec(rendered)["engineConfig"]
    assert "readinessProbe" in config["leader"]["runner"] and "readinessProbe" not in config["worker"]["runner"]
    assert "$(LWS_WORKER_INDEX)" in config["worker"]["runner"]["args"]
    assert "leaderworkerset.sigs.k8s.io/worker-index=0" in runner(rendered, "routerConfig")["args"]


def test_trap_endpoint_is_the_inferenceservice_service():
    rendered = render(spec())
    endpoint = rendered.summary["endpoints"]["m"]
    assert endpoint["baseUrl"] == "http://t-m.llm.svc.cluster.local:8080"
    assert endpoint["headers"] == {}
    name = one(rendered, "InferenceService")["metadata"]["name"]
    assert endpoint["baseUrl"].startswith(f"http://{name}.llm.")
    routed = render(spec(routing={"strategy": "round-robin"}))
    assert routed.endpoints[0].base_url == "http://t-m.llm.svc.cluster.local:8080"
    assert "router" in routed.endpoints[0].note


def test_multi_node_engines_are_reached_through_a_router_to_their_leaders():
    # OME's own Services for a MultiNode engine select the LeaderWorkerSet workers (no HTTP), or
    # the leaders of every InferenceService in the namespace
    rendered = render(spec(runtime={"name": "vllm"}, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2}))
    assert rendered.endpoints[0].base_url == "http://t-m.llm.svc.cluster.local:8080"
    args = runner(rendered, "routerConfig")["args"]
    assert args[args.index("--policy") + 1] == "round_robin"
    assert args[args.index("--selector") + 1:] == [
        "component=engine", "ome.io/inferenceservice=t-m", "leaderworkerset.sigs.k8s.io/worker-index=0"]
    assert "router" in isvc(rendered)


def test_trap_benchmarks_use_the_common_job_not_omes_benchmarkjob():
    rendered = render(yaml.safe_load((ROOT / "examples" / "ome-sglang-pd.yaml").read_text()))
    assert not [o for o in rendered.objects if o.kind == "BenchmarkJob"]
    job = one(rendered, "Job")
    assert job["apiVersion"] == "batch/v1"
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["initContainers"][0]["env"]}
    # OME's BenchmarkJob always sends the model name "vllm-model"; this Job sends the served name to the Service
    assert env["BASE_URL"] == "http://omepd-qwen3-8b.llm.svc.cluster.local:8080"
    args = runner(rendered)["args"]
    assert env["MODEL"] == args[args.index("--served-model-name") + 1] == "qwen3-8b"


def test_trap_autoscaling_through_the_keda_autoscaler_class():
    rendered = render(autoscaled("kv-cache-usage"))
    item = one(rendered, "InferenceService")
    assert item["metadata"]["annotations"] == {"ome.io/autoscalerClass": "keda"}
    engine, keda = item["spec"]["engine"], item["spec"]["kedaConfig"]
    assert (engine["minReplicas"], engine["maxReplicas"]) == (1, 3)
    query = keda["customPromQuery"]
    assert query.count("%") == 1 and "%s" in query  # OME formats it with the Deployment name
    assert query == 'sum(vllm:kv_cache_usage_perc{namespace="llm",pod=~"%s-.*"})'
    assert keda["scalingThreshold"] == "0.5"
    assert keda["promServerAddress"] == "http://prometheus-operated.monitoring.svc.cluster.local:9090"
    sglang = render(with_prometheus(spec(autoscaling={"maxReplicas": 2, "metric": "requests-per-second", "target": 4})))
    assert isvc(sglang)["kedaConfig"]["customPromQuery"] == \
        'sum(rate(sglang:num_requests_total{namespace="llm",pod=~"%s-.*"}[1m]))'
    assert isvc(sglang)["kedaConfig"]["scalingThreshold"] == "4"


def test_model_and_runtime_are_applied_before_the_inferenceservice():
    # OME's admission webhook rejects an InferenceService whose ClusterBaseModel does not exist yet
    rendered = render(spec())
    placed = {o.kind: (o.component, o.phase) for o in rendered.objects if o.api_version == "ome.io/v1beta1"}
    assert placed == {"ClusterBaseModel": ("engine", "20-platform"), "ClusterServingRuntime": ("engine", "20-platform"),
                      "InferenceService": ("model/m", "30-models")}
    assert "namespace" not in one(rendered, "ClusterBaseModel")["metadata"]
    plan = build_plan(rendered)
    keys = {o.kind: object_key(o) for o in rendered.objects if o.api_version == "ome.io/v1beta1"}
    isvc_step = next(step for step in plan.steps if step.key == keys["InferenceService"])
    assert {keys["ClusterBaseModel"], keys["ClusterServingRuntime"]} <= set(isvc_step.depends_on)


def test_hostpath_namespaces_are_privileged():
    rendered = render(spec())
    levels = {o.name: o.body["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
              for o in rendered.objects if o.kind == "Namespace"}
    assert levels["ome"] == levels["llm"] == "privileged"
    assert levels["cert-manager"] == "baseline"


def test_simulator_models_are_not_downloaded():
    rendered = render(spec(runtime={"name": "simulator"}))
    assert one(rendered, "ClusterBaseModel")["spec"]["storage"]["storageUri"] == "vendor://inferstack/simulator/org/model"


def test_metrics_come_from_engine_and_decoder_pods_only():
    rendered = render(with_prometheus(spec(disaggregation=PD)))
    monitor = one(rendered, "PodMonitor")
    assert monitor["spec"]["selector"]["matchLabels"] == {"inferstack.dev/stack": "t", "inferstack.dev/model": "m"}
    for component in ("engine", "decoder"):
        assert isvc(rendered)[component]["labels"] == {"inferstack.dev/stack": "t", "inferstack.dev/model": "m"}
    assert "inferstack.dev/model" not in one(rendered, "InferenceService")["metadata"]["labels"]


def test_render_is_deterministic_and_summary_is_json():
    first, second = render_files(render(spec(disaggregation=PD))), render_files(render(spec(disaggregation=PD)))
    assert first == second
    assert json.loads(first["summary.json"])["engine"]["name"] == "ome"


def test_runner_strings_survive_omes_go_template_pass():
    # OME executes each runner, as JSON, as a Go html/template over the InferenceService metadata
    doc = spec(runtime={"name": "vllm", "args": ["--chat-template", "{{ messages }}{{{x}}}"], "env": {"T": "{{ .Name }}"}})
    container = runner(render(doc))
    assert container["args"][-1] == "{{`{{`}} messages }}{{`{{`}}{x}}}"
    assert {"name": "T", "value": "{{`{{`}} .Name }}"} in container["env"]
    assert ome.ENGINE.spec_literal("{{{") == "{{`{{`}}{"
    assert one(render(doc), "ClusterBaseModel")["spec"]["storage"]["storageUri"] == "hf://org/model@r1"


# --- every rendered object passes the strict checker against the pinned CRDs -----------------------


def checked_renders():
    for example in EXAMPLES:
        result = validate_text(example.read_text(), example.name, engine="ome")
        if result.ok:
            yield example.stem, result.stack
    for feature, (level, doc, _) in sorted(FEATURES.items()):
        if level != "no":
            yield feature, validate(doc).stack


@pytest.mark.parametrize(("name", "stack"), list(checked_renders()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_rendered_object_passes_inferstack_check(name, stack, crds):
    rendered = render_stack(stack)
    texts = {f"<rendered>/{path}": text for path, text in render_files(rendered).items() if path.startswith("manifests/")}
    report = check_texts(texts, kubernetes_version=stack.kubernetes_version, crd_dir=crds)
    assert report.ok, [d.text() for d in report.diagnostics]
    assert report.objects == len(rendered.objects)
