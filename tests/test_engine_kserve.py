"""KServe v0.20.0: the capability table feature by feature, and the upstream traps the renderer handles."""

import argparse
import copy
import json
import re

import pytest
import yaml

from inferstack import versions
from inferstack.components.gateway import envoy_service_name
from inferstack.engines import get_engine
from inferstack.engines import kserve as ks
from inferstack.engines.base import NO
from inferstack.engines.features import FEATURES
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_text

from .conftest import ROOT

ENGINE = get_engine("kserve")
QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart-kind.yaml").read_text())
GKE = yaml.safe_load((ROOT / "examples" / "gke-multinode.yaml").read_text())


def base() -> dict:
    """The quickstart on KServe without benchmarks and without network topology (tests add what they need)."""
    doc = copy.deepcopy(QUICKSTART)
    doc["spec"]["engine"] = "kserve"
    doc["spec"]["benchmarks"] = []
    del doc["spec"]["scheduling"]["volcano"]["networkTopology"]
    del doc["spec"]["cluster"]["nodePools"][0]["topology"]
    return doc


def model(doc: dict) -> dict:
    return doc["spec"]["models"][0]


def validate(doc: dict):
    return validate_text(yaml.safe_dump(doc), "kserve.yaml", engine="kserve")


def render(doc: dict):
    result = validate(doc)
    assert result.ok, [d.text() for d in result.diagnostics]
    return render_stack(result.stack)


def errors(doc: dict, rule: str) -> list:
    return [d for d in validate(doc).diagnostics if d.rule == rule]


def objects(rendered, kind: str) -> list[dict]:
    return [o.body for o in rendered.objects if o.kind == kind]


def llmisvc(rendered) -> dict:
    [body] = objects(rendered, "LLMInferenceService")
    return body


def main(pod: dict) -> dict:
    [container] = [c for c in pod["containers"] if c["name"] == "main"]
    return container


def installs(rendered) -> list[str]:
    return [i.name for i in rendered.installs]


def install(rendered, name: str):
    return next(i for i in rendered.installs if i.name == name)


# --- a spec per feature, and what KServe must render for it ----------------------------------------
def use_vllm(doc):
    model(doc)["runtime"] = {"name": "vllm"}
    model(doc)["resources"] = {"cpu": "4", "memory": "16Gi"}


def use_disaggregation(doc, connector="nixl"):
    model(doc)["replicas"] = 1
    model(doc).pop("parallelism", None)
    model(doc)["disaggregation"] = {"prefill": {"replicas": 1, "parallelism": {"tensor": 1}},
                                    "decode": {"replicas": 1, "parallelism": {"tensor": 1}}, "kvConnector": connector}
    model(doc)["routing"] = {"strategy": "pd"}


def use_multinode(doc):
    model(doc).update(replicas=1, nodesPerReplica=2, parallelism={"tensor": 2, "pipeline": 2})


def use_autoscaling(doc, metric="kv-cache-usage"):
    model(doc)["autoscaling"] = {"minReplicas": 1, "maxReplicas": 2, "metric": metric, "target": 0.7}
    doc["spec"]["observability"]["prometheus"] = True


def use_lora(doc):
    model(doc)["lora"] = {"maxAdapters": 2, "adapters": [{"name": "sql", "uri": "hf://org/sql-lora"}]}


def use_topology(doc):
    doc["spec"]["scheduling"]["volcano"]["networkTopology"] = copy.deepcopy(
        QUICKSTART["spec"]["scheduling"]["volcano"]["networkTopology"])
    doc["spec"]["cluster"]["nodePools"][0]["topology"] = copy.deepcopy(
        QUICKSTART["spec"]["cluster"]["nodePools"][0]["topology"])


def gateway(impl):
    def apply(doc):
        doc["spec"]["gateway"]["implementation"] = impl
    return apply


def routing(strategy, runtime=None):
    def apply(doc):
        if runtime == "vllm":
            use_vllm(doc)
        model(doc)["routing"] = {"strategy": strategy}
    return apply


def source(uri):
    def apply(doc):
        use_vllm(doc)
        model(doc)["source"] = {"uri": uri}
    return apply


def both(*steps):
    def apply(doc):
        for step in steps:
            step(doc)
    return apply


def scheduler_plugins(svc) -> list[str]:
    config = svc["spec"]["router"]["scheduler"]["config"]["inline"]
    return [p["pluginRef"] for p in config["schedulingProfiles"][0]["plugins"]]


def check_metric(name):
    def check(r):
        [hpa] = objects(r, "HorizontalPodAutoscaler")
        return hpa["spec"]["metrics"][0]["pods"]["metric"]["name"] == name
    return check


