"""AIBrix v0.7.0: control-plane installs, per-model objects, endpoints and the upstream traps.

Every trap of the engine's reference notes ("what a renderer must get right") has a test here;
the facts were read from vllm-project/aibrix at tag v0.7.0 and its pinned CRDs.
"""

import json

import pytest
import yaml

from inferstack import versions
from inferstack.engines import aibrix
from inferstack.policy.rules import pin_problem

from .aibrix_specs import (
    GATEWAY,
    errors,
    example,
    multinode,
    objects,
    one,
    pd,
    render,
    roles_of,
    server,
    spec,
    volcano,
)

# --- installs ------------------------------------------------------------------------------------


def test_installs_envoy_gateway_then_crds_then_core_in_that_order():
    installs = [i for i in render(spec()).installs if i.component == "engine"]
    assert [i.name for i in installs] == ["aibrix-dependency", "aibrix-crds", "aibrix-core"]
    dependency, crds, core = installs
    assert dependency.url == versions.bundle("aibrix-dependency")["url"]
    assert crds.url == versions.bundle("aibrix-core-crds")["url"]
    assert core.url == versions.bundle("aibrix-core")["url"]
    for install in installs:
        assert install.method == "manifest" and install.version == "v0.7.0"
        assert "/releases/download/v0.7.0/" in install.url and install.url.endswith("-v0.7.0.yaml")
    # Envoy Gateway at the version AIBrix v0.7.0 pins, with EnvoyPatchPolicy enabled (AIBrix's dependency bundle)
    assert versions.AIBRIX_PINS["envoyGateway"] == "v1.2.8"
    assert "Envoy Gateway v1.2.8" in dependency.note and "enableEnvoyPatchPolicy: true" in dependency.note
    assert {"gateway.networking.k8s.io/*", "gateway.envoyproxy.io/*"} <= set(dependency.provides)


def test_crds_are_applied_server_side_and_register_every_aibrix_group():
    installs = {i.name: i for i in render(spec()).installs}
    # kvcache (860 KB) and rayclusterfleet (484 KB) exceed the 256 KiB last-applied annotation
    assert installs["aibrix-crds"].server_side
    assert installs["aibrix-dependency"].server_side
    assert set(installs["aibrix-crds"].provides) == {"orchestration.aibrix.ai/*", "autoscaling.aibrix.ai/*", "model.aibrix.ai/*"}


def test_core_goes_to_aibrix_system_where_the_controller_expects_gateway_aibrix_eg():
    rendered = render(spec())
    core = next(i for i in rendered.installs if i.name == "aibrix-core")
    assert core.namespace == "aibrix-system"
    # the model router hard-codes Gateway aibrix-eg in aibrix-system: inferstack renders no Gateway of its own
    assert not objects(rendered, "Gateway") and not objects(rendered, "GatewayClass")
    assert rendered.endpoints[0].base_url == GATEWAY
    assert GATEWAY == "http://envoy-aibrix-system-aibrix-eg-903790dc.envoy-gateway-system.svc.cluster.local"


def test_pinned_versions_match_the_crd_folder(crds):
    assert versions.CRDS["aibrix"] == aibrix.ENGINE.version == versions.bundle("aibrix-core-crds")["version"]
    folder = crds / "aibrix" / versions.CRDS["aibrix"]
    kinds = {yaml.safe_load(p.read_text())["spec"]["names"]["kind"] for p in folder.glob("*.yaml")}
    assert {"StormService", "RoleSet", "PodAutoscaler", "ModelAdapter"} <= kinds


@pytest.mark.parametrize("doc", [spec(), multinode(), pd(), spec(lora={"adapters": [{"name": "a", "uri": "hf://o/a"}]})],
                         ids=["deployment", "multi-node", "pd", "lora"])
