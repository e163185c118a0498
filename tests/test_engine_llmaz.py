"""llmaz v0.1.4 (chart 0.0.10): the capability table feature by feature, and every upstream trap
from the engine's reference notes pinned by its own test."""

import copy

import pytest
import yaml

from inferstack import versions
from inferstack.components.gateway import envoy_service_name
from inferstack.engines import llmaz
from inferstack.engines.features import FEATURES, features_used
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_text

from .conftest import ROOT

QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart-kind.yaml").read_text())
AIGW = yaml.safe_load((ROOT / "examples" / "llmaz-envoy-ai-gateway.yaml").read_text())


# --- helpers ------------------------------------------------------------------------------------


def spec(base=QUICKSTART, **changes) -> dict:
    """A copy of an example as an llmaz stack without benchmarks; `changes` edit it in place."""
    doc = copy.deepcopy(base)
    doc["spec"]["engine"] = "llmaz"
    doc["spec"]["benchmarks"] = []
    for edit in changes.values():
        edit(doc)
    return doc


def gpu_spec(**changes) -> dict:
    """One vLLM model on an existing cluster's tainted L4 pool (default scheduler)."""
    def vllm(doc):
        doc["spec"]["models"] = [copy.deepcopy(AIGW["spec"]["models"][1])]
        doc["spec"]["gateway"] = {"implementation": "auto"}
    return spec(AIGW, vllm=vllm, **changes)


def validate(doc):
    return validate_text(yaml.safe_dump(doc), "spec.yaml")


def render(doc):
    result = validate(doc)
    assert result.ok, [str(d) for d in result.diagnostics]
    return render_stack(result.stack)


def objects(rendered, kind):
    return [o.body for o in rendered.objects if o.kind == kind]


def one(rendered, kind, api_version=None):
    found = [b for b in objects(rendered, kind) if api_version is None or b["apiVersion"] == api_version]
    assert len(found) == 1, f"{len(found)} {kind} objects"
    return found[0]


def inference_service(rendered):
    return one(rendered, "Service", "inference.llmaz.io/v1alpha1")


def runner(template):
    return next(c for c in template["spec"]["containers"] if c["name"] == "model-runner")


def errors(doc, rule=None):
    return [d for d in validate(doc).diagnostics if d.severity == "error" and (rule is None or d.rule == rule)]


def untainted_kind(doc):
    """The quickstart on one untainted kind pool with the default scheduler: where a Playground is safe."""
    pool = doc["spec"]["cluster"]["nodePools"][0]
    pool["taints"] = []
    pool.pop("topology")
    doc["spec"]["scheduling"] = {"scheduler": "default"}


# --- control plane --------------------------------------------------------------------------------


def test_installs_lws_first_then_chart_0_0_10_in_llmaz_system():
    rendered = render(spec())
    names = [i.name for i in rendered.installs]
    assert names.index("lws") < names.index("llmaz")
    chart = next(i for i in rendered.installs if i.name == "llmaz")
    assert (chart.version, chart.namespace, chart.chart) == ("0.0.10", "llmaz-system", "llmaz")
    assert chart.version == versions.chart("llmaz")["version"]
    assert set(chart.provides) == {"llmaz.io/*", "inference.llmaz.io/*"}
    lws = next(i for i in rendered.installs if i.name == "lws")
    # the released chart 0.0.10 runs llmaz v0.1.4, whose CRDs are the pinned set; LWS matches its pin
    assert versions.CRDS["llmaz"] == llmaz.ENGINE.version == "v0.1.4"
    assert f"v{lws.version}" == versions.CRDS["lws"]
    assert any(o.kind == "Namespace" and o.name == "llmaz-system" for o in rendered.objects)


def test_bundled_subcharts_are_disabled_so_pinned_installs_do_not_collide():
    rendered = render(spec(AIGW))
    values = next(i for i in rendered.installs if i.name == "llmaz").values
    for toggle in ("leaderWorkerSet", "envoy-gateway", "envoy-ai-gateway", "open-webui", "kube-scheduler"):
        assert values[toggle] == {"enabled": False}, toggle
    # the pinned ones come from inferstack's own installs instead
    installs = {i.name: i.version for i in rendered.installs}
    assert installs["lws"] == "0.10.0"
    assert installs["envoy-gateway"] == "v1.8.1" and installs["envoy-ai-gateway"] == "v1.1.0"


