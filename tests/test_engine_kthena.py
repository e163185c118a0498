"""Kthena v1.0.0: the capability table feature by feature, and every upstream trap pinned by a test.

Specs are built from a small kind stack and rendered through the real pipeline; assertions read
the rendered objects and installs.
"""

import copy
import hashlib
import json
import re

import pytest
import yaml

from inferstack import versions
from inferstack.components.runtime import KV_CONNECTORS_VLLM
from inferstack.engines import get_engine
from inferstack.engines import kthena as kt
from inferstack.engines.base import NO
from inferstack.engines.features import FEATURES, features_used
from inferstack.errors import RenderRefused
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_file, validate_text

from .conftest import EXAMPLES

ENGINE = get_engine("kthena")

BASE = {
    "apiVersion": "inferstack.dev/v1alpha1",
    "kind": "InferenceStack",
    "metadata": {"name": "kt"},
    "spec": {
        "engine": "kthena",
        "namespace": "llm",
        "cluster": {"provider": "kind", "nodePools": [{
            "name": "gpu", "nodes": 4,
            "accelerator": {"product": "H100-80GB", "countPerNode": 8, "simulated": True},
        }]},
        "models": [{
            "name": "m",
            "source": {"uri": "hf://org/model", "revision": "abc"},
            "runtime": {"name": "simulator"},
        }],
    },
}


def spec(*changes, **model_fields):
    """BASE with model fields set and change functions applied to the document."""
    doc = copy.deepcopy(BASE)
    doc["spec"]["models"][0].update(copy.deepcopy(model_fields))
    for change in changes:
        change(doc)
    return doc


def validate(doc):
    return validate_text(yaml.safe_dump(doc), "kt.yaml", engine="kthena")


def render(doc):
    result = validate(doc)
    assert result.ok, [str(d) for d in result.diagnostics]
    return render_stack(result.stack)


def errors(doc):
    return [(d.rule, d.path) for d in validate(doc).diagnostics if d.severity == "error"]


def one(rendered, kind):
    found = [o.body for o in rendered.objects if o.kind == kind]
    assert len(found) == 1, f"{len(found)} {kind} objects"
    return found[0]


def install(rendered, name):
    return next(i for i in rendered.installs if i.name == name)


def roles(rendered):
    return {r["name"]: r for r in one(rendered, "ModelServing")["spec"]["template"]["roles"]}


def pod_specs(rendered):
    for role in roles(rendered).values():
        yield role["entryTemplate"]["spec"]
        if "workerTemplate" in role:
            yield role["workerTemplate"]["spec"]


def entry_args(rendered, role="server"):
    return roles(rendered)[role]["entryTemplate"]["spec"]["containers"][0]["args"]


# --- spec changes --------------------------------------------------------------------------


def volcano(doc, mode="hard", highest="rack"):
    doc["spec"]["cluster"]["nodePools"][0]["topology"] = {"rack": ["rack-a", "rack-a", "rack-b", "rack-b"], "spine": "spine-1"}
    doc["spec"]["scheduling"] = {"scheduler": "volcano", "volcano": {
        "queue": {"name": "serving", "weight": 2},
        "networkTopology": {"tiers": [{"name": "rack"}, {"name": "spine"}], "mode": mode, "highestTier": highest},
    }}


def volcano_without_topology(doc):
    doc["spec"]["scheduling"] = {"scheduler": "volcano", "volcano": {"queue": {"name": "serving", "weight": 1}}}


def prometheus(doc):
    doc["spec"]["observability"] = {"prometheus": True}


def gateway(**fields):
    def change(doc):
        doc["spec"]["gateway"] = fields
    return change


def eks(doc):
    doc["spec"]["cluster"] = {"provider": "eks", "nodePools": [{
        "name": "gpu", "minNodes": 0, "maxNodes": 4, "instanceType": "p5.48xlarge",
        "accelerator": {"product": "H100-80GB", "countPerNode": 8}}]}


PD = {"prefill": {"replicas": 2, "parallelism": {"tensor": 2}}, "decode": {"replicas": 1, "parallelism": {"tensor": 4}},
      "kvConnector": "nixl"}
LORA = {"maxAdapters": 2, "adapters": [{"name": "sql", "uri": "hf://org/sql-lora"}, {"name": "chat", "uri": "hf://org/chat-lora"}]}


def autoscaling(metric, target=0.7):
    return {"minReplicas": 1, "maxReplicas": 4, "metric": metric, "target": target}


# --- the capability table, feature by feature ----------------------------------------------
# feature -> (spec using it, check of the render). Features the table marks `no` carry only a spec.


def _check_vllm(r):
    assert one(r, "ModelServer")["spec"]["inferenceEngine"] == "vLLM"
    assert roles(r)["server"]["entryTemplate"]["spec"]["containers"][0]["command"] == ["vllm", "serve"]


def _check_sglang(r):
    assert one(r, "ModelServer")["spec"]["inferenceEngine"] == "SGLang"
    assert "sglang.launch_server" in roles(r)["server"]["entryTemplate"]["spec"]["containers"][0]["command"]


def _check_simulator(r):
    assert one(r, "ModelServer")["spec"]["inferenceEngine"] == "vLLM"
    assert roles(r)["server"]["entryTemplate"]["spec"]["containers"][0]["image"] == versions.image("simulator")