def test_no_ray_based_replica_is_rendered_so_no_kuberay_install_is_added(doc):
    rendered = render(doc)
    # KubeRay would only be installed for Ray-based replicas: multi-node replicas are StormServices instead
    assert not objects(rendered, "RayClusterFleet") and not objects(rendered, "RayClusterReplicaSet")
    assert not any(i.method == "helm" and "kuberay" in (i.chart or "") for i in rendered.installs)
    assert [i.name for i in rendered.installs if i.component == "engine"] == ["aibrix-dependency", "aibrix-crds", "aibrix-core"]
    # the v0.7.0 bundles carry KubeRay themselves (CRDs + an idle operator): the plan says so, the CRDs are provided
    installs = {i.name: i for i in rendered.installs}
    assert "ray.io/*" in installs["aibrix-dependency"].provides
    assert "KubeRay operator v1.2.1, idle" in installs["aibrix-core"].note


def test_the_core_note_says_how_to_pin_the_images_the_bundle_leaves_on_moving_tags():
    """aibrix-core v0.7.0 is `kustomize build config/overlays/release` (namePrefix aibrix-, namespace
    aibrix-system): redis newTag latest, busybox newTag stable. A merge patch would have to restate the
    container list and a manifest bundle is applied from its URL as is, so the install note carries the pins."""
    core = next(i for i in render(spec()).installs if i.name == "aibrix-core")
    assert core.method == "manifest" and not core.patches
    mutable = versions.mutable_images("aibrix-core")
    assert {(m["deployment"], m["container"], m["image"]) for m in mutable} == {
        ("aibrix-redis-master", "master", "redis"), ("aibrix-metadata-service", "init-redis", "busybox"),
        ("aibrix-gateway-plugins", "init-c", "busybox")}
    assert versions.image("aibrix-redis").startswith("redis:7.4.")  # the line AIBrix's Helm chart deploys
    for m in mutable:
        upstream, pinned = f"{m['image']}:{m['tag']}", versions.image(m["pin"])
        assert pin_problem(upstream) or m["tag"] == "stable"  # a moving tag POL001 cannot tell from a version
        assert pin_problem(pinned) is None and pinned.startswith(m["image"] + ":")
        assert f"{m['deployment']}/{m['container']} runs {upstream}" in core.note
        assert (f"kubectl -n aibrix-system set image deployment/{m['deployment']} {m['container']}={pinned}"
                in core.note)


# --- Deployment path -------------------------------------------------------------------------------


def test_deployment_and_service_are_named_after_the_model_with_aibrix_labels():
    rendered = render(spec())
    deployment, service = one(rendered, "Deployment"), one(rendered, "Service")
    pod = deployment["spec"]["template"]
    container = server(pod["spec"])
    served = container["args"][container["args"].index("--served-model-name") + 1]
    port = container["ports"][0]["containerPort"]
    for labels in (deployment["metadata"]["labels"], pod["metadata"]["labels"]):
        assert labels["model.aibrix.ai/name"] == served == service["metadata"]["name"] == deployment["metadata"]["name"] == "m"
        assert labels["model.aibrix.ai/port"] == str(port) == "8000"  # a string label
    assert service["spec"]["ports"][0]["port"] == port
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()


def test_the_model_httproute_is_left_to_the_aibrix_controller():
    for doc in (spec(), pd(), example("aks-lora-autoscaling")):
        assert not objects(render(doc), "HTTPRoute")


@pytest.mark.parametrize(("runtime", "engine"), [("vllm", "vllm"), ("sglang", "sglang"), ("simulator", None)])
def test_engine_label_names_the_runtime(runtime, engine):
    doc = spec(runtime={"name": runtime})
    pod = one(render(doc), "Deployment")["spec"]["template"]
    assert pod["metadata"]["labels"].get("model.aibrix.ai/engine") == engine
    # a StormService role says it too (the pd router reads it from each pod)
    storm = one(render(pd(runtime={"name": runtime})), "StormService")
    for role in roles_of(storm).values():
        assert role["template"]["metadata"]["labels"].get("model.aibrix.ai/engine") == engine