def test_envoy_gateway_watches_no_inference_pools_because_llmaz_renders_none():
    """Envoy Gateway never syncs while a listed backend kind has no CRD (envoyproxy/ai-gateway#953);
    llmaz routes to Envoy Gateway Backends, and nothing installs the InferencePool CRD."""
    rendered = render(spec(AIGW))
    manager = next(i for i in rendered.installs if i.name == "envoy-gateway").values["config"]["envoyGateway"][
        "extensionManager"]
    assert "backendResources" not in manager and manager["hooks"]  # the AI Gateway extension itself stays
    assert "gateway-api-inference-extension-crds" not in [i.name for i in rendered.installs]
    assert not objects(rendered, "InferencePool")
    assert not llmaz.ENGINE.envoy_inference_pools(rendered.stack)


# --- OpenModel ---------------------------------------------------------------------------------------


def test_openmodel_is_cluster_scoped_with_a_dns_label_name_even_for_dotted_weights():
    rendered = render(spec())  # weights Qwen/Qwen2.5-0.5B-Instruct: dots in the id
    model = one(rendered, "OpenModel")
    assert model["apiVersion"] == "llmaz.io/v1alpha1"
    assert "namespace" not in model["metadata"]
    assert model["metadata"]["name"] == "quickstart-qwen-small"
    assert "." not in model["metadata"]["name"]
    # every claim and the served name point at it, never at the weights' id
    claims = inference_service(rendered)["spec"]["modelClaims"]["models"]
    assert claims == [{"name": "quickstart-qwen-small", "role": "main"}]


def test_model_hub_name_is_spelled_huggingface_and_source_is_hub_xor_uri():
    hub = one(render(spec()), "OpenModel")["spec"]["source"]
    assert hub == {"modelHub": {"name": "Huggingface", "modelID": "Qwen/Qwen2.5-0.5B-Instruct",
                                "revision": "7ae557604adf67be50417f59c2c2f167def9a775"}}

    def s3(doc):
        doc["spec"]["models"][0]["source"] = {"uri": "s3://bucket/models/phi", "revision": "v1"}
    uri = one(render(gpu_spec(s3=s3)), "OpenModel")["spec"]["source"]
    assert uri == {"uri": "s3://bucket/models/phi"}


def test_openmodel_flavor_carries_the_pod_gpus():
    model = one(render(spec()), "OpenModel")
    assert model["spec"]["inferenceConfig"]["flavors"] == [{"name": "gpu", "limits": {"nvidia.com/gpu": "1"}}]
    assert inference_service(render(spec()))["spec"]["modelClaims"]["inferenceFlavors"] == ["gpu"]


# --- where pods land: inference Service vs Playground ---------------------------------------------


def test_tainted_pool_gets_an_inference_service_with_the_pool_placement():
    rendered = render(spec())  # the default taint nvidia.com/gpu=present:NoSchedule is on the pool
    assert not objects(rendered, "Playground")
    svc = inference_service(rendered)
    assert svc["metadata"]["namespace"] == "llm"
    template = svc["spec"]["workloadTemplate"]["workerTemplate"]
    pod = template["spec"]
    assert pod["nodeSelector"] == {"inferstack.dev/node-pool": "gpu"}
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "effect": "NoSchedule", "operator": "Equal",
                                   "value": "present"}]
    assert pod["schedulerName"] == "volcano"
    container = runner(template)
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert "--port" in container["args"] and container["args"][container["args"].index("--port") + 1] == "8080"
    assert svc["metadata"]["annotations"] == {"llmaz.io/skip-model-loader": "true"}