# feature -> (spec change, what the render must contain; None for a feature KServe rejects)
CASES = {
    "runtime:vllm": (use_vllm, lambda r: main(llmisvc(r)["spec"]["template"])["command"] == ["vllm", "serve"]),
    "runtime:sglang": (lambda d: model(d).update(runtime={"name": "sglang"}, resources={"cpu": "4", "memory": "16Gi"}),
                       lambda r: main(llmisvc(r)["spec"]["template"])["command"][-1] == "sglang.launch_server"),
    "runtime:simulator": (lambda d: None, lambda r: llmisvc(r)["spec"]["storageInitializer"] == {"enabled": False}),
    "multi-replica": (lambda d: None, lambda r: llmisvc(r)["spec"]["replicas"] == 2),
    "multi-node": (use_multinode, lambda r: "worker" in llmisvc(r)["spec"]
                   and llmisvc(r)["spec"]["parallelism"] == {"tensor": 2, "pipeline": 2}),
    "disaggregation": (use_disaggregation, lambda r: llmisvc(r)["spec"]["prefill"]["replicas"] == 1),
    "kv-connector:nixl": (both(use_vllm, use_disaggregation),
                          lambda r: "kv_producer" in json.dumps(llmisvc(r)["spec"]["prefill"])),
    "kv-connector:lmcache": (lambda d: use_disaggregation(d, "lmcache"), None),
    "kv-connector:mooncake": (lambda d: use_disaggregation(d, "mooncake"), None),
    "lora": (both(use_vllm, use_lora), lambda r: llmisvc(r)["spec"]["model"]["lora"]["adapters"][0]["name"] == "sql"),
    "autoscaling": (use_autoscaling, lambda r: objects(r, "HorizontalPodAutoscaler")
                    and "replicas" not in llmisvc(r)["spec"]),
    "autoscaling-metric:kv-cache-usage": (use_autoscaling, check_metric("vllm_kv_cache_usage_perc")),
    "autoscaling-metric:queue-depth": (lambda d: use_autoscaling(d, "queue-depth"), check_metric("vllm_num_requests_waiting")),
    "autoscaling-metric:requests-per-second": (lambda d: use_autoscaling(d, "requests-per-second"),
                                               check_metric("vllm_requests_per_second")),
    "autoscaling-metric:gpu-utilization": (lambda d: use_autoscaling(d, "gpu-utilization"), None),
    "kv-offload": (both(use_vllm, lambda d: model(d).update(kvCache={"offload": {"cpuGiB": 10}})),
                   lambda r: "LMCacheConnectorV1" in " ".join(main(llmisvc(r)["spec"]["template"])["args"])),
    "prefix-caching-off": (both(use_vllm, lambda d: model(d).update(kvCache={"prefixCaching": False})),
                           lambda r: "--no-enable-prefix-caching" in main(llmisvc(r)["spec"]["template"])["args"]),
    "routing:round-robin": (routing("round-robin"), None),
    "routing:least-request": (routing("least-request"),
                              lambda r: scheduler_plugins(llmisvc(r)) == ["queue-scorer", "active-request-scorer",
                                                                          "max-score-picker"]),
    "routing:prefix-cache": (routing("prefix-cache"), lambda r: scheduler_plugins(llmisvc(r))[0] == "prefix-cache-scorer"),
    "routing:kv-cache-aware": (routing("kv-cache-aware", "vllm"),
                               lambda r: scheduler_plugins(llmisvc(r))[0] == "precise-prefix-cache-scorer"),
    "routing:pd": (use_disaggregation, lambda r: llmisvc(r)["spec"]["router"]["scheduler"] == {}),
    "source:hf": (lambda d: None, lambda r: llmisvc(r)["spec"]["model"]["uri"] == "hf://Qwen/Qwen2.5-0.5B-Instruct"),
    "source:s3": (source("s3://bucket/qwen"), lambda r: llmisvc(r)["spec"]["model"]["uri"] == "s3://bucket/qwen"),
    "source:gs": (source("gs://bucket/qwen"), None),
    "source:pvc": (source("pvc://weights/qwen"), lambda r: llmisvc(r)["spec"]["model"]["uri"] == "pvc://weights/qwen"),
    "token-secret": (both(use_vllm, lambda d: model(d)["source"].update(tokenSecret={"name": "hf"})),
                     lambda r: llmisvc(r)["spec"]["template"]["initContainers"][0]["name"] == "storage-initializer"),
    "model-cache": (lambda d: model(d).update(cache={"size": "10Gi"}), None),
    "volcano": (lambda d: None, lambda r: llmisvc(r)["spec"]["template"]["schedulerName"] == "volcano"),
    "volcano-topology": (use_topology,
                         lambda r: llmisvc(r)["spec"]["annotations"]["volcano.sh/network-topology-mode"] == "soft"),
    "gateway:engine-native": (gateway("engine-native"),
                              lambda r: [g["metadata"]["name"] for g in objects(r, "Gateway")] == ["kserve-ingress-gateway"]),
    "gateway:envoy-gateway": (gateway("envoy-gateway"), lambda r: "envoy-ai-gateway" in installs(r)),
    "gateway:istio": (gateway("istio"), lambda r: objects(r, "Gateway")[0]["spec"]["gatewayClassName"] == "istio"),
    "gateway:agentgateway": (gateway("agentgateway"),
                             lambda r: objects(r, "Gateway")[0]["spec"]["gatewayClassName"] == "agentgateway"),
    "gateway:kgateway": (gateway("kgateway"), None),
    "gateway:envoy-ai-gateway": (gateway("envoy-ai-gateway"),
                                 lambda r: llmisvc(r)["spec"]["router"]["gateway"]["refs"][0]["name"] == "quickstart-gateway"),
    "gateway-tls": (lambda d: d["spec"]["gateway"].update(tls={"secretName": "tls"}),
                    lambda r: [lst["name"] for lst in objects(r, "Gateway")[0]["spec"]["listeners"]] == ["http", "https"]),
    "gateway-hostname": (lambda d: d["spec"]["gateway"].update(hostname="llm.example.com"),
                         lambda r: r.endpoints[0].headers == {"Host": "llm.example.com"}),
}