def test_deployment_without_routing_strategy_goes_through_the_model_route_without_headers():
    rendered = render(spec())
    pod = one(rendered, "Deployment")["spec"]["template"]
    assert "model.aibrix.ai/config" not in pod["metadata"].get("annotations", {})
    [endpoint] = rendered.endpoints
    assert endpoint.headers == {} and "m-router" in endpoint.note


@pytest.mark.parametrize(("strategy", "aibrix_strategy"),
                         [("least-request", "least-request"), ("prefix-cache", "prefix-cache"), ("kv-cache-aware", "least-kv-cache")])
def test_routing_strategy_is_the_model_default_profile_so_requests_need_no_header(strategy, aibrix_strategy):
    rendered = render(spec(routing={"strategy": strategy}))
    pod = one(rendered, "Deployment")["spec"]["template"]
    config = json.loads(pod["metadata"]["annotations"]["model.aibrix.ai/config"])
    assert config["profiles"][config["defaultProfile"]]["routingStrategy"] == aibrix_strategy
    [endpoint] = rendered.endpoints
    assert endpoint.headers == {} and f"strategy {aibrix_strategy} by default" in endpoint.note


# --- StormService: prefill/decode and multi-node -----------------------------------------------------


def test_prefill_decode_is_a_stormservice_whose_pods_make_pd_the_default_strategy():
    rendered = render(pd())
    assert not objects(rendered, "Deployment")
    storm = one(rendered, "StormService")
    assert storm["metadata"]["name"] == "m" and storm["spec"]["replicas"] == 1
    roles = roles_of(storm)
    assert list(roles) == ["prefill", "decode"]  # the pd router's role-name values
    assert roles["prefill"]["replicas"] == 2 and roles["decode"]["replicas"] == 1
    for role in roles.values():
        pod = role["template"]
        assert pod["metadata"]["labels"]["model.aibrix.ai/name"] == "m"
        config = json.loads(pod["metadata"]["annotations"]["model.aibrix.ai/config"])
        assert config["profiles"]["default"]["routingStrategy"] == "pd"
        args = server(pod["spec"])["args"]
        assert json.loads(args[args.index("--kv-transfer-config") + 1])["kv_connector"] == "NixlConnector"
    gpus = {n: server(r["template"]["spec"])["resources"]["limits"]["nvidia.com/gpu"] for n, r in roles.items()}
    assert gpus == {"prefill": "1", "decode": "2"}
    # StormServices get no HTTPRoute: every pod's profile makes pd the default, so the benchmark needs no header
    [endpoint] = rendered.endpoints
    assert endpoint.headers == {} and "StormService without HTTPRoute; gateway strategy pd by default" in endpoint.note


def test_sglang_prefill_pods_announce_the_bootstrap_port():
    storm = one(render(pd(runtime={"name": "sglang"})), "StormService")
    roles = roles_of(storm)
    assert roles["prefill"]["template"]["metadata"]["annotations"]["model.aibrix.ai/sglang-bootstrap-port"] == "8998"
    assert "model.aibrix.ai/sglang-bootstrap-port" not in roles["decode"]["template"]["metadata"]["annotations"]


def test_multinode_replica_is_a_podset_role_that_wires_rank_and_leader():
    rendered = render(multinode())
    storm = one(rendered, "StormService")
    assert storm["spec"]["replicas"] == 2  # one RoleSet per replica
    [role] = roles_of(storm).values()
    assert role["podGroupSize"] == 2 and role["replicas"] == 1
    container = server(role["template"]["spec"])
    # a fixed script adds --headless on ranks above 0; the engine command stays an argument list
    assert container["command"] == ["sh", "-c", 'if [ "$POD_GROUP_INDEX" = 0 ]; then exec "$@"; fi; exec "$@" --headless', "sh"]
    args = container["args"]
    assert args[:2] == ["vllm", "serve"] and "--headless" not in args
    assert args[args.index("--nnodes") + 1] == "2"
    assert args[args.index("--node-rank") + 1] == "$(POD_GROUP_INDEX)"
    assert args[args.index("--master-addr") + 1] == "$(PODSET_NAME)-0.m.llm.svc.cluster.local"  # the headless Service
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "8"
    # only rank 0 serves HTTP: the probes pass on the other ranks
    for probe in (container["readinessProbe"], container["startupProbe"]):
        assert '"$POD_GROUP_INDEX" != 0' in probe["exec"]["command"][2]
    # no HTTPRoute for a StormService: auto routing still needs a strategy, the pods' default profile
    config = json.loads(role["template"]["metadata"]["annotations"]["model.aibrix.ai/config"])
    assert config["profiles"]["default"]["routingStrategy"] == "least-request"
    assert rendered.endpoints[0].headers == {}