def _check_replicas(r):
    assert one(r, "ModelServing")["spec"]["replicas"] == 3


def _check_multinode(r):
    role = roles(r)["server"]
    assert role["workerReplicas"] == 1
    assert "$(ENTRY_ADDRESS)" in role["workerTemplate"]["spec"]["containers"][0]["args"]


def _check_pd(r):
    assert set(roles(r)) == {"prefill", "decode"}
    assert one(r, "ModelServer")["spec"]["workloadSelector"]["pdGroup"]["groupKey"] == kt.GROUP_LABEL


def _connector_check(connector):
    def check(r):
        assert one(r, "ModelServer")["spec"]["kvConnector"] == {"type": connector}
        for role in ("prefill", "decode"):
            args = entry_args(r, role)
            config = json.loads(args[args.index("--kv-transfer-config") + 1])
            assert config["kv_connector"] == KV_CONNECTORS_VLLM[connector]
    return check


def _check_lora(r):
    route = one(r, "ModelRoute")["spec"]
    assert route["modelName"] == "m" and route["loraAdapters"] == ["sql", "chat"]
    assert "--enable-lora" in entry_args(r)


def _check_autoscaling(r):
    policy = one(r, "AutoscalingPolicy")["spec"]
    assert policy["homogeneousTarget"]["target"]["targetRef"] == {"kind": "ModelServing", "name": "kt-m"}


def _metric_check(series, source):
    def check(r):
        policy = one(r, "AutoscalingPolicy")["spec"]
        assert source in policy["homogeneousTarget"]["target"]["metricSources"][policy["metrics"][0]["name"]]
        assert series in json.dumps(policy)
    return check


def _check_offload(r):
    args = entry_args(r)
    assert json.loads(args[args.index("--kv-transfer-config") + 1])["kv_connector"] == "LMCacheConnectorV1"


def _check_no_prefix_caching(r):
    assert "--no-enable-prefix-caching" in entry_args(r)


def _router_check(first_score):
    def check(r):
        patch = next(p for p in install(r, "kthena").patches if p.kind == "ConfigMap")
        config = yaml.safe_load(patch.patch["data"]["routerConfiguration"])
        assert config["scheduler"]["plugins"]["Score"]["enabled"][0]["name"] == first_score
    return check


def _check_source(scheme):
    def check(r):
        text = json.dumps(list(pod_specs(r)))
        assert {"hf": "org/model", "s3": "runai_streamer", "gs": "runai_streamer", "pvc": "/mnt/models/weights"}[scheme] in text
    return check


def _check_token(r):
    assert "secretKeyRef" in json.dumps(list(pod_specs(r)))


def _check_cache(r):
    assert "kt-m-cache" in json.dumps(list(pod_specs(r)))


def _check_volcano(r):
    ms = one(r, "ModelServing")
    assert ms["spec"]["schedulerName"] == "volcano"
    assert ms["metadata"]["annotations"] == {kt.QUEUE_ANNOTATION: "serving"}


def _check_topology(r):
    assert "networkTopology" in one(r, "ModelServing")["spec"]["template"]


def _check_router(r):
    assert all(e.base_url == "http://kthena-router.kthena-system.svc.cluster.local" for e in r.endpoints)