def test_every_feature_has_a_case():
    assert set(CASES) == set(FEATURES)


@pytest.mark.parametrize("feature", sorted(CASES))
def test_capability_matches_the_render(feature):
    change, check = CASES[feature]
    doc = base()
    change(doc)
    support = ENGINE.support(feature)
    if support.level == NO:
        assert check is None, f"{feature} is marked no but the case expects a render"
        diags = [d for d in validate(doc).diagnostics if d.rule == "INF301"]
        assert any(FEATURES[feature].title in d.message and "KServe" in d.message for d in diags), diags
    else:
        assert check is not None, f"{feature} is supported but the case expects a rejection"
        assert check(render(doc)), feature


# --- trap: charts at one version, cert-manager first, deployment mode, runtimes and presets on ----------------
def test_installs_follow_kserves_dependency_order():
    rendered = render(base())
    names = installs(rendered)
    order = ["cert-manager", "gateway-api-crds", "gateway-api-inference-extension-crds", "envoy-gateway",
             "envoy-ai-gateway-crds", "envoy-ai-gateway", "kserve-crd", "kserve-resources", "kserve-llmisvc-crd",
             "kserve-llmisvc-resources", "kserve-runtime-configs"]
    assert [n for n in names if n in order] == order
    assert "lws" not in names  # only with multi-node replicas


def test_lws_comes_before_the_kserve_charts_when_multi_node():
    doc = base()
    use_multinode(doc)
    names = installs(render(doc))
    assert names.index("envoy-ai-gateway") < names.index("lws") < names.index("kserve-crd")
    assert install(render(doc), "lws").version == versions.chart("lws")["version"]


def test_the_five_charts_share_the_engine_version_and_the_pinned_crds():
    charts = [i for i in render(base()).installs if i.chart and i.chart.startswith("kserve")]
    assert [c.chart for c in charts] == ["kserve-crd", "kserve-resources", "kserve-llmisvc-crd",
                                         "kserve-llmisvc-resources", "kserve-runtime-configs"]
    assert {c.version for c in charts} == {ENGINE.version} == {versions.CRDS["kserve"]}
    assert {c.namespace for c in charts} == {"kserve"}
    assert {c.repo for c in charts} == {"oci://ghcr.io/kserve/charts"}


def test_runtime_configs_enable_serving_runtimes_and_llmisvc_presets():
    values = install(render(base()), "kserve-runtime-configs").values
    assert values == {"kserve": {"servingruntime": {"enabled": True}, "llmisvcConfigs": {"enabled": True}}}


@pytest.mark.parametrize("spec", [QUICKSTART, GKE], ids=["kind", "gke"])
def test_deployment_mode_is_standard_not_the_charts_knative(spec):
    doc = copy.deepcopy(spec)
    doc["spec"]["engine"] = "kserve"
    doc["spec"]["benchmarks"] = []
    controller = install(render(doc), "kserve-resources").values["kserve"]["controller"]
    assert controller["deploymentMode"] == "Standard"


def test_llmisvc_chart_leaves_shared_resources_and_gie_crds_to_others():
    rendered = render(base())
    values = install(rendered, "kserve-llmisvc-resources").values["kserve"]
    assert values["createSharedResources"] is False
    assert values["llmisvc"]["createGIECRDs"] is False
    gie = install(rendered, "gateway-api-inference-extension-crds")
    assert gie.version == versions.CRDS["gateway-api-inference-extension"]


def test_runtime_configs_wait_for_the_llmisvc_webhook_certificate():
    rendered = render(base())
    assert "llmisvc-serving-cert" in install(rendered, "kserve-runtime-configs").note
    assert any("llmisvc-serving-cert" in n for n in rendered.notes)