def test_multinode_worker_flags_must_be_standalone_additions():
    assert aibrix.worker_flags(["a", "--x", "1"], ["a", "--x", "1", "--headless"]) == ["--headless"]
    with pytest.raises(ValueError):
        aibrix.worker_flags(["a", "--x", "1"], ["a", "--x", "2"])


def test_sglang_multinode_takes_its_rank_without_a_shell():
    storm = one(render(multinode(runtime={"name": "sglang"})), "StormService")
    [role] = roles_of(storm).values()
    container = server(role["template"]["spec"])
    assert container["command"][:3] == ["python3", "-m", "sglang.launch_server"]
    args = container["args"]
    assert args[args.index("--node-rank") + 1] == "$(POD_GROUP_INDEX)"
    assert args[args.index("--dist-init-addr") + 1] == "$(PODSET_NAME)-0.m.llm.svc.cluster.local:20000"


def test_multinode_pd_uses_podsets_for_both_roles():
    doc = spec(nodesPerReplica=2, disaggregation={"prefill": {"parallelism": {"tensor": 16}},
                                                   "decode": {"parallelism": {"tensor": 16}}, "kvConnector": "nixl"})
    roles = roles_of(one(render(doc), "StormService"))
    assert {n: r["podGroupSize"] for n, r in roles.items()} == {"prefill": 2, "decode": 2}


def test_stormservice_names_that_would_break_pod_hostnames_are_rejected():
    # PodSet roles: the StormService webhook rejects model + role + 36 > 63 characters
    assert ("INF202", "$.spec.models[0].name") in errors(multinode(name="a" * 22))  # 22 + len("server") + 36 = 64
    assert ("INF202", "$.spec.models[0].name") not in errors(multinode(name="a" * 21))
    # single-pod roles: the pod hostname <model>-roleset-xxxxx-<role>-<hash>-<index> must fit 63 characters
    assert ("INF202", "$.spec.models[0].name") in errors(pd(name="a" * 29))  # 29 + 35 ("-roleset-xxxxx-prefill-<10>-1")
    assert ("INF202", "$.spec.models[0].name") not in errors(pd(name="a" * 28))


# --- PodAutoscaler -----------------------------------------------------------------------------------


def autoscaled(metric: str = "kv-cache-usage", target: float = 0.7, **extra) -> dict:
    return spec(autoscaling={"minReplicas": 1, "maxReplicas": 4, "metric": metric, "target": target}, **extra)


def test_podautoscaler_uses_only_fields_of_the_pinned_crd_with_string_numbers(crds):
    pa = one(render(autoscaled()), "PodAutoscaler")
    crd = yaml.safe_load((crds / "aibrix" / "v0.7.0" / "podautoscaler.yaml").read_text())
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert set(pa["spec"]) <= set(schema["properties"])  # no behavior, no top-level targetMetric, no schedules
    [source] = pa["spec"]["metricsSources"]  # the webhook wants exactly one
    assert set(source) <= set(schema["properties"]["metricsSources"]["items"]["properties"])
    assert source["targetValue"] == "0.7" and source["port"] == "8000"
    assert source["metricSourceType"] == "pod" and source["protocolType"] == "http" and source["path"] == "/metrics"
    assert pa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "m"}
    assert (pa["spec"]["minReplicas"], pa["spec"]["maxReplicas"]) == (1, 4)