FEATURE_SPECS = {
    "runtime:vllm": (spec(runtime={"name": "vllm"}), _check_vllm),
    "runtime:sglang": (spec(runtime={"name": "sglang"}), _check_sglang),
    "runtime:simulator": (spec(), _check_simulator),
    "multi-replica": (spec(replicas=3), _check_replicas),
    "multi-node": (spec(runtime={"name": "vllm"}, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2}),
                   _check_multinode),
    "disaggregation": (spec(runtime={"name": "vllm"}, disaggregation=PD), _check_pd),
    "kv-connector:nixl": (spec(runtime={"name": "vllm"}, disaggregation={**PD, "kvConnector": "nixl"}), _connector_check("nixl")),
    **{f"kv-connector:{c}": (spec(runtime={"name": "vllm"}, disaggregation={**PD, "kvConnector": c}), None)
       for c in ("lmcache", "mooncake")},
    "lora": (spec(runtime={"name": "vllm"}, lora=LORA), _check_lora),
    "autoscaling": (spec(autoscaling=autoscaling("queue-depth", 4)), _check_autoscaling),
    "autoscaling-metric:kv-cache-usage": (spec(autoscaling=autoscaling("kv-cache-usage")),
                                          _metric_check("vllm:kv_cache_usage_perc", "pod")),
    "autoscaling-metric:queue-depth": (spec(autoscaling=autoscaling("queue-depth", 4)),
                                       _metric_check("vllm:num_requests_waiting", "pod")),
    "autoscaling-metric:requests-per-second": (spec(prometheus, autoscaling=autoscaling("requests-per-second", 5)),
                                               _metric_check("vllm:request_success_total", "prometheus")),
    "autoscaling-metric:gpu-utilization": (spec(autoscaling=autoscaling("gpu-utilization")), None),
    "kv-offload": (spec(runtime={"name": "vllm"}, kvCache={"offload": {"backend": "lmcache", "cpuGiB": 8}}), _check_offload),
    "prefix-caching-off": (spec(runtime={"name": "vllm"}, kvCache={"prefixCaching": False}), _check_no_prefix_caching),
    "routing:round-robin": (spec(routing={"strategy": "round-robin"}), None),
    "routing:least-request": (spec(routing={"strategy": "least-request"}), _router_check("least-request")),
    "routing:prefix-cache": (spec(routing={"strategy": "prefix-cache"}), _router_check("prefix-cache")),
    "routing:kv-cache-aware": (spec(routing={"strategy": "kv-cache-aware"}), None),
    "routing:pd": (spec(disaggregation=PD, routing={"strategy": "pd"}), _check_pd),
    "source:hf": (spec(runtime={"name": "vllm"}), _check_source("hf")),
    "source:s3": (spec(runtime={"name": "vllm"}, source={"uri": "s3://bucket/model"}), _check_source("s3")),
    "source:gs": (spec(runtime={"name": "vllm"}, source={"uri": "gs://bucket/model"}), _check_source("gs")),
    "source:pvc": (spec(runtime={"name": "vllm"}, source={"uri": "pvc://weights/qwen"}), _check_source("pvc")),
    "token-secret": (spec(source={"uri": "hf://org/model", "revision": "abc", "tokenSecret": {"name": "hf"}}),
                     _check_token),
    "model-cache": (spec(cache={"size": "10Gi"}), _check_cache),
    "volcano": (spec(volcano_without_topology), _check_volcano),
    "volcano-topology": (spec(volcano), _check_topology),
    "gateway:engine-native": (spec(gateway(implementation="engine-native")), _check_router),
    **{f"gateway:{g}": (spec(gateway(implementation=g)), None)
       for g in ("envoy-gateway", "istio", "agentgateway", "kgateway", "envoy-ai-gateway")},
    "gateway-tls": (spec(gateway(tls={"secretName": "cert"})), None),
    "gateway-hostname": (spec(gateway(hostname="llm.example.com")), None),
}


def test_every_feature_has_a_spec():
    assert set(FEATURE_SPECS) == set(FEATURES)


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_capability_table_matches_the_render(feature):
    doc, check = FEATURE_SPECS[feature]
    if ENGINE.support(feature).level == NO:
        assert check is None
        rejected = [d.message for d in validate(doc).diagnostics if d.rule == "INF301"]
        assert [m for m in rejected if m.startswith(FEATURES[feature].title)], f"{feature} is `no` but validates"
    else:
        assert check is not None, f"{feature} is supported: give it a check"
        assert feature in {u.feature for u in features_used(validate(doc).stack)}, f"the spec does not use {feature}"
        check(render(doc))


# --- trap: render to the v1.0.0 schema ------------------------------------------------------


def test_trap_v1_objects_only_no_binding_no_modelbooster():
    r = render(spec(runtime={"name": "vllm"}, lora=LORA, autoscaling=autoscaling("kv-cache-usage")))
    kinds = {(o.api_version, o.kind) for o in r.objects if "serving.volcano.sh" in o.api_version}
    assert kinds == {("workload.serving.volcano.sh/v1alpha1", "ModelServing"),
                     ("networking.serving.volcano.sh/v1alpha1", "ModelServer"),
                     ("networking.serving.volcano.sh/v1alpha1", "ModelRoute"),
                     ("workload.serving.volcano.sh/v1alpha1", "AutoscalingPolicy")}
    # v1.0.0 folded AutoscalingPolicyBinding into the policy: exactly one target, inside the policy
    policy = one(r, "AutoscalingPolicy")["spec"]
    assert {"homogeneousTarget", "heterogeneousTarget", "disaggregatedTarget"} & set(policy) == {"homogeneousTarget"}


def test_trap_pinned_versions_match_the_crds(crds):
    chart = versions.chart("kthena")["version"]
    assert chart == versions.CRDS["kthena"] == ENGINE.version == "v1.0.0"
    kinds = set()
    for path in (crds / "kthena" / chart).glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        kinds.add(f"{crd['spec']['group']}/{crd['spec']['names']['kind']}")
    assert {kind for _, kind in kt.CRDS} == kinds
    for bundle, _ in kt.CRDS:
        b = versions.bundle(bundle)
        assert b["version"] == chart and f"/kthena/{chart}/" in b["url"]


def test_trap_crds_are_installed_before_the_chart_with_pinned_images():
    r = render(spec())
    names = [i.name for i in r.installs]
    chart = names.index("kthena")
    assert all(names.index(bundle) < chart for bundle, _ in kt.CRDS)
    for bundle, _ in kt.CRDS:
        assert install(r, bundle).server_side  # the ModelServing CRD is far above the client-side apply limit
    values = install(r, "kthena").values
    tags = [values["workload"]["controllerManager"][k]["tag"] for k in ("image", "downloaderImage", "runtimeImage")]
    tags.append(values["networking"]["kthenaRouter"]["image"]["tag"])
    assert tags == ["v1.0.0"] * 4  # the chart default is latest
    # custom resources wait for the chart: its webhooks fail closed
    assert set(kt.API_GROUPS) <= set(install(r, "kthena").provides)


# --- trap: schedulerName --------------------------------------------------------------------