# --- trap: storage version, model.uri and served name, main container and port -------------------------------
def test_llmisvc_is_written_at_the_crds_storage_version(crds):
    crd = yaml.safe_load((crds / "kserve" / versions.CRDS["kserve"] / "llminferenceservice.yaml").read_text())
    [storage] = [v["name"] for v in crd["spec"]["versions"] if v["storage"]]
    assert llmisvc(render(base()))["apiVersion"] == f"serving.kserve.io/{storage}" == ks.API_VERSION


def test_model_uri_carries_the_revision_and_name_is_the_served_name():
    doc = base()
    use_vllm(doc)
    doc["spec"]["models"][0]["source"]["revision"] = "abc123"
    spec = llmisvc(render(doc))["spec"]
    assert spec["model"] == {"uri": "hf://Qwen/Qwen2.5-0.5B-Instruct:abc123", "name": "qwen-small"}
    args = main(spec["template"])["args"]
    assert args[:4] == ["/mnt/models", "--served-model-name", "qwen-small", "publishers/llm/models/qwen-small"]


def test_revisions_kserves_uri_cannot_carry_are_rejected():
    doc = base()
    use_vllm(doc)
    model(doc)["source"]["revision"] = "refs/pr/1"
    [diag] = errors(doc, "INF302")
    assert diag.path == "$.spec.models[0].source.revision"


def test_main_container_is_main_on_port_8000_and_runs_without_a_shell():
    doc = base()
    use_vllm(doc)
    container = main(llmisvc(render(doc))["spec"]["template"])
    assert container["name"] == "main"
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["command"] == ["vllm", "serve"]  # the presets' bash -c eval would re-parse every argument
    assert "--port" in container["args"] and container["args"][container["args"].index("--port") + 1] == "8000"


HARDENED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


def test_root_images_lift_the_presets_run_as_non_root():
    doc = base()
    model(doc).update(runtime={"name": "sglang"}, resources={"cpu": "4", "memory": "16Gi"})
    assert main(llmisvc(render(doc))["spec"]["template"])["securityContext"] == {**HARDENED, "runAsNonRoot": False}
    # the simulator declares USER 65532
    assert main(llmisvc(render(base()))["spec"]["template"])["securityContext"] == {
        **HARDENED, "runAsNonRoot": True, "runAsUser": 65532}


def test_kserve_own_vllm_image_stays_non_root_and_hardened():
    doc = base()
    use_vllm(doc)
    assert main(llmisvc(render(doc))["spec"]["template"])["securityContext"] == {**HARDENED, "runAsNonRoot": True}


def test_main_states_its_readiness_probe_on_the_engine_port():
    doc = base()
    use_vllm(doc)
    probe = main(llmisvc(render(doc))["spec"]["template"])["readinessProbe"]
    assert probe["httpGet"] == {"path": "/health", "port": 8000}


# --- trap: replicas xor scaling ---------------------------------------------------------------------------
def test_replicas_xor_scaling():
    spec = llmisvc(render(base()))["spec"]
    assert spec["replicas"] == 2 and "scaling" not in spec
    doc = base()
    use_autoscaling(doc)
    rendered = render(doc)
    spec = llmisvc(rendered)["spec"]
    assert "replicas" not in spec and "scaling" not in spec  # KServe keeps the HPA's count when replicas is unset
    [hpa] = objects(rendered, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "quickstart-qwen-small-kserve"}
    assert hpa["metadata"]["name"] != "quickstart-qwen-small-kserve-hpa"  # KServe deletes that one
    assert hpa["spec"]["metrics"][0]["pods"]["target"] == {"type": "AverageValue", "averageValue": "700m"}
    rules = install(rendered, "prometheus-adapter").values["rules"]["custom"]
    assert [r["name"]["as"] for r in rules] == ["vllm_kv_cache_usage_perc"]


def test_autoscaling_needs_prometheus():
    doc = base()
    use_autoscaling(doc)
    doc["spec"]["observability"]["prometheus"] = False
    assert [d.path for d in errors(doc, "INF302")] == ["$.spec.models[0].autoscaling"]


# --- trap: worker settings only with the parallelism fields they require ----------------------------------
def test_worker_comes_with_pipeline_parallelism_and_the_missing_preset():
    doc = base()
    use_vllm(doc)
    use_multinode(doc)
    rendered = render(doc)
    spec = llmisvc(rendered)["spec"]
    assert spec["parallelism"] == {"tensor": 2, "pipeline": 2}
    assert "data" not in spec["parallelism"] and "dataLocal" not in spec["parallelism"]
    leader, worker = main(spec["template"])["args"], main(spec["worker"])["args"]
    assert leader[leader.index("--node-rank") + 1] == "0" and "--headless" not in leader
    assert worker[worker.index("--node-rank") + 1] == "$(LWS_WORKER_INDEX)" and "--headless" in worker
    assert "ports" not in main(spec["worker"])
    [config] = objects(rendered, "LLMInferenceServiceConfig")
    assert (config["metadata"]["name"], config["metadata"]["namespace"]) == (ks.PIPELINE_WORKER_CONFIG, "llm")