def test_podautoscaler_annotations_are_the_ones_the_controller_parses():
    parsed = {"max-scale-up-rate", "max-scale-down-rate", "scale-up-tolerance", "scale-down-tolerance", "panic-threshold",
              "scale-up-cooldown-window", "scale-down-cooldown-window", "scale-to-zero", "storm-service-mode"}
    for doc in (autoscaled(), autoscaled(**{"disaggregation": pd()["spec"]["models"][0]["disaggregation"]})):
        annotations = one(render(doc), "PodAutoscaler")["metadata"]["annotations"]
        assert annotations
        for key, value in annotations.items():
            prefix, _, name = key.partition("/")
            assert prefix == "autoscaling.aibrix.ai" and name in parsed and isinstance(value, str)


@pytest.mark.parametrize(("metric", "target", "name", "value"),
                         [("kv-cache-usage", 0.7, "kv_cache_usage_perc", "0.7"), ("queue-depth", 8, "num_requests_waiting", "8")])
def test_podautoscaler_metric_names_follow_current_vllm(metric, target, name, value):
    [source] = one(render(autoscaled(metric, target)), "PodAutoscaler")["spec"]["metricsSources"]
    assert (source["targetMetric"], source["targetValue"]) == (name, value)
    assert source["targetMetric"] != "gpu_cache_usage_perc"  # no longer emitted by vLLM >= 0.10


def test_stormservice_autoscaling_scales_rolesets_on_the_role_with_the_signal():
    doc = autoscaled(disaggregation=pd()["spec"]["models"][0]["disaggregation"])
    pa = one(render(doc), "PodAutoscaler")
    assert pa["spec"]["scaleTargetRef"] == {"apiVersion": "orchestration.aibrix.ai/v1alpha1", "kind": "StormService", "name": "m"}
    assert pa["metadata"]["annotations"]["autoscaling.aibrix.ai/storm-service-mode"] == "replica"
    assert pa["spec"]["subTargetSelector"] == {"roleName": "decode"}
    multi = one(render(autoscaled(nodesPerReplica=2, parallelism={"tensor": 8})), "PodAutoscaler")
    assert "subTargetSelector" not in multi["spec"]
    # kept: in replica mode the v0.7.0 autoscaler and StormService controller dereference spec.replicas
    assert one(render(doc), "StormService")["spec"]["replicas"] == 1


def test_an_autoscaled_deployment_leaves_replicas_to_the_podautoscaler():
    # the PodAutoscaler updates spec.replicas; an applied value would reset it on the next apply
    assert "replicas" not in one(render(autoscaled()), "Deployment")["spec"]
    assert one(render(spec()), "Deployment")["spec"]["replicas"] == 1


# --- LoRA -------------------------------------------------------------------------------------------


LORA = {"maxAdapters": 2, "adapters": [{"name": "sql", "uri": "hf://org/sql"}, {"name": "chat", "uri": "s3://b/chat"},
                                       {"name": "gcs", "uri": "gs://b/x"}]}