def test_trap_scheduler_name_is_default_scheduler_without_volcano():
    r = render(spec())
    ms = one(r, "ModelServing")
    assert ms["spec"]["schedulerName"] == "default-scheduler"
    assert all(p["schedulerName"] == "default-scheduler" for p in pod_specs(r))
    assert "annotations" not in ms["metadata"]
    assert "networkTopology" not in ms["spec"]["template"]


def test_trap_scheduler_name_is_volcano_when_the_stack_installs_it():
    r = render(spec(volcano, nodesPerReplica=2, parallelism={"tensor": 8}))
    assert "volcano" in [i.name for i in r.installs]
    assert one(r, "ModelServing")["spec"]["schedulerName"] == "volcano"
    assert all(p["schedulerName"] == "volcano" for p in pod_specs(r))


def test_trap_catalogue_volcano_is_new_enough_for_role_gang_and_topology():
    assert kt.volcano_version()[:2] >= kt.MIN_VOLCANO == (1, 14)


def test_trap_an_old_volcano_is_refused(monkeypatch):
    real = versions.chart
    monkeypatch.setattr(versions, "chart", lambda name: {**real(name), "version": "1.13.2"} if name == "volcano" else real(name))
    with pytest.raises(RenderRefused, match="Volcano >= 1.14"):
        render(spec(volcano))


# --- trap: names ------------------------------------------------------------------------------


def test_trap_role_names_fit_kthena_limits():
    for model in (spec(), spec(disaggregation=PD)):
        stack = validate(model).stack
        plans = kt.role_plans(stack.models[0])
        assert len(plans) <= kt.MAX_ROLES
        for plan in plans:
            assert re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", plan.name) and len(plan.name) <= kt.MAX_ROLE_NAME


def test_trap_generated_pod_name_limit_names_the_spec_field():
    def long_names(doc):
        doc["metadata"]["name"] = "a-stack-name-of-thirty-chars-x"
        doc["spec"]["models"][0]["name"] = "a-model-name-with-twenty-seven"
    assert ("INF202", "$.spec.models[0].name") in errors(spec(long_names))
    message = next(d.message for d in validate(spec(long_names)).diagnostics if d.rule == "INF202")
    assert "<ms>-<replicas>-<role>-<roleReplicas>-<workerReplicas>" in message


def test_trap_generated_pod_name_counts_the_autoscaling_bound_and_workers():
    stack = validate(spec(disaggregation=PD, replicas=2, autoscaling=autoscaling("queue-depth", 3),
                          nodesPerReplica=2)).stack
    names = [n.name for n in ENGINE.generated_names(stack)]
    assert names == ["kt-m", "kt-m-4-prefill-2-1", "kt-m-4-decode-1-1"]


def test_trap_generated_names_must_start_with_a_letter():
    def digit_name(doc):
        doc["metadata"]["name"] = "7b"
    assert ("INF302", "$.metadata.name") in errors(spec(digit_name))


# --- trap: traffic ----------------------------------------------------------------------------


def test_trap_model_server_selects_the_entry_pods_on_the_engine_port():
    r = render(spec(nodesPerReplica=2, parallelism={"tensor": 8}))
    server = one(r, "ModelServer")["spec"]
    assert server["workloadSelector"]["matchLabels"] == {kt.NAME_LABEL: "kt-m", kt.ENTRY_LABEL: "true"}
    entry = roles(r)["server"]["entryTemplate"]["spec"]["containers"][0]
    assert server["workloadPort"] == {"port": entry["ports"][0]["containerPort"], "protocol": "http"}
    assert one(r, "ModelServing")["metadata"]["name"] == "kt-m"


def test_trap_pd_pairs_through_the_serving_group_label():
    server = one(render(spec(disaggregation=PD)), "ModelServer")["spec"]
    assert server["workloadSelector"]["pdGroup"] == {
        "groupKey": "modelserving.volcano.sh/group-name",
        "prefillLabels": {"modelserving.volcano.sh/role": "prefill"},
        "decodeLabels": {"modelserving.volcano.sh/role": "decode"},
    }


def test_trap_model_route_model_name_is_the_served_name():
    r = render(spec())
    route = one(r, "ModelRoute")["spec"]
    assert route["modelName"] == "m" == one(r, "ModelServer")["spec"]["model"]
    assert "--served-model-name" in entry_args(r) and entry_args(r)[entry_args(r).index("--served-model-name") + 1] == "m"
    assert route["rules"] == [{"name": "default", "targetModels": [{"modelServerName": "kt-m", "weight": 100}]}]


def test_trap_router_service_is_not_a_load_balancer_on_kind():
    patch = next(p for p in install(render(spec()), "kthena").patches if p.kind == "Service")
    assert (patch.name, patch.namespace, patch.patch) == ("kthena-router", "kthena-system", {"spec": {"type": "ClusterIP"}})
    chart_service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kthena-router", "namespace": "kthena-system"},
                     "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "targetPort": 8080, "name": "http"}]}}
    assert patch.matches(chart_service)
    assert patch.apply(chart_service)["spec"] == {"type": "ClusterIP", "ports": chart_service["spec"]["ports"]}