def test_single_node_replicas_have_no_worker_and_no_pipeline_field():
    doc = base()
    model(doc)["parallelism"] = {"tensor": 1, "pipeline": 2}
    model(doc)["replicas"] = 1
    spec = llmisvc(render(doc))["spec"]
    assert "worker" not in spec and spec["parallelism"] == {"tensor": 1}


@pytest.mark.parametrize("parallelism", [{"tensor": 4}, {"tensor": 1, "data": 4}, {"tensor": 1, "pipeline": 2, "data": 2}])
def test_multi_node_without_matching_pipeline_is_rejected(parallelism):
    doc = base()
    model(doc).update(replicas=1, nodesPerReplica=2, parallelism=parallelism)
    assert "$.spec.models[0].parallelism" in [d.path for d in errors(doc, "INF302")]


# --- trap: router with managed route, gateway and scheduler ---------------------------------------------
def test_router_has_managed_route_gateway_refs_and_scheduler():
    router = llmisvc(render(base()))["spec"]["router"]
    assert router == {"route": {}, "gateway": {"refs": [{"name": "quickstart-gateway", "namespace": "llm"}]},
                      "scheduler": {}}


def test_kserve_config_points_at_the_stacks_gateway():
    values = install(render(base()), "kserve-resources").values
    assert values["kserve"]["controller"]["gateway"]["ingressGateway"]["kserveGateway"] == "llm/quickstart-gateway"


@pytest.mark.parametrize("implementation", ["envoy-gateway", "envoy-ai-gateway", "engine-native"])
def test_envoy_gateway_gets_the_inference_pool_extension(implementation):
    doc = base()
    doc["spec"]["gateway"]["implementation"] = implementation
    rendered = render(doc)
    envoy = install(rendered, "envoy-gateway")
    resources = envoy.values["config"]["envoyGateway"]["extensionManager"]["backendResources"]
    assert {"group": "inference.networking.k8s.io", "kind": "InferencePool", "version": "v1"} in resources
    # Envoy Gateway cannot start watching InferencePools before their CRD exists
    names = installs(rendered)
    assert names.index("gateway-api-inference-extension-crds") < names.index("envoy-gateway")
    assert ENGINE.envoy_inference_pools(rendered.stack)


# --- trap: kserve-ingress-gateway and the /<namespace>/<name>/v1 path layout --------------------------
def test_summary_records_the_full_endpoint_on_the_stack_gateway():
    rendered = render(base())
    host = f"{envoy_service_name('llm', 'quickstart-gateway')}.envoy-gateway-system.svc.cluster.local"
    endpoint = rendered.summary["endpoints"]["qwen-small"]
    assert endpoint["baseUrl"] == f"http://{host}/llm/quickstart-qwen-small"
    assert endpoint["chatCompletions"] == f"http://{host}/llm/quickstart-qwen-small/v1/chat/completions"


def test_engine_native_renders_kserves_own_ingress_gateway():
    doc = base()
    doc["spec"]["gateway"]["implementation"] = "engine-native"
    rendered = render(doc)
    [gw] = objects(rendered, "Gateway")
    assert (gw["metadata"]["name"], gw["metadata"]["namespace"]) == ("kserve-ingress-gateway", "kserve")
    assert gw["spec"]["listeners"][0]["allowedRoutes"] == {"namespaces": {"from": "All"}}
    assert llmisvc(rendered)["spec"]["router"]["gateway"] == {}  # managed: inferenceservice-config names it
    values = install(rendered, "kserve-resources").values
    assert values["kserve"]["controller"]["gateway"]["ingressGateway"]["kserveGateway"] == "kserve/kserve-ingress-gateway"
    host = f"{envoy_service_name('kserve', 'kserve-ingress-gateway')}.envoy-gateway-system.svc.cluster.local"
    assert rendered.endpoints[0].base_url == f"http://{host}/llm/quickstart-qwen-small"


def test_engine_native_tls_grants_the_gateway_the_secret():
    doc = base()
    doc["spec"]["gateway"].update(implementation="engine-native", tls={"secretName": "tls"})
    rendered = render(doc)
    https = objects(rendered, "Gateway")[0]["spec"]["listeners"][1]
    assert https["tls"]["certificateRefs"] == [{"kind": "Secret", "name": "tls", "namespace": "llm"}]
    [grant] = objects(rendered, "ReferenceGrant")
    assert grant["metadata"]["namespace"] == "llm" and grant["spec"]["from"][0]["namespace"] == "kserve"