def test_modeladapter_per_adapter_with_allowed_schemes_and_no_replicas():
    rendered = render(spec(lora=LORA))
    adapters = {a["metadata"]["name"]: a for a in objects(rendered, "ModelAdapter")}
    assert {n: a["spec"]["artifactURL"] for n, a in adapters.items()} == {
        "sql": "huggingface://org/sql", "chat": "s3://b/chat", "gcs": "gcs://b/x"}
    allowed = ("s3://", "gcs://", "tos://", "huggingface://", "hf://", "/")  # pkg/utils/modeladapter.go
    pod_labels = one(rendered, "Deployment")["spec"]["template"]["metadata"]["labels"]
    for name, adapter in adapters.items():
        assert adapter["spec"]["artifactURL"].startswith(allowed)
        assert "replicas" not in adapter["spec"]  # omitted: load on every matching pod (only 1 is allowed otherwise)
        assert adapter["spec"]["baseModel"] == "m"
        assert adapter["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
        assert adapter["metadata"]["labels"]["model.aibrix.ai/name"] == name  # the controller's <adapter>-router
        assert adapter["metadata"]["labels"]["model.aibrix.ai/port"] == "8000"
    assert {e.model: e.served_by for e in rendered.endpoints} == {"m": "m", "sql": "m", "chat": "m", "gcs": "m"}


def test_lora_base_pods_are_labelled_and_allow_runtime_lora_updates():
    rendered = render(spec(lora=LORA))
    deployment = one(rendered, "Deployment")
    pod = deployment["spec"]["template"]
    for labels in (deployment["metadata"]["labels"], pod["metadata"]["labels"]):
        assert labels["adapter.model.aibrix.ai/enabled"] == "true"
    container = server(pod["spec"])
    assert {"name": "VLLM_ALLOW_RUNTIME_LORA_UPDATING", "value": "True"} in container["env"]
    assert "--enable-lora" in container["args"] and "--lora-modules" not in container["args"]  # ModelAdapters load them
    # the controller delegates s3/gcs/huggingface downloads to a container named aibrix-runtime
    sidecar = next(c for c in pod["spec"]["containers"] if c["name"] == "aibrix-runtime")
    assert sidecar["image"] == versions.image("aibrix-runtime") == "aibrix/runtime:v0.7.0"
    shared = {"name": "adapter-storage", "mountPath": "/tmp/aibrix/adapters"}
    assert shared in sidecar["volumeMounts"] and shared in container["volumeMounts"]
    assert {"name": "adapter-storage", "emptyDir": {}} in pod["spec"]["volumes"]


def test_simulator_lora_is_loaded_by_the_controller_directly():
    pod = one(render(spec(runtime={"name": "simulator"}, lora=LORA)), "Deployment")["spec"]["template"]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["server"]
    assert pod["metadata"]["labels"]["adapter.model.aibrix.ai/enabled"] == "true"


def test_multinode_adapters_load_on_rank_zero_only():
    [adapter] = objects(render(multinode(lora={"adapters": [{"name": "a", "uri": "hf://o/a"}]})), "ModelAdapter")
    assert adapter["spec"]["podSelector"]["matchLabels"]["stormservice.orchestration.aibrix.ai/pod-group-index"] == "0"


# --- Volcano ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [pd(), multinode()], ids=["pd", "multi-node"])
def test_volcano_gang_is_the_roleset_strategy_with_exactly_one_key(doc):
    storm = one(render(volcano(doc)), "StormService")
    strategy = storm["spec"]["template"]["spec"]["schedulingStrategy"]
    assert list(strategy) == ["volcanoSchedulingStrategy"]  # the CRD allows at most one strategy
    members = 3 if "disaggregation" in doc["spec"]["models"][0] else 2
    assert strategy["volcanoSchedulingStrategy"] == {"queue": "q", "minMember": members}
    for role in roles_of(storm).values():
        assert role["template"]["spec"]["schedulerName"] == "volcano"
        assert "schedulingStrategy" not in role  # never both RoleSet- and role-level


def test_volcano_topology_uses_pod_annotations_instead_of_the_topology_less_roleset_gang():
    rendered = render(volcano(pd(), topology=True))
    storm = one(rendered, "StormService")
    assert "schedulingStrategy" not in storm["spec"]["template"]["spec"]
    for role in roles_of(storm).values():
        annotations = role["template"]["metadata"]["annotations"]
        assert annotations["volcano.sh/network-topology-mode"] == "hard"
        assert annotations["volcano.sh/network-topology-highest-tier"] == "1"
    assert any("volcanoSchedulingStrategy" in n for n in rendered.notes)
    pod = one(render(volcano(spec(), topology=True)), "Deployment")["spec"]["template"]
    assert pod["spec"]["schedulerName"] == "volcano"
    assert pod["metadata"]["annotations"]["volcano.sh/network-topology-mode"] == "hard"


# --- constraints ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("doc", "path"), [
    (pd(lora={"adapters": [{"name": "a", "uri": "hf://o/a"}]}), "$.spec.models[0].lora"),
    (spec(runtime={"name": "sglang"}, lora={"adapters": [{"name": "a", "uri": "s3://b/a"}]}),
     "$.spec.models[0].lora.adapters[0].uri"),
    (spec(lora={"adapters": [{"name": "1a", "uri": "hf://o/a"}]}), "$.spec.models[0].lora.adapters[0].name"),
    (spec(disaggregation={"prefill": {"parallelism": {"tensor": 2}}, "decode": {"parallelism": {"tensor": 1}}}),
     "$.spec.models[0].disaggregation.prefill.parallelism.tensor"),
], ids=["lora-pd", "sglang-s3-adapter", "adapter-name", "prefill-tp"])
def test_combinations_aibrix_cannot_serve_are_rejected_with_inf302(doc, path):
    assert ("INF302", path) in errors(doc)