def test_trap_router_service_keeps_upstream_type_on_clouds():
    patches = install(render(spec(eks, runtime={"name": "vllm"})), "kthena").patches
    assert [p.kind for p in patches] == ["Deployment"]  # only the router's config-hash annotation


def test_trap_gateway_port_moves_the_router_service_and_the_endpoint():
    r = render(spec(gateway(port=8081)))
    service = next(p for p in install(r, "kthena").patches if p.kind == "Service")
    assert service.patch["spec"]["ports"] == [{"name": "http", "port": 8081, "targetPort": 8080, "protocol": "TCP"}]
    assert r.summary["endpoints"]["m"]["baseUrl"] == "http://kthena-router.kthena-system.svc.cluster.local:8081"


def test_trap_summary_records_the_router_endpoint_for_model_and_adapters():
    r = render(spec(runtime={"name": "vllm"}, lora=LORA))
    endpoints = r.summary["endpoints"]
    assert set(endpoints) == {"m", "sql", "chat"}
    for e in endpoints.values():
        assert e["baseUrl"] == "http://kthena-router.kthena-system.svc.cluster.local"
        assert e["chatCompletions"] == "http://kthena-router.kthena-system.svc.cluster.local/v1/chat/completions"
        assert e["headers"] == {}
        assert e.get("servedBy", "m") == "m"
        assert "/v1/models" in e["note"] and "completion" in e["note"]  # listed before its pods are ready


def test_trap_router_strategy_is_router_wide():
    def two_models(doc):
        first = doc["spec"]["models"][0]
        doc["spec"]["models"] = [{**first, "routing": {"strategy": "least-request"}},
                                 {**first, "name": "n", "routing": {"strategy": "prefix-cache"}}]
    assert errors(spec(two_models)) == [("INF302", "$.spec.models[1].routing.strategy")]


# The chart's router objects as Helm renders them (v1.0.0 templates, trimmed): the ConfigMap is
# mounted with subPath and read once at start-up; the pod template carries labels, no annotations.
CHART_ROUTER = """---
apiVersion: v1
kind: Service
metadata: {name: kthena-router, namespace: kthena-system, labels: {app.kubernetes.io/component: kthena-router}}
spec: {type: LoadBalancer, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kthena-router-config, namespace: kthena-system, labels: {app.kubernetes.io/component: kthena-router}}
data: {routerConfiguration: "scheduler: {}"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kthena-router
  namespace: kthena-system
  labels: {app.kubernetes.io/component: kthena-router, app.kubernetes.io/managed-by: Helm}
spec:
  replicas: 1
  selector: {matchLabels: {app.kubernetes.io/component: kthena-router}}
  template:
    metadata:
      labels: {app.kubernetes.io/component: kthena-router, app.kubernetes.io/managed-by: Helm}
    spec:
      serviceAccountName: kthena-router
      containers:
      - name: kthena-router
        image: ghcr.io/volcano-sh/kthena-router:v1.0.0
        volumeMounts: [{name: scheduler-config, mountPath: /etc/config/routerConfiguration.yaml, subPath: routerConfiguration}]
      volumes: [{name: scheduler-config, configMap: {name: kthena-router-config}}]
"""


def routing(strategy):
    def change(doc):
        doc["spec"]["models"][0]["routing"] = {"strategy": strategy}
    return change


def router_hash(rendered):
    patch = next(p for p in install(rendered, "kthena").patches if p.kind == "Deployment")
    return patch.patch["spec"]["template"]["metadata"]["annotations"][kt.ROUTER_CONFIG_HASH_ANNOTATION]


def test_trap_router_restarts_when_its_configuration_changes():
    # kthena-router parses its subPath-mounted ConfigMap once at start-up: only a pod-template change rolls it
    patch = next(p for p in install(render(spec(routing("prefix-cache"))), "kthena").patches if p.kind == "Deployment")
    assert (patch.api_version, patch.name, patch.namespace) == ("apps/v1", "kthena-router", "kthena-system")
    hashes = {s: router_hash(render(spec(routing(s)))) for s in ("auto", "least-request", "prefix-cache")}
    assert len(set(hashes.values())) == 3  # back to auto (the chart's configuration) rolls the router too
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes.values())
    assert router_hash(render(spec(routing("prefix-cache")))) == hashes["prefix-cache"]
    # a change elsewhere in the spec does not restart the router
    assert router_hash(render(spec(routing("prefix-cache"), replicas=3))) == hashes["prefix-cache"]


def test_trap_router_hash_is_the_hash_of_the_patched_config_data():
    for strategy in ("least-request", "prefix-cache"):
        patches = install(render(spec(routing(strategy))), "kthena").patches
        data = next(p for p in patches if p.kind == "ConfigMap").patch["data"]
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        assert router_hash(render(spec(routing(strategy)))) == hashlib.sha256(canonical.encode()).hexdigest()
    assert router_hash(render(spec())) == kt.config_digest(None)