def test_playground_when_a_pod_cannot_land_elsewhere():
    rendered = render(spec(untainted=untainted_kind))
    assert not [o for o in rendered.objects if o.api_version == "inference.llmaz.io/v1alpha1" and o.kind == "Service"]
    playground = one(rendered, "Playground")
    runtime = one(rendered, "BackendRuntime")
    assert "namespace" not in runtime["metadata"]  # cluster-scoped
    cfg = playground["spec"]["backendRuntimeConfig"]
    assert cfg["backendName"] == runtime["metadata"]["name"] == "quickstart-qwen-small"
    assert cfg["configName"] == "default" and runtime["spec"]["recommendedConfigs"] == [{"name": "default"}]
    assert (runtime["spec"]["image"], runtime["spec"]["version"]) == tuple(
        versions.image("simulator").rsplit(":", 1))
    assert cfg["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert cfg["args"][cfg["args"].index("--served-model-name") + 1] == "qwen-small"
    assert playground["spec"]["modelClaim"]["modelName"] == "quickstart-qwen-small"
    # the label the Playground webhook would add, so the controller finds it when the model appears
    assert playground["metadata"]["labels"]["llmaz.io/model-name"] == "quickstart-qwen-small"


def test_playground_for_vllm_keeps_the_command_line_and_shared_memory():
    def real_gpus(doc):
        doc["spec"]["cluster"]["nodePools"][0]["accelerator"]["simulated"] = False
        doc["spec"]["gpu"] = {"devicePlugin": "nvidia-device-plugin"}
        doc["spec"]["models"][0].update(runtime={"name": "vllm"}, resources={"cpu": "4", "memory": "16Gi"})
        doc["spec"]["models"][0]["runtime"]["args"] = ["--max-model-len", "{{ .ModelPath }}"]
    rendered = render(spec(untainted=untainted_kind, vllm=real_gpus))
    runtime, playground = one(rendered, "BackendRuntime"), one(rendered, "Playground")
    assert runtime["spec"]["command"] == ["vllm", "serve"]
    assert (runtime["spec"]["image"], runtime["spec"]["version"]) == ("vllm/vllm-openai", "v0.11.0")
    cfg = playground["spec"]["backendRuntimeConfig"]
    assert cfg["args"][:2] == ["Qwen/Qwen2.5-0.5B-Instruct", "--port"]
    # user arguments reach the server verbatim: llmaz only expands placeholders in recommendedConfigs
    assert cfg["args"][-2:] == ["--max-model-len", "{{ .ModelPath }}"]
    assert "args" not in runtime["spec"]["recommendedConfigs"][0]
    assert cfg["sharedMemorySize"] == "16Gi"


def _volcano(doc):
    doc["spec"]["scheduling"] = {"scheduler": "volcano", "volcano": {"queue": {"name": "q", "weight": 1}}}


def _second_pool(doc):
    doc["spec"]["cluster"]["nodePools"].append({"name": "cpu", "nodes": 1})


def _pool_label(doc):
    doc["spec"]["cluster"]["nodePools"][0]["labels"] = {"tier": "gold"}


def _cache(doc):  # two replicas share it: a class that can be ReadWriteMany (kind's local-path cannot, INF242)
    doc["spec"]["models"][0]["cache"] = {"size": "10Gi", "storageClass": "shared-nfs"}


def _tainted(doc):
    doc["spec"]["cluster"]["nodePools"][0]["taints"] = [{"key": "nvidia.com/gpu", "value": "present",
                                                         "effect": "NoSchedule"}]


@pytest.mark.parametrize("unsafe", [_volcano, _second_pool, _pool_label, _cache, _tainted],
                         ids=lambda f: f.__name__.strip("_"))
def test_no_playground_when_anything_needs_the_pod_template(unsafe):
    rendered = render(spec(untainted=untainted_kind, unsafe=unsafe))
    assert not objects(rendered, "Playground") and not objects(rendered, "BackendRuntime")
    template = inference_service(rendered)["spec"]["workloadTemplate"]["workerTemplate"]
    assert runner(template)["name"] == "model-runner"


def test_no_playground_outside_kind():
    rendered = render(gpu_spec(untainted=lambda d: d["spec"]["cluster"]["nodePools"][0].update(taints=[])))
    assert not objects(rendered, "Playground")  # an existing cluster has nodes the spec does not list


# --- multi-node -------------------------------------------------------------------------------


def test_multinode_is_rejected_because_llmaz_starts_workers_only_after_a_ready_leader():
    """llmaz v0.1.4 writes startupPolicy LeaderReady into every LeaderWorkerSet; a multi-node leader is
    Ready only after its workers joined, so the group would never start."""
    def mn(doc):
        doc["spec"]["cluster"]["nodePools"][0].update(nodes=2)
        doc["spec"]["models"][0].update(nodesPerReplica=2, parallelism={"tensor": 2})
    result = validate(gpu_spec(mn=mn))
    assert not result.ok
    (diag,) = [d for d in result.diagnostics if d.severity == "error"]
    assert (diag.rule, diag.path) == ("INF301", "$.spec.models[0].nodesPerReplica")
    assert "llmaz" in diag.message and "LeaderReady" in diag.message
    assert diag.hint == "engines that can: aibrix, kserve, kthena, llm-d, ome"


# --- endpoints and the gateway ------------------------------------------------------------------


def test_engine_native_endpoint_is_the_lb_service_on_8080():
    rendered = render(spec())
    (endpoint,) = rendered.endpoints
    assert endpoint.model == "qwen-small"
    assert endpoint.base_url == "http://quickstart-qwen-small-lb.llm.svc.cluster.local:8080"
    assert endpoint.headers == {}
    assert rendered.summary["endpoints"]["qwen-small"]["chatCompletions"].endswith(":8080/v1/chat/completions")


def test_envoy_ai_gateway_routes_on_the_model_header_to_the_lb_service():
    rendered = render(spec(AIGW))
    routes = objects(rendered, "AIGatewayRoute")
    assert {r["apiVersion"] for r in routes} == {"aigateway.envoyproxy.io/v1beta1"}
    by_model = {r["spec"]["rules"][0]["matches"][0]["headers"][0]["value"]: r for r in routes}
    assert set(by_model) == {"qwen-chat", "phi-mini"}
    route = by_model["phi-mini"]
    assert route["spec"]["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                            "name": "aigw-gateway"}]
    assert route["spec"]["rules"][0]["matches"][0]["headers"][0]["name"] == "x-ai-eg-model"
    backend_name = route["spec"]["rules"][0]["backendRefs"][0]["name"]
    ai_backend = next(b for b in objects(rendered, "AIServiceBackend") if b["metadata"]["name"] == backend_name)
    # v1.1.0 AIServiceBackends may only reference an Envoy Gateway Backend (CEL), not a Service
    assert ai_backend["spec"]["backendRef"] == {"group": "gateway.envoyproxy.io", "kind": "Backend",
                                                "name": backend_name}
    assert ai_backend["spec"]["schema"] == {"name": "OpenAI"}
    backend = next(b for b in objects(rendered, "Backend") if b["metadata"]["name"] == backend_name)
    assert backend["spec"]["endpoints"] == [{"fqdn": {"hostname": "aigw-phi-mini-lb.llm.svc.cluster.local",
                                                      "port": 8080}}]
    gateway = one(rendered, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == "inferstack-envoy-ai"
    host = f"{envoy_service_name('llm', 'aigw-gateway')}.envoy-gateway-system.svc.cluster.local"
    assert {e.model: e.base_url for e in rendered.endpoints} == {"qwen-chat": f"http://{host}:80",
                                                                 "phi-mini": f"http://{host}:80"}
    assert all(e.headers == {} for e in rendered.endpoints)  # the gateway reads the model from the body


def test_gateway_hostname_and_tls_reach_the_route_and_the_listener():
    def front(doc):
        doc["spec"]["gateway"].update(hostname="llm.example.com", tls={"secretName": "llm-tls"})
    rendered = render(spec(AIGW, front=front))
    assert {tuple(r["spec"]["hostnames"]) for r in objects(rendered, "AIGatewayRoute")} == {("llm.example.com",)}
    listeners = one(rendered, "Gateway")["spec"]["listeners"]
    assert [(li["protocol"], li.get("hostname")) for li in listeners] == [("HTTP", "llm.example.com"),
                                                                          ("HTTPS", "llm.example.com")]


@pytest.mark.parametrize(("field", "value"), [("hostname", "llm.example.com"), ("tls", {"secretName": "t"})])
def test_hostname_and_tls_need_the_ai_gateway(field, value):
    doc = spec()
    doc["spec"]["gateway"][field] = value
    (diag,) = errors(doc)
    assert diag.rule == "INF302" and diag.path.startswith(f"$.spec.gateway.{field}")
    assert "envoy-ai-gateway" in diag.hint


# --- rejected features ----------------------------------------------------------------------------


def test_prefill_decode_is_rejected_naming_the_engines_that_can():
    def pd(doc):
        del doc["spec"]["models"][0]["parallelism"]
        doc["spec"]["models"][0]["disaggregation"] = {"prefill": {"parallelism": {"tensor": 1}},
                                                      "decode": {"parallelism": {"tensor": 1}}}
    (diag,) = errors(spec(pd=pd))
    assert (diag.rule, diag.path) == ("INF301", "$.spec.models[0].disaggregation")
    assert "llmaz" in diag.message and "prefill/decode" in diag.message
    assert diag.hint == "engines that can: aibrix, kserve, kthena, llm-d, ome"


def test_autoscaling_is_elastic_config_on_playgrounds_and_an_hpa_on_services():
    def autoscale(doc):
        doc["spec"]["models"][0]["autoscaling"] = {"minReplicas": 1, "maxReplicas": 2, "metric": "queue-depth", "target": 4}
        doc["spec"]["observability"] = {"prometheus": True}
    rendered = render(gpu_spec(a=autoscale))
    [hpa] = [o.body for o in rendered.objects if o.kind == "HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "inference.llmaz.io/v1alpha1", "kind": "Service",
                                             "name": inference_service(rendered)["metadata"]["name"]}
    assert hpa["spec"]["metrics"][0]["pods"]["metric"]["name"] == "vllm_num_requests_waiting"
    assert any(i.name == "prometheus-adapter" for i in rendered.installs)
    playground = render(spec(k=untainted_kind, a=autoscale))
    [pg] = [o.body for o in playground.objects if o.kind == "Playground"]
    elastic = pg["spec"]["elasticConfig"]
    assert (elastic["minReplicas"], elastic["maxReplicas"]) == (1, 2)
    assert elastic["scaleTrigger"]["hpa"]["metrics"][0]["pods"]["target"]["averageValue"] == "4"
    assert not [o for o in playground.objects if o.kind == "HorizontalPodAutoscaler"]  # llmaz creates it


def test_autoscaled_workloads_leave_replicas_to_the_autoscaler():
    """An applied `replicas` next to the HPA / elasticConfig would reset the autoscaler's choice on every
    re-apply; the v0.1.4 Service and Playground CRDs default an absent replicas to 1."""
    def autoscale(doc):
        doc["spec"]["models"][0]["autoscaling"] = {"minReplicas": 1, "maxReplicas": 2}
        doc["spec"]["observability"] = {"prometheus": True}
    assert "replicas" not in inference_service(render(gpu_spec(a=autoscale)))["spec"]
    assert "replicas" not in one(render(spec(k=untainted_kind, a=autoscale)), "Playground")["spec"]
    # without autoscaling the spec's count is written
    assert inference_service(render(gpu_spec()))["spec"]["replicas"] == 1
    fixed = spec(k=untainted_kind, r=lambda d: d["spec"]["models"][0].update(replicas=2))
    assert one(render(fixed), "Playground")["spec"]["replicas"] == 2


def test_autoscaling_without_prometheus_is_rejected():
    def autoscale(doc):
        doc["spec"]["models"][0]["autoscaling"] = {"minReplicas": 1, "maxReplicas": 3}
    (diag,) = errors(spec(a=autoscale))
    assert (diag.rule, diag.path) == ("INF302", "$.spec.models[0].autoscaling")


def test_kv_offload_only_with_vllm():
    def offload(doc):
        doc["spec"]["models"][0]["kvCache"] = {"offload": {"cpuGiB": 4}}
    (diag,) = errors(spec(offload=offload))
    assert (diag.rule, diag.path) == ("INF229", "$.spec.models[0].kvCache.offload")
    container = runner(inference_service(render(gpu_spec(offload=offload)))["spec"]["workloadTemplate"]["workerTemplate"])
    assert container["image"] == versions.image("vllm-lmcache")
    assert "--kv-transfer-config" in container["args"]


def test_hard_topology_is_rejected_because_podgroups_follow_statefulsets():
    def hard(doc):
        doc["spec"]["scheduling"]["volcano"]["networkTopology"]["mode"] = "hard"
    (diag,) = errors(spec(hard=hard))
    assert (diag.rule, diag.path) == ("INF302", "$.spec.scheduling.volcano.networkTopology.mode")
    assert "soft" in diag.hint

    def single(doc):
        doc["spec"]["models"][0]["replicas"] = 1
    assert not errors(spec(hard=hard, single=single))  # one single-pod replica: nothing to split


# --- the capability table, feature by feature --------------------------------------------------------


def _feature_specs():
    """A small spec per feature (or None when the feature needs a spec shape tested elsewhere)."""
    def model(**fields):
        return lambda d: d["spec"]["models"][0].update(fields)

    def gateway(impl):
        return lambda d: d["spec"]["gateway"].update(implementation=impl)

    def prometheus(d):
        d["spec"]["observability"] = {"prometheus": True}
    q, g = spec, gpu_spec
    return {
        "runtime:vllm": g(),
        "runtime:sglang": g(m=model(runtime={"name": "sglang"})),
        "runtime:simulator": q(),
        "multi-replica": q(),
        "multi-node": g(m=lambda d: (d["spec"]["cluster"]["nodePools"][0].update(nodes=2),
                                     d["spec"]["models"][0].update(nodesPerReplica=2, parallelism={"tensor": 2}))),
        "disaggregation": q(m=lambda d: d["spec"]["models"][0].pop("parallelism"), m2=model(disaggregation={"prefill": {"parallelism": {"tensor": 1}},
                                                    "decode": {"parallelism": {"tensor": 1}}})),
        "lora": q(m=model(lora={"adapters": [{"name": "a", "uri": "hf://org/a"}]})),
        "autoscaling": q(m=model(autoscaling={"minReplicas": 1, "maxReplicas": 2}), o=prometheus),
        **{f"autoscaling-metric:{metric}": q(m=model(autoscaling={"minReplicas": 1, "maxReplicas": 2, "metric": metric}),
                                              o=prometheus)
           for metric in ("kv-cache-usage", "queue-depth", "requests-per-second", "gpu-utilization")},
        "kv-offload": g(m=model(kvCache={"offload": {"cpuGiB": 4}})),
        "prefix-caching-off": g(m=model(kvCache={"prefixCaching": False})),
        "routing:round-robin": q(m=model(routing={"strategy": "round-robin"})),
        "routing:least-request": q(m=model(routing={"strategy": "least-request"})),
        "routing:prefix-cache": q(m=model(routing={"strategy": "prefix-cache"})),
        "routing:kv-cache-aware": q(m=model(routing={"strategy": "kv-cache-aware"})),
        "source:hf": q(),
        "source:s3": g(m=model(source={"uri": "s3://b/m", "revision": "1"})),
        "source:gs": g(m=model(source={"uri": "gs://b/m", "revision": "1"})),
        "source:pvc": g(m=model(source={"uri": "pvc://weights/phi"})),
        "token-secret": g(m=model(source={"uri": "hf://org/m", "revision": "1",
                                          "tokenSecret": {"name": "hf", "key": "token"}})),
        "model-cache": g(m=model(cache={"size": "50Gi"})),
        "volcano": q(),
        "volcano-topology": q(),
        "gateway:engine-native": q(gw=gateway("engine-native")),
        "gateway:envoy-gateway": q(gw=gateway("envoy-gateway")),
        "gateway:istio": q(gw=gateway("istio")),
        "gateway:agentgateway": q(gw=gateway("agentgateway")),
        "gateway:kgateway": q(gw=gateway("kgateway")),
        "gateway:envoy-ai-gateway": q(gw=gateway("envoy-ai-gateway")),
        "gateway-tls": q(gw=lambda d: d["spec"]["gateway"].update(implementation="envoy-ai-gateway",
                                                                    tls={"secretName": "t"})),
        "gateway-hostname": q(gw=lambda d: d["spec"]["gateway"].update(implementation="envoy-ai-gateway",
                                                                         hostname="llm.example.com")),
    }


FEATURE_SPECS = _feature_specs()
# judged only under a parent that llmaz cannot express (validate reports the parent alone)
UNDER_UNSUPPORTED_PARENT = {f for f in FEATURES if f.startswith("kv-connector:")} | {"routing:pd"}


def test_every_feature_has_a_spec_or_an_unsupported_parent():
    assert set(FEATURE_SPECS) | UNDER_UNSUPPORTED_PARENT == set(FEATURES)
    for feature in UNDER_UNSUPPORTED_PARENT:
        assert not llmaz.CAPABILITIES[feature].supported, feature


@pytest.mark.parametrize("feature", sorted(FEATURE_SPECS))
def test_capability_entry_matches_what_validate_and_render_do(feature):
    doc = FEATURE_SPECS[feature]
    result = validate(doc)
    assert result.stack is not None or not result.ok
    used = {u.feature for u in features_used(result.stack)} if result.stack else set()
    support = llmaz.CAPABILITIES[feature]
    if support.supported:
        assert result.ok, [str(d) for d in result.diagnostics]
        assert feature in used
        assert render_stack(result.stack).objects
    else:
        rejected = [d for d in result.diagnostics if d.rule == "INF301"]
        assert rejected and FEATURES[feature].title in rejected[0].message
        assert support.how in rejected[0].message


def test_supported_features_use_llmaz_primitives():
    """Spot-check that each supported feature shows up in the rendered objects."""
    svc = {f: inference_service(render(FEATURE_SPECS[f])) for f in
           ("runtime:sglang", "token-secret", "model-cache", "prefix-caching-off", "source:s3")}
    sglang = runner(svc["runtime:sglang"]["spec"]["workloadTemplate"]["workerTemplate"])
    assert sglang["command"] == ["python3", "-m", "sglang.launch_server"]
    env = runner(svc["token-secret"]["spec"]["workloadTemplate"]["workerTemplate"])["env"]
    ref = {"secretKeyRef": {"name": "hf", "key": "token"}}
    # both names set, so llmaz does not add its own modelhub-secret references
    assert {"name": "HF_TOKEN", "valueFrom": ref} in env and {"name": "HUGGING_FACE_HUB_TOKEN", "valueFrom": ref} in env
    cache = svc["model-cache"]["spec"]["workloadTemplate"]["workerTemplate"]["spec"]
    assert {"name": "model-cache", "persistentVolumeClaim": {"claimName": "aigw-phi-mini-cache"}} in cache["volumes"]
    args = runner(svc["prefix-caching-off"]["spec"]["workloadTemplate"]["workerTemplate"])["args"]
    assert "--no-enable-prefix-caching" in args
    s3 = runner(svc["source:s3"]["spec"]["workloadTemplate"]["workerTemplate"])["args"]
    assert s3[0] == "s3://b/m" and "runai_streamer" in s3
    assert svc["source:s3"]["metadata"]["annotations"] == {"llmaz.io/skip-model-loader": "true"}


# --- names ----------------------------------------------------------------------------------------------


def test_statefulset_names_stay_within_52_characters():
    doc = spec()
    doc["metadata"]["name"] = "s" * 30
    doc["spec"]["models"][0]["name"] = "m" * 22  # <stack>-<model> = 53 characters
    (diag,) = [d for d in errors(doc) if d.rule == "INF202"]
    assert diag.path == "$.spec.models[0].name" and "52" in diag.message


def test_split_image_keeps_ports_and_digests():
    assert llmaz.split_image("reg:5000/team/img:v1") == ("reg:5000/team/img", "v1")
    assert llmaz.split_image("reg:5000/team/img") == ("reg:5000/team/img", "latest")
    image, version = llmaz.split_image("img@sha256:abc")
    assert f"{image}:{version}" == "img@sha256:abc"


def test_metrics_targets_select_llmaz_model_label():
    doc = spec(untainted=untainted_kind)
    doc["spec"]["observability"] = {"prometheus": True}
    rendered = render(doc)
    monitor = next(b for b in objects(rendered, "PodMonitor") if b["metadata"]["name"] == "quickstart-qwen-small-runner")
    assert monitor["spec"]["selector"] == {"matchLabels": {"llmaz.io/model-name": "quickstart-qwen-small"}}