@pytest.mark.parametrize("doc", [
    spec(runtime={"name": "sglang"}, kvCache={"offload": {"backend": "lmcache", "cpuGiB": 8}}),
    pd(kvCache={"offload": {"backend": "lmcache", "cpuGiB": 8}}),
], ids=["sglang", "nixl-pd"])
def test_kv_offload_without_a_free_vllm_connector_is_rejected_once(doc):
    # the shared rule (INF229) judges it; the engine adds no second error
    assert [e for e in errors(doc) if e[1] == "$.spec.models[0].kvCache.offload"] == [("INF229", "$.spec.models[0].kvCache.offload")]


def test_gateway_port_other_than_80_is_rejected():
    doc = spec()
    doc["spec"]["gateway"] = {"port": 8080}
    assert ("INF302", "$.spec.gateway.port") in errors(doc)
    doc["spec"]["gateway"] = {"port": 80}
    assert errors(doc) == []


def test_sglang_nixl_pd_renders():
    doc = spec(runtime={"name": "sglang"}, disaggregation={"prefill": {}, "decode": {}, "kvConnector": "nixl"})
    roles = roles_of(one(render(doc), "StormService"))
    args = server(roles["decode"]["template"]["spec"])["args"]
    assert args[args.index("--disaggregation-transfer-backend") + 1] == "nixl"


# --- observability -----------------------------------------------------------------------------------


def test_metrics_cover_model_servers_and_the_gateway_plugins():
    doc = spec()
    doc["spec"]["observability"] = {"prometheus": True}
    rendered = render(doc)
    monitors = {(o["kind"], o["metadata"]["namespace"]): o for o in (o.body for o in rendered.objects)
                if o["kind"] in ("PodMonitor", "ServiceMonitor")}
    assert monitors[("ServiceMonitor", "aibrix-system")]["spec"]["selector"] == {"matchLabels": {"app": "gateway-plugins"}}
    assert monitors[("PodMonitor", "llm")]["spec"]["podMetricsEndpoints"][0]["port"] == "http"


# --- examples ----------------------------------------------------------------------------------------


def test_the_showcase_renders_lora_and_kv_cache_autoscaling():
    rendered = render(example("aks-lora-autoscaling"))
    assert {a["metadata"]["name"] for a in objects(rendered, "ModelAdapter")} == {"sql-lora", "chat-lora"}
    [source] = one(rendered, "PodAutoscaler")["spec"]["metricsSources"]
    assert source["targetMetric"] == "kv_cache_usage_perc"
    assert {e.model for e in rendered.endpoints} == {"llama2-7b", "sql-lora", "chat-lora"}


def test_the_quickstart_renders_with_the_simulator():
    rendered = render(example("quickstart-kind"))
    deployment = one(rendered, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert server(deployment["spec"]["template"]["spec"])["image"] == versions.image("simulator")
    assert rendered.endpoints[0].base_url == GATEWAY