def test_lora_adapters_share_the_models_endpoint():
    doc = base()
    use_vllm(doc)
    use_lora(doc)
    rendered = render(doc)
    assert {e.model: e.base_url for e in rendered.endpoints} == {
        "qwen-small": rendered.endpoints[0].base_url, "sql": rendered.endpoints[0].base_url}


# --- trap: KServe's LoRA flags are shell-quoted for the presets' bash eval -----------------------------------
class VllmArgError(Exception):
    pass


class VllmServeParser(argparse.ArgumentParser):
    def error(self, message):
        raise VllmArgError(message)


class LoraModules(argparse.Action):
    """vLLM's LoRAParserAction: each value is name=path, or a JSON object with name and path."""

    def __call__(self, parser, namespace, values, option_string=None):
        modules = []
        for item in values:
            if "=" in item and "," not in item:
                name, path = item.split("=")
                modules.append({"name": name, "path": path})
                continue
            try:
                module = json.loads(item)
            except json.JSONDecodeError:
                parser.error(f"invalid JSON for --lora-modules: {item}")
            if not isinstance(module, dict) or not {"name", "path"} <= set(module) <= {"name", "path", "base_model_name"}:
                parser.error(f"invalid fields for --lora-modules: {item}")
            modules.append(module)
        setattr(namespace, self.dest, modules)


def vllm_serve(argv: list[str]) -> argparse.Namespace:
    """`vllm serve`'s parsing of the flags KServe's main containers carry (model_tag is its positional)."""
    parser = VllmServeParser(prog="vllm serve", allow_abbrev=False)
    parser.add_argument("model_tag", nargs="?")
    parser.add_argument("--served-model-name", nargs="+")
    parser.add_argument("--port", type=int)
    parser.add_argument("--enable-lora", action="store_true")
    parser.add_argument("--max-loras", type=int)
    parser.add_argument("--lora-modules", nargs="+", action=LoraModules)
    for flag in ("--tensor-parallel-size", "--pipeline-parallel-size", "--nnodes", "--max-model-len"):
        parser.add_argument(flag, type=int)
    for flag in ("--node-rank", "--master-addr"):
        parser.add_argument(flag)
    parser.add_argument("--headless", action="store_true")
    parser.add_argument("--kv-transfer-config", type=json.loads)
    return parser.parse_args(argv)


def kserve_attach_lora(container: dict, adapters: list[str], namespace: str, max_adapters: int) -> list[str]:
    """KServe v0.20.0's attachLoRAAdapters on a merged main container: nothing when its command or arguments
    hold --lora-modules (userSuppliedLoRAConfig), else addLoRAVLLMArgs prepends its flags with each JSON
    module in single quotes (meant for the presets' bash eval)."""
    if "--lora-modules" in " ".join(container["command"]) + " " + " ".join(container["args"]):
        return list(container["args"])
    modules = ["'" + json.dumps({"name": served, "path": f"/mnt/lora/{a}"}, separators=(",", ":")) + "'"
               for a in sorted(adapters) for served in (a, f"publishers/{namespace}/models/{a}")]
    return ["--enable-lora", f"--max-loras={max_adapters}", "--lora-modules", *modules, *container["args"]]


def use_two_adapters(doc):
    use_vllm(doc)
    model(doc)["lora"] = {"maxAdapters": 4, "adapters": [{"name": "sql", "uri": "hf://org/sql-lora"},
                                                         {"name": "chat", "uri": "s3://adapters/chat"}]}
    model(doc)["runtime"]["args"] = ["--max-model-len", "4096"]


def main_containers(spec: dict) -> dict[str, dict]:
    """Every main container of an LLMInferenceService spec, by where it sits."""
    out = {}
    for section in ("", "prefill"):
        workload = spec.get(section, {}) if section else spec
        for pod in ("template", "worker"):
            if pod in workload:
                out[f"{section}.{pod}".lstrip(".")] = main(workload[pod])
    return out


@pytest.mark.parametrize(("layout", "pods"), [
    (lambda d: None, {"template"}),
    (use_multinode, {"template", "worker"}),  # KServe injects into the worker too
    (use_disaggregation, {"template", "prefill.template"}),
], ids=["aggregated", "multi-node", "prefill-decode"])
def test_lora_flags_survive_kserves_injection_and_parse(layout, pods):
    doc = base()
    use_two_adapters(doc)
    layout(doc)
    spec = llmisvc(render(doc))["spec"]
    expected = {"sql": "/mnt/lora/sql", "publishers/llm/models/sql": "/mnt/lora/sql",
                "chat": "/mnt/lora/chat", "publishers/llm/models/chat": "/mnt/lora/chat"}
    containers = main_containers(spec)
    assert set(containers) == pods
    for where, container in containers.items():
        argv = kserve_attach_lora(container, ["sql", "chat"], "llm", 4)
        assert argv == container["args"], f"{where}: KServe would inject its quoted flags"
        parsed = vllm_serve(argv)
        assert parsed.model_tag == "/mnt/models", where
        assert parsed.served_model_name == ["qwen-small", "publishers/llm/models/qwen-small"], where
        assert parsed.enable_lora and parsed.max_loras == 4, where
        assert {m["name"]: m["path"] for m in parsed.lora_modules} == expected, where
        assert parsed.max_model_len == 4096, where