def test_trap_router_patches_apply_to_the_chart_output_from_installs_yaml():
    from inferstack.render.postrender import apply_patches, patches_from_dicts

    r = render(spec(routing("prefix-cache")))
    plan = yaml.safe_load(yaml.safe_dump(install(r, "kthena").to_dict()))  # what installs.yaml carries
    docs = {d["kind"]: d for d in yaml.safe_load_all(apply_patches(CHART_ROUTER, patches_from_dicts(plan["patches"])))}
    chart = {d["kind"]: d for d in yaml.safe_load_all(CHART_ROUTER)}
    deployment, template = docs["Deployment"], docs["Deployment"]["spec"]["template"]
    assert template["metadata"] == {"labels": chart["Deployment"]["spec"]["template"]["metadata"]["labels"],
                                    "annotations": {kt.ROUTER_CONFIG_HASH_ANNOTATION: router_hash(r)}}
    assert template["spec"] == chart["Deployment"]["spec"]["template"]["spec"]
    assert deployment["metadata"] == chart["Deployment"]["metadata"]
    assert deployment["spec"]["selector"] == chart["Deployment"]["spec"]["selector"]
    assert yaml.safe_load(docs["ConfigMap"]["data"]["routerConfiguration"])["scheduler"]["plugins"]["Score"]["enabled"][0] == \
        {"name": "prefix-cache", "weight": 2}


def test_trap_pulumi_post_renderer_annotates_the_router_and_changes_with_the_strategy(tmp_path):
    import subprocess

    from inferstack.pulumi.resources import postrender_executable

    renders = {s: render(spec(routing(s))) for s in ("least-request", "prefix-cache")}
    paths = {s: postrender_executable(install(r, "kthena"), tmp_path) for s, r in renders.items()}
    assert len(set(paths.values())) == 2  # a new post-renderer path is a new Release input: Pulumi upgrades the release
    out = subprocess.run([str(tmp_path / paths["prefix-cache"])], input=CHART_ROUTER, capture_output=True, text=True,
                         check=True).stdout
    deployment = next(d for d in yaml.safe_load_all(out) if d["kind"] == "Deployment")
    assert deployment["spec"]["template"]["metadata"]["annotations"] == {
        kt.ROUTER_CONFIG_HASH_ANNOTATION: router_hash(renders["prefix-cache"])}


# --- trap: P/D, multi-node, gang ---------------------------------------------------------------


def test_trap_kv_connector_matches_the_engine_kv_connector():
    r = render(spec(runtime={"name": "vllm"}, disaggregation={**PD, "kvConnector": "nixl"}))
    assert one(r, "ModelServer")["spec"]["kvConnector"]["type"] == "nixl"
    for role, kv_role in (("prefill", "kv_producer"), ("decode", "kv_consumer")):
        args = entry_args(r, role)
        config = json.loads(args[args.index("--kv-transfer-config") + 1])
        assert config == {"kv_connector": KV_CONNECTORS_VLLM["nixl"], "kv_role": kv_role}


@pytest.mark.parametrize("runtime", ["vllm", "sglang"])
def test_trap_mooncake_is_rejected_for_every_runtime(runtime):
    # vLLM v0.11 registers no MooncakeConnector; SGLang starts Mooncake with protocol rdma (no RDMA devices here)
    doc = spec(runtime={"name": runtime}, disaggregation={**PD, "kvConnector": "mooncake"})
    assert ("INF301", "$.spec.models[0].disaggregation.kvConnector") in errors(doc)


def test_trap_sglang_pd_uses_the_router_sglang_connector():
    r = render(spec(runtime={"name": "sglang"}, disaggregation={**PD, "kvConnector": "nixl"}))
    assert "kvConnector" not in one(r, "ModelServer")["spec"]  # set, it would override the SGLang bootstrap protocol
    args = entry_args(r, "prefill")
    assert args[args.index("--disaggregation-transfer-backend") + 1] == "nixl"
    assert ("INF302", "$.spec.models[0].disaggregation.kvConnector") in errors(
        spec(runtime={"name": "sglang"}, disaggregation={**PD, "kvConnector": "lmcache"}))


def test_trap_multi_node_uses_worker_replicas_and_kthena_env():
    r = render(spec(runtime={"name": "vllm"}, replicas=2, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2}))
    role = roles(r)["server"]
    assert (role["replicas"], role["workerReplicas"]) == (1, 1)
    entry = role["entryTemplate"]["spec"]["containers"][0]
    worker = role["workerTemplate"]["spec"]["containers"][0]
    assert entry["args"][entry["args"].index("--node-rank") + 1] == "0"
    assert worker["args"][worker["args"].index("--node-rank") + 1] == "$(WORKER_INDEX)"
    assert worker["args"][worker["args"].index("--master-addr") + 1] == "$(ENTRY_ADDRESS)"
    assert "--headless" in worker["args"]
    assert {"ports", "readinessProbe", "startupProbe"}.isdisjoint(worker)  # workers serve no HTTP
    assert entry["resources"]["requests"]["nvidia.com/gpu"] == worker["resources"]["requests"]["nvidia.com/gpu"] == "8"


