"""spec.security.networkPolicy: a default-deny ingress NetworkPolicy for the model namespace and one
policy that lets in the namespace's own pods, the gateway or router, the engine's controllers and
Prometheus — rendered by one shared component for every engine."""

import copy

import pytest
import yaml

from inferstack.engines import ENGINE_NAMES
from inferstack.engines.base import EngineNotImplemented
from inferstack.policy import check_objects
from inferstack.policy import objects as k8s
from inferstack.render.pipeline import render_stack
from inferstack.render.verify import check_rendered, policy_findings
from inferstack.spec.validate import validate_text

from .conftest import ROOT

QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart-kind.yaml").read_text())
NAME_LABEL = "kubernetes.io/metadata.name"


def spec(engine: str, network_policy: bool = True, **gateway) -> dict:
    doc = copy.deepcopy(QUICKSTART)
    doc["spec"]["engine"] = engine
    doc["spec"]["security"] = {"networkPolicy": network_policy}
    doc["spec"]["gateway"].update(gateway)
    return doc


def render(doc: dict, **kw):
    result = validate_text(yaml.safe_dump(doc), "spec.yaml")
    if not result.ok:
        pytest.skip(f"{doc['spec']['engine']} cannot express the quickstart: {result.diagnostics[0].text()}")
    try:
        return render_stack(result.stack, **kw)
    except EngineNotImplemented as exc:
        pytest.skip(str(exc))


def policies(rendered) -> dict[str, dict]:
    return {o.name: o.body for o in rendered.objects if o.kind == "NetworkPolicy"}


def allowed_namespaces(rendered) -> set[str]:
    allow = policies(rendered)["quickstart-allow-ingress"]
    [rule] = allow["spec"]["ingress"]
    return {peer["namespaceSelector"]["matchLabels"][NAME_LABEL] for peer in rule["from"] if "namespaceSelector" in peer}


def test_off_by_default():
    result = validate_text(yaml.safe_dump(QUICKSTART), "spec.yaml")
    assert result.stack.network_policy is False
    assert policies(render_stack(result.stack)) == {}


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_a_default_deny_and_one_allow_policy_in_the_model_namespace(engine):
    rendered = render(spec(engine))
    found = policies(rendered)
    assert set(found) == {"quickstart-default-deny-ingress", "quickstart-allow-ingress"}
    deny = found["quickstart-default-deny-ingress"]
    assert deny["metadata"]["namespace"] == "llm"
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    allow = found["quickstart-allow-ingress"]["spec"]
    assert allow["podSelector"] == {} and allow["ingress"][0]["from"][0] == {"podSelector": {}}  # the namespace itself
    assert all(o.phase == "10-namespaces" for o in rendered.objects if o.kind == "NetworkPolicy")


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_the_policies_pass_check_and_silence_pol010(engine, crds):
    rendered = render(spec(engine))
    assert [d.text() for d in check_rendered(rendered, str(crds)).diagnostics if d.severity == "error"] == []
    assert [d.rule for d in policy_findings(rendered, advisory=True) if d.rule == "POL010"] == []
    without = render(spec(engine, network_policy=False))
    # OME keeps its model servers in cluster-scoped ClusterServingRuntimes: no namespace to attribute them to
    namespaced = any(k8s.is_model_server(c.data) for o in without.objects if o.namespace == "llm"
                     for c in k8s.containers(o.body))
    expected = ["POL010"] if namespaced else []
    assert [d.rule for d in policy_findings(without, advisory=True) if d.rule == "POL010"] == expected
    assert namespaced or engine == "ome"


def test_kthena_lets_its_router_namespace_in():
    rendered = render(spec("kthena"))
    assert allowed_namespaces(rendered) == {"kthena-system"}
    annotation = policies(rendered)["quickstart-allow-ingress"]["metadata"]["annotations"]
    assert annotation == {"inferstack.dev/ingress-sources": "llm: the namespace's own pods; "
                                                            "kthena-system: kthena-router and kthena's controllers"}


def test_kserve_native_gateway_proxies_run_in_envoy_gateway_system():
    assert allowed_namespaces(render(spec("kserve", implementation="engine-native"))) == {"envoy-gateway-system"}


def test_envoy_gateway_proxies_run_in_their_controller_namespace():
    assert allowed_namespaces(render(spec("kserve", implementation="envoy-gateway"))) == {"envoy-gateway-system"}


def test_istio_runs_its_proxies_next_to_the_gateway():
    """Istio deploys a Gateway's proxies in the Gateway's namespace, the model namespace: nothing else to let in."""
    assert allowed_namespaces(render(spec("kserve", implementation="istio"))) == set()


def test_aibrix_lets_its_gateway_proxies_and_controllers_in():
    assert allowed_namespaces(render(spec("aibrix"))) == {"envoy-gateway-system", "aibrix-system"}


@pytest.mark.parametrize("engine", ["llmaz", "llm-d", "ome"])
def test_engines_whose_front_door_runs_next_to_the_models_only_let_the_namespace_itself_in(engine):
    """llmaz's <name>-lb Service, llm-d's standalone router (EPP and proxy), OME's router and Services:
    all in the model namespace."""
    assert allowed_namespaces(render(spec(engine))) == set()


def test_prometheus_is_let_in_when_it_scrapes():
    doc = spec("kthena")
    doc["spec"]["observability"] = {"prometheus": True}
    assert allowed_namespaces(render(doc)) == {"kthena-system", "monitoring"}


def test_the_infrastructure_layer_renders_them_too():
    assert set(policies(render(spec("kthena"), infrastructure_only=True))) == {
        "quickstart-default-deny-ingress", "quickstart-allow-ingress"}


def test_rendered_policies_pass_every_mandatory_policy():
    rendered = render(spec("kthena"))
    report = check_objects([o.body for o in rendered.objects if o.kind == "NetworkPolicy"])
    assert report.diagnostics == []


def test_the_spec_field_is_a_boolean():
    doc = spec("kthena")
    doc["spec"]["security"] = {"networkPolicy": "yes", "egress": False}
    rules = {d.rule for d in validate_text(yaml.safe_dump(doc), "spec.yaml").diagnostics}
    assert rules == {"INF101", "INF102"}