def test_kserves_own_lora_injection_breaks_exec_form_args():
    """What the rendering avoids: KServe's quoted modules, prepended, swallow the model path and fail vLLM's JSON parse."""
    doc = base()
    use_vllm(doc)
    container = main(llmisvc(render(doc))["spec"]["template"])
    argv = kserve_attach_lora(container, ["sql"], "llm", 2)
    assert argv[argv.index("--lora-modules") + 3] == "/mnt/models"
    with pytest.raises(VllmArgError, match="invalid JSON"):
        vllm_serve(argv)


def test_lora_adapters_are_downloaded_by_kserve_not_by_vllm():
    doc = base()
    use_two_adapters(doc)
    spec = llmisvc(render(doc))["spec"]
    assert spec["model"]["lora"] == {"adapters": [{"name": "sql", "uri": "hf://org/sql-lora"},
                                                  {"name": "chat", "uri": "s3://adapters/chat"}], "maxAdapters": 4}
    args = main(spec["template"])["args"]
    modules = args[args.index("--lora-modules") + 1:args.index("--port")]
    assert all(json.loads(m)["path"].startswith("/mnt/lora/") for m in modules)


@pytest.mark.parametrize(("name", "path"), [("sql", "/mnt/lora/sql"), ("a.b_c-1", "/mnt/lora/a.b_c-1"),
                                            ("x/y z", "/mnt/lora/x-y-z"), ("..", "/mnt/lora/adapter")])
def test_adapter_paths_follow_kserves_sanitizer(name, path):
    assert ks.lora_adapter_dir(name) == path


def test_gs_adapters_are_rejected():
    doc = base()
    use_vllm(doc)
    model(doc)["lora"] = {"adapters": [{"name": "sql", "uri": "gs://bucket/sql"}]}
    assert [d.path for d in errors(doc, "INF302")] == ["$.spec.models[0].lora.adapters[0].uri"]


def test_sglang_lora_is_rejected_with_the_engines_that_render_it():
    doc = base()
    model(doc).update(runtime={"name": "sglang"}, resources={"cpu": "4", "memory": "16Gi"})
    use_lora(doc)
    [diag] = errors(doc, "INF302")
    assert diag.path == "$.spec.models[0].lora" and "llm-d" in diag.text()


@pytest.mark.parametrize("strategy", sorted(ks.SCHEDULING_PROFILES))
def test_inline_scheduler_configs_keep_kserves_lora_affinity_scorer(strategy):
    doc = base()
    use_vllm(doc)
    use_lora(doc)
    model(doc)["routing"] = {"strategy": strategy}
    config = llmisvc(render(doc))["spec"]["router"]["scheduler"]["config"]["inline"]
    assert {"type": "lora-affinity-scorer"} in config["plugins"]
    assert {"pluginRef": "lora-affinity-scorer", "weight": 4} in config["schedulingProfiles"][0]["plugins"]
    doc["spec"]["models"][0].pop("lora")
    config = llmisvc(render(doc))["spec"]["router"]["scheduler"]["config"]["inline"]
    assert "lora-affinity-scorer" not in json.dumps(config)


def test_sglang_pods_carry_the_schedulers_engine_type_label():
    doc = base()
    model(doc).update(runtime={"name": "sglang"}, resources={"cpu": "4", "memory": "16Gi"})
    assert llmisvc(render(doc))["spec"]["labels"]["llm-d.ai/engine-type"] == "sglang"
    doc = base()
    use_vllm(doc)
    assert "llm-d.ai/engine-type" not in llmisvc(render(doc))["spec"]["labels"]  # the scheduler's default is vLLM


def test_gateway_port_is_part_of_the_base_url():
    doc = base()
    doc["spec"]["gateway"]["port"] = 8080
    assert ".svc.cluster.local:8080/llm/quickstart-qwen-small" in render(doc).endpoints[0].base_url