def test_trap_multi_node_pd_roles_get_workers_each():
    r = render(spec(runtime={"name": "vllm"}, nodesPerReplica=2, disaggregation={
        "prefill": {"parallelism": {"tensor": 4}}, "decode": {"parallelism": {"tensor": 8}}, "kvConnector": "nixl"}))
    for name, gpus in (("prefill", "2"), ("decode", "4")):
        role = roles(r)[name]
        assert role["workerReplicas"] == 1
        assert role["workerTemplate"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == gpus


def test_trap_min_role_replicas_is_deterministic_and_depends_on_role_names_only():
    first = one(render(spec(disaggregation=PD)), "ModelServing")["spec"]["template"]["gangPolicy"]
    more = {**PD, "prefill": {"replicas": 3, "parallelism": {"tensor": 2}}}
    second = one(render(spec(disaggregation=more, replicas=2)), "ModelServing")["spec"]["template"]["gangPolicy"]
    assert first == second == {"minRoleReplicas": {"prefill": 1, "decode": 1}}
    assert one(render(spec()), "ModelServing")["spec"]["template"]["gangPolicy"] == {"minRoleReplicas": {"server": 1}}


# --- trap: topology, requests, queue -----------------------------------------------------------


@pytest.mark.parametrize(("mode", "highest", "tier"), [("hard", "rack", 1), ("soft", "spine", 2)])
def test_trap_network_topology_maps_to_group_and_role_policy(mode, highest, tier):
    r = render(spec(lambda d: volcano(d, mode, highest), disaggregation=PD))
    topology = one(r, "ModelServing")["spec"]["template"]["networkTopology"]
    expected = {"mode": mode, "highestTierAllowed": tier}
    assert topology == {"groupPolicy": expected, "rolePolicy": expected}
    # HyperNode tiers written by the cluster layer use the same numbering
    assert {o.body["spec"]["tierName"]: o.body["spec"]["tier"] for o in r.objects if o.kind == "HyperNode"}[highest] == tier


def test_trap_every_container_requests_resources():
    for doc in (spec(volcano, disaggregation=PD, nodesPerReplica=2),
                spec(volcano, runtime={"name": "vllm"}, nodesPerReplica=2, parallelism={"tensor": 8})):
        for pod in pod_specs(render(doc)):
            for c in pod["containers"] + pod.get("initContainers", []):
                assert {"cpu", "memory"} <= set(c["resources"]["requests"]), c["name"]
                assert c["resources"]["requests"]["nvidia.com/gpu"]


def test_trap_queue_goes_on_the_model_serving_annotation():
    ms = one(render(spec(volcano)), "ModelServing")
    assert ms["metadata"]["annotations"] == {"scheduling.volcano.sh/queue-name": "serving"}
    for pod in pod_specs(render(spec(volcano))):
        assert "annotations" not in pod  # Kthena's PodGroup carries the queue, not the pods


# --- trap: no LWS -------------------------------------------------------------------------------


def test_trap_no_lws_controller_in_a_kthena_stack():
    r = render(spec(runtime={"name": "vllm"}, nodesPerReplica=2, parallelism={"tensor": 8}))
    assert "lws" not in [i.name for i in r.installs]
    assert not any(p.startswith("leaderworkerset.x-k8s.io") for i in r.installs for p in i.provides)
    assert not any(o.kind == "LeaderWorkerSet" for o in r.objects)
    assert any("LeaderWorkerSet" in n for n in r.notes)


# --- trap: LoRA is router-side ------------------------------------------------------------------


def test_trap_lora_is_router_side_and_the_engine_loads_the_adapters():
    r = render(spec(runtime={"name": "vllm"}, lora=LORA))
    assert one(r, "ModelRoute")["spec"]["loraAdapters"] == ["sql", "chat"]
    args = entry_args(r)
    assert args[args.index("--lora-modules") + 1:][:2] == ["sql=org/sql-lora", "chat=org/chat-lora"]
    assert not any(o.kind == "ModelBooster" for o in r.objects)


def test_trap_lora_adapters_kthena_cannot_load_are_rejected():
    s3 = {"maxAdapters": 1, "adapters": [{"name": "sql", "uri": "s3://bucket/sql"}]}
    assert errors(spec(runtime={"name": "vllm"}, lora=s3)) == [("INF302", "$.spec.models[0].lora.adapters[0].uri")]
    assert errors(spec(lora=s3)) == []  # the simulator accepts any adapter path
    many = {"adapters": [{"name": f"a{i}", "uri": f"hf://org/a{i}"} for i in range(11)]}
    assert ("INF302", "$.spec.models[0].lora.adapters") in errors(spec(runtime={"name": "vllm"}, lora=many))


# --- trap: autoscaling --------------------------------------------------------------------------


def test_trap_autoscaling_policy_holds_its_target():
    r = render(spec(replicas=2, autoscaling={**autoscaling("kv-cache-usage"), "minReplicas": 2}))
    policy = one(r, "AutoscalingPolicy")["spec"]
    assert policy == {
        "metrics": [{"name": "kv-cache-usage", "targetValue": "0.7"}],
        "homogeneousTarget": {"minReplicas": 2, "maxReplicas": 4, "target": {
            "targetRef": {"kind": "ModelServing", "name": "kt-m"},
            "metricSources": {"kv-cache-usage": {"pod": {"name": "vllm:kv_cache_usage_perc", "port": 8000,
                                                         "uri": "/metrics"}}},
        }},
    }
    # the autoscaler writes spec.replicas; an applied value would reset it on the next apply
    assert "replicas" not in one(r, "ModelServing")["spec"]


def test_trap_pd_autoscaling_reads_decode_pods_per_serving_group():
    r = render(spec(disaggregation={**PD, "decode": {"replicas": 3, "parallelism": {"tensor": 1}}},
                    autoscaling=autoscaling("kv-cache-usage", 0.1)))
    policy = one(r, "AutoscalingPolicy")["spec"]
    assert policy["metrics"][0]["targetValue"] == "0.3"  # per-pod target x decode pods per group, no float noise
    source = policy["homogeneousTarget"]["target"]["metricSources"]["kv-cache-usage"]["pod"]
    assert source["labelSelector"] == {"matchLabels": {"modelserving.volcano.sh/role": "decode"}}


def test_trap_request_rate_comes_from_prometheus():
    r = render(spec(prometheus, runtime={"name": "sglang"}, autoscaling=autoscaling("requests-per-second", 5)))
    source = one(r, "AutoscalingPolicy")["spec"]["homogeneousTarget"]["target"]["metricSources"]["requests-per-second"]
    assert source == {"prometheus": {
        "serverURL": "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
        "query": 'sum(rate(sglang:num_requests_total{namespace="llm",pod=~"kt-m-[0-9]+-server-[0-9]+-0"}[1m]))'}}
    assert errors(spec(autoscaling=autoscaling("requests-per-second", 5))) == [
        ("INF302", "$.spec.models[0].autoscaling.metric")]


# --- the rest of the engine contract ------------------------------------------------------------


def test_router_is_scraped_when_prometheus_is_on():
    r = render(spec(prometheus))
    monitor = next(o.body for o in r.objects if o.kind == "ServiceMonitor" and o.name == "kt-kthena-router")
    assert monitor["metadata"]["namespace"] == "kthena-system"
    assert monitor["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/component": "kthena-router"}


def test_sglang_kv_offload_is_rejected_not_dropped():
    assert errors(spec(runtime={"name": "sglang"}, kvCache={"offload": {"backend": "lmcache", "cpuGiB": 8}})) == [
        ("INF229", "$.spec.models[0].kvCache.offload")]


def test_render_is_deterministic():
    doc = spec(volcano, disaggregation=PD, lora=LORA, autoscaling=autoscaling("queue-depth", 2))
    first, second = render(doc), render(doc)
    assert [o.body for o in first.objects] == [o.body for o in second.objects]
    assert [i.to_dict() for i in first.installs] == [i.to_dict() for i in second.installs]


def test_gang_policy_changes_only_with_the_role_set_and_diff_flags_it():
    from inferstack.diff.compute import diff_objects

    def change_of(base, head):
        return next(c for c in diff_objects(render(base), render(head)) if c.kind == "ModelServing")

    plain, pd = spec(runtime={"name": "vllm"}), spec(runtime={"name": "vllm"}, disaggregation=PD)
    assert change_of(plain, pd).immutable == ["spec.template.gangPolicy.minRoleReplicas"]
    more_decode = spec(runtime={"name": "vllm"}, disaggregation={**PD, "decode": {"replicas": 2, "parallelism": {"tensor": 4}}})
    assert change_of(pd, more_decode).immutable == []


def test_docs_table_matches_the_capabilities():
    from .conftest import ROOT

    text = (ROOT / "docs" / "engines" / "kthena.md").read_text()
    rows, previous = {}, None
    for feature, level, how in re.findall(r"^\| `([a-z0-9:-]+)` \| (native|generic|no) \| (.+?) \|$", text, re.M):
        how = previous if how == "same" else how
        rows[feature] = (level, how)
        previous = how
    assert rows == {f: (s.level, s.how) for f, s in ENGINE.capabilities.items()}


# --- every rendered object passes `inferstack check` ---------------------------------------------

CHECKED_SPECS = {
    **{f"example-{p.stem}": p for p in EXAMPLES},
    **{f"feature-{f}": doc for f, (doc, check) in FEATURE_SPECS.items() if check},
    "pd-multinode-autoscaled": spec(volcano, disaggregation=PD, nodesPerReplica=2, autoscaling=autoscaling("kv-cache-usage")),
    "sglang-pd-request-rate": spec(prometheus, runtime={"name": "sglang"}, disaggregation={**PD, "kvConnector": "nixl"},
                                   autoscaling=autoscaling("requests-per-second", 3)),
    "lora-port-autoscaled": spec(gateway(port=8081), runtime={"name": "vllm"}, lora=LORA,
                                 autoscaling=autoscaling("queue-depth", 3)),
}


@pytest.mark.parametrize("name", sorted(CHECKED_SPECS))
def test_every_rendered_object_passes_check(name, crds):
    from inferstack.check import check_objects

    source = CHECKED_SPECS[name]
    if isinstance(source, dict):
        rendered = render(source)
    else:
        result = validate_file(str(source), engine="kthena")
        if not result.ok:
            pytest.skip(f"{source.name} uses features Kthena cannot express")
        rendered = render_stack(result.stack)
    report = check_objects([o.body for o in rendered.objects], kubernetes_version=rendered.stack.kubernetes_version,
                           crd_dir=crds, source=f"<{name}>")
    assert report.ok, [str(d) for d in report.diagnostics]
    kthena = [o for o in rendered.objects if "serving.volcano.sh" in o.api_version]
    assert kthena and report.objects == len(rendered.objects)