# --- trap: prefill/decode through the prefill section with the NIXL connector --------------------------------
def test_prefill_section_with_nixl_roles_and_a_v1_pool_sidecar():
    doc = base()
    use_vllm(doc)
    use_disaggregation(doc)
    spec = llmisvc(render(doc))["spec"]
    decode, prefill = main(spec["template"]), main(spec["prefill"]["template"])
    kv = {"kv_producer": prefill, "kv_consumer": decode}
    for role, container in kv.items():
        config = json.loads(container["args"][container["args"].index("--kv-transfer-config") + 1])
        assert config == {"kv_connector": "NixlConnector", "kv_role": role}
        assert {"name": "VLLM_NIXL_SIDE_CHANNEL_HOST", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}} \
            in container["env"]
    assert decode["ports"][0]["containerPort"] == 8001 and prefill["ports"][0]["containerPort"] == 8000
    [sidecar] = spec["template"]["initContainers"]
    assert sidecar["name"] == "llm-d-routing-sidecar"
    assert "--pool-group=inference.networking.k8s.io" in sidecar["command"]
    assert "--inference-pool=llm/quickstart-qwen-small-inference-pool" in sidecar["command"]
    assert "--vllm-port=8001" in sidecar["command"] and "--kv-connector=nixlv2" in sidecar["command"]
    assert "initContainers" not in spec["prefill"]["template"]


def test_prefill_decode_rejects_what_kserve_cannot_pair():
    doc = base()
    model(doc).update(runtime={"name": "sglang"}, resources={"cpu": "4", "memory": "16Gi"})
    use_disaggregation(doc)
    model(doc)["kvCache"] = {"offload": {"cpuGiB": 4}}
    paths = [d.path for d in errors(doc, "INF302")]
    assert "$.spec.models[0].runtime.name" in paths
    assert [d.path for d in errors(doc, "INF229")] == ["$.spec.models[0].kvCache.offload"]


# --- Volcano groups the pods of each ReplicaSet/StatefulSet, not of each replica -------------------------
@pytest.mark.parametrize(("change", "rejected"), [
    (lambda d: None, True),  # two replicas
    (lambda d: model(d).update(replicas=1), False),
    (use_disaggregation, True),
    (lambda d: use_multinode(d) or use_vllm(d), True),
])
def test_hard_topology_only_for_single_pod_models(change, rejected):
    doc = base()
    use_topology(doc)
    doc["spec"]["scheduling"]["volcano"]["networkTopology"]["mode"] = "hard"
    change(doc)
    assert bool(errors(doc, "INF302")) == rejected


def test_soft_topology_reaches_every_pod_template():
    doc = base()
    use_topology(doc)
    use_vllm(doc)
    use_multinode(doc)
    spec = llmisvc(render(doc))["spec"]
    assert spec["annotations"]["volcano.sh/network-topology-mode"] == "soft"
    assert spec["template"]["schedulerName"] == spec["worker"]["schedulerName"] == "volcano"


def test_token_reaches_the_workload_and_scheduler_storage_initializers():
    doc = base()
    use_vllm(doc)
    model(doc)["source"]["tokenSecret"] = {"name": "hf"}
    spec = llmisvc(render(doc))["spec"]
    secret = {"secretKeyRef": {"name": "hf", "key": "HF_TOKEN"}}
    [init] = spec["template"]["initContainers"]
    assert init == {"name": "storage-initializer", "env": [{"name": "HF_TOKEN", "valueFrom": secret}]}
    template = spec["router"]["scheduler"]["template"]
    assert template == {"containers": [{"name": "main"}], "initContainers": [init]}
    assert {"name": "HF_TOKEN", "valueFrom": secret} in main(spec["template"])["env"]


# --- trap: readiness can lag behind traffic ------------------------------------------------------------
def test_summary_tells_to_check_the_endpoint_functionally():
    notes = render(base()).summary["notes"]
    assert any("WaitingForGateway" in n and "/v1/models" in n for n in notes)


# --- KServe renders the merged spec as a Go template -------------------------------------------------
def test_spec_strings_are_go_template_literals():
    doc = base()
    model(doc)["runtime"]["args"] = ["--note", "{{ .ObjectMeta.Name }}"]
    model(doc)["runtime"]["env"] = {"X": "a{{b"}
    container = main(llmisvc(render(doc))["spec"]["template"])
    assert container["args"][-1] == "{{`{{`}} .ObjectMeta.Name }}"
    assert {"name": "X", "value": "a{{`{{`}}b"} in container["env"]
    assert ENGINE.spec_literal("{{{") == "{{`{{`}}{"


def test_generated_names_cover_the_controllers_longest_child():
    doc = base()
    doc["metadata"]["name"] = "a" * 30
    model(doc)["name"] = "b" * 10
    too_long = [d for d in errors(doc, "INF202") if "TLS Secret" in d.message]
    assert too_long and too_long[0].path == "$.spec.models[0].name"


def test_engine_page_names_only_existing_tests():
    page = (ROOT / "docs" / "engines" / "kserve.md").read_text()
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", page))
    assert named and named <= {name for name in globals() if name.startswith("test_")}
