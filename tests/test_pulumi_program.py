"""The Pulumi program under Pulumi's mock runtime (no CLI, no cluster): every rendered object is
exactly one resource with identical content, installs are pinned releases/bundles, custom
resources come after the install of their CRD, on kind everything comes after the cluster, an
engine swap keeps the shared infrastructure's URNs, retained volumes are protected."""

import copy

import pytest
import yaml

from inferstack.errors import RenderRefused
from inferstack.pulumi import mock
from inferstack.pulumi.plan import COMPONENT_TYPES, component_of, is_custom, provides
from inferstack.pulumi.program import Options, build
from inferstack.pulumi.resources import SecretFromSpec, oci_reference, type_token
from inferstack.render.pipeline import render_stack
from inferstack.render.result import Obj
from inferstack.spec.validate import validate_text

from .conftest import EXAMPLES
from .pulumi_cases import (
    CASES,
    QUICKSTART,
    case_id,
    recording,
    rendered,
    rendering_engines,
    synthetic_engine_layer,
)

RELEASE = "kubernetes:helm.sh/v3:Release"
CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"
COMMAND = "command:local:Command"
PROVIDER = "pulumi:providers:kubernetes"
KIND_CASES = [c for c in CASES if "kind" in c[0].stem]


def objects_of(rec: mock.Recording) -> list[mock.Registration]:
    """Registrations of rendered objects (not releases, bundles, providers or components)."""
    return [r for r in rec.resources() if r.custom and r.type.startswith("kubernetes:") and r.type != RELEASE]


def installs_of(rec: mock.Recording) -> list[mock.Registration]:
    return [r for r in rec.resources() if r.type in (RELEASE, CONFIG_FILE)]


def registration_for(rec: mock.Recording, obj: Obj) -> mock.Registration:
    name = f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name
    [reg] = [r for r in objects_of(rec) if r.type == type_token(obj.api_version, obj.kind) and r.name == name]
    return reg


def install_registration(rec: mock.Recording, name: str) -> mock.Registration:
    [reg] = [r for r in installs_of(rec) if r.name == name]
    return reg


def component_urn(rec: mock.Recording, rendered_stack, key: str) -> str:
    c = component_of(key, rendered_stack)
    [reg] = [r for r in rec.resources() if r.type == c.type and r.name == c.name]
    return reg.urn


# --- one resource per rendered object, same content --------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_rendered_object_is_exactly_one_resource_with_identical_content(case):
    r, rec = rendered(case), recording(case)
    assert len(objects_of(rec)) == len(r.objects)
    for obj in r.objects:
        reg = registration_for(rec, obj)
        assert reg.inputs == obj.body, f"{obj.kind} {obj.name}: resource inputs differ from the rendered object"
        assert reg.parent == component_urn(rec, r, obj.component)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_install_is_a_pinned_release_or_manifest_bundle(case):
    r, rec = rendered(case), recording(case)
    assert len(installs_of(rec)) == len(r.installs)
    for install in r.installs:
        reg = install_registration(rec, install.name)
        assert reg.parent == component_urn(rec, r, install.component)
        if install.method == "manifest":
            assert reg.type == CONFIG_FILE and reg.inputs["file"] == install.url
            continue
        assert reg.type == RELEASE
        inputs = reg.inputs
        assert (inputs["name"], inputs["version"], inputs["namespace"]) == (install.name, install.version, install.namespace)
        assert inputs.get("values", {}) == install.values
        assert inputs["createNamespace"] is False
        if install.repo.startswith("oci://"):
            assert inputs["chart"] == oci_reference(install) and "repositoryOpts" not in inputs
        else:
            assert inputs["chart"] == install.chart and inputs["repositoryOpts"] == {"repo": install.repo}


def test_oci_charts_are_referenced_by_repository_and_chart():
    r = rendered((QUICKSTART, None, True))
    [fake] = [i for i in r.installs if i.name == "fake-gpu-operator"]
    assert oci_reference(fake) == "oci://ghcr.io/run-ai/fake-gpu-operator/fake-gpu-operator"


# --- components -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_components_are_inferstack_types_under_one_stack_component(case):
    r, rec = rendered(case), recording(case)
    [stack] = rec.of_type("inferstack:index:InferenceStack")
    assert stack.name == r.stack.name
    components = [x for x in rec.resources() if x.type.startswith("inferstack:") and x is not stack]
    assert {x.parent for x in components} == {stack.urn}
    wanted = {o.component for o in r.objects} | {i.component for i in r.installs} | {"cluster"}
    assert len(components) == len(wanted)
    for c in components:
        assert not c.custom
        assert set(rec.outputs[c.urn]) >= {"installs", "objects"}  # register_outputs ran
    # children hang under a component, never directly under the root stack
    assert all(x.parent != stack.urn or x.type.startswith("inferstack:") for x in rec.resources())


def test_model_components_register_their_endpoints():
    engines = rendering_engines()
    if not engines:
        pytest.skip("no engine renders the quickstart yet")
    case = (QUICKSTART, engines[0], False)
    r, rec = rendered(case), recording(case)
    model = r.stack.models[0].name
    urn = component_urn(rec, r, f"model/{model}")
    assert [e["model"] for e in rec.outputs[urn]["endpoints"]] == [e.model for e in r.endpoints if e.model == model]


# --- ordering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_custom_resources_depend_on_the_install_of_their_crd(case):
    r, rec = rendered(case), recording(case)
    for obj in r.objects:
        if not is_custom(obj):
            continue
        needed = [i.name for i in r.installs if any(provides(p, obj.group_kind) for p in i.provides)]
        closure = rec.closure(registration_for(rec, obj).urn)
        for name in needed:
            assert install_registration(rec, name).urn in closure, f"{obj.kind} {obj.name} does not wait for {name}"
        if not needed:  # only the cloud's own node-pool APIs may be assumed present
            assert obj.phase == "00-cluster", f"no install provides the CRD of {obj.group_kind} ({obj.name})"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_namespaced_resources_wait_for_their_namespace(case):
    r, rec = rendered(case), recording(case)
    namespaces = {o.name: registration_for(rec, o).urn for o in r.objects if o.kind == "Namespace"}
    for obj in r.objects:
        if obj.namespace in namespaces:
            assert namespaces[obj.namespace] in registration_for(rec, obj).dependencies
    for install in r.installs:
        if install.method == "helm" and install.namespace in namespaces:
            assert namespaces[install.namespace] in install_registration(rec, install.name).dependencies


@pytest.mark.parametrize("case", KIND_CASES, ids=case_id)
def test_on_kind_everything_depends_on_the_cluster_command(case):
    r, rec = rendered(case), recording(case)
    [cluster] = rec.of_type(COMMAND)
    assert yaml.safe_load(cluster.inputs["stdin"]) == r.kind_config  # the rendered kind config, as is
    assert cluster.inputs["triggers"] == [cluster.inputs["stdin"]]  # a changed config replaces the cluster
    assert cluster.inputs["environment"] == {"KIND_CLUSTER_NAME": r.stack.cluster_name}
    assert "kind create cluster" in cluster.inputs["create"] and "--config -" in cluster.inputs["create"]
    assert "kind delete cluster" in cluster.inputs["delete"]
    assert cluster.delete_before_replace
    assert cluster.parent == component_urn(rec, r, "cluster")
    [provider] = rec.of_type(PROVIDER)
    assert cluster.urn in provider.dependencies
    touching_the_cluster = objects_of(rec) + installs_of(rec)
    assert len(touching_the_cluster) == len(r.objects) + len(r.installs)
    for reg in touching_the_cluster:
        assert cluster.urn in rec.closure(reg.urn), f"{reg.type} {reg.name} does not wait for the kind cluster"
        assert reg.deleted_with == cluster.urn  # destroy deletes the cluster, not object by object


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_kubernetes_resource_uses_the_one_explicit_provider(case):
    rec = recording(case)
    [provider] = rec.of_type(PROVIDER)
    for reg in objects_of(rec) + rec.of_type(RELEASE):
        assert mock.provider_urn(reg.provider) == provider.urn
    for reg in rec.of_type(CONFIG_FILE):
        assert mock.provider_urn(reg.providers["kubernetes"]) == provider.urn


def test_workloads_wait_for_every_install_and_benchmarks_for_the_models():
    base = rendered((QUICKSTART, None, True))
    r = synthetic_engine_layer(base, "alpha")
    rec = mock.run(lambda: build(r), stack="swap")
    model = r.stack.models[0].name
    [workload] = [o for o in r.objects if o.kind == "Deployment" and o.component == f"model/{model}"]
    [platform] = [o for o in r.objects if o.kind == "ServingRuntime"]
    deps = set(registration_for(rec, workload).dependencies)
    assert {install_registration(rec, i.name).urn for i in r.installs} <= deps
    assert registration_for(rec, platform).urn in deps
    # the engine install waits for the CRD installs before it (Volcano), not the other way round
    engine_install = install_registration(rec, "alpha-controller")
    assert install_registration(rec, "volcano").urn in engine_install.dependencies
    assert engine_install.urn not in rec.closure(install_registration(rec, "volcano").urn)


# --- engine swap ---------------------------------------------------------------------------------


def shared_resources(rec: mock.Recording, components=("cluster", "gpu", "scheduling", "gateway")) -> dict[str, dict]:
    """URN -> inputs of everything under the given shared components."""
    shared_types = {COMPONENT_TYPES[k][0] for k in components}
    roots = {r.urn for r in rec.resources() if r.type in shared_types}
    by_urn = rec.by_urn()
    out = {}
    for reg in rec.resources():
        chain, parent = {reg.urn}, reg.parent
        while parent in by_urn:
            chain.add(parent)
            parent = by_urn[parent].parent
        if chain & roots:
            out[reg.urn] = reg.inputs
    return out


def namespace_urns(rec: mock.Recording) -> dict[str, str]:
    return {r.name: r.urn for r in objects_of(rec) if r.type == "kubernetes:core/v1:Namespace"}


def quickstart_with_gateway(engine: str, infrastructure_only: bool):
    """The quickstart with a generic gateway (so that the gateway base exists); None when the
    engine cannot use one or does not render yet."""
    doc = yaml.safe_load(QUICKSTART.read_text())
    doc["spec"]["gateway"]["implementation"] = "envoy-gateway"
    result = validate_text(yaml.safe_dump(doc), "quickstart-gateway.yaml", engine=engine)
    if not result.ok:
        return None
    try:
        return render_stack(result.stack, infrastructure_only=infrastructure_only)
    except RenderRefused:
        return None


def assert_same_shared_infrastructure(first: mock.Recording, second: mock.Recording, components, namespaces) -> None:
    shared_a, shared_b = shared_resources(first, components), shared_resources(second, components)
    assert shared_a.keys() == shared_b.keys(), "an engine swap would replace shared infrastructure"
    assert shared_a == shared_b, "an engine swap would update shared infrastructure"
    ns_a, ns_b = namespace_urns(first), namespace_urns(second)
    for name in namespaces:
        assert ns_a[name] == ns_b[name]


WITH_GATEWAY = ("cluster", "gpu", "scheduling", "gateway")
WITHOUT_GATEWAY = ("cluster", "gpu", "scheduling")
QUICKSTART_NAMESPACES = ("llm", "gpu-operator", "volcano-system")


def test_engine_swap_keeps_the_shared_infrastructure_urns():
    # an engine layer the way engines render one (install with a CRD group, namespace, CRs, workloads)
    base = quickstart_with_gateway("kserve", infrastructure_only=True)
    alpha = mock.run(lambda: build(synthetic_engine_layer(base, "alpha")), stack="swap")
    beta = mock.run(lambda: build(synthetic_engine_layer(base, "beta")), stack="swap")
    assert_same_shared_infrastructure(alpha, beta, WITH_GATEWAY, QUICKSTART_NAMESPACES + ("envoy-gateway-system",))
    assert len(shared_resources(alpha)) >= 15  # command, provider, 2 device-plugin/Volcano releases, CRs, gateway
    engine_urns = {r.urn for r in alpha.resources() if "alpha" in r.name}
    assert engine_urns and not engine_urns & {r.urn for r in beta.resources()}


def test_engine_swap_between_rendering_engines_keeps_the_shared_infrastructure_urns():
    engines = rendering_engines()
    if len(engines) < 2:
        pytest.skip(f"needs two engines that render the quickstart; renders today: {engines or 'none'}")
    runs = {e: recording((QUICKSTART, e, False)) for e in engines}
    for a, b in zip(engines, engines[1:], strict=False):
        assert_same_shared_infrastructure(runs[a], runs[b], WITHOUT_GATEWAY, QUICKSTART_NAMESPACES)
    gateway_renders = {e: quickstart_with_gateway(e, False) for e in engines}
    with_gateway = [e for e, r in gateway_renders.items() if r is not None]
    gateway_runs = {e: mock.run(lambda r=gateway_renders[e]: build(r), stack="swap") for e in with_gateway}
    for a, b in zip(with_gateway, with_gateway[1:], strict=False):
        assert_same_shared_infrastructure(gateway_runs[a], gateway_runs[b], WITH_GATEWAY,
                                          QUICKSTART_NAMESPACES + ("envoy-gateway-system",))


# --- stateful safety, secrets, Jobs ----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_retained_volumes_are_protected_and_kept_on_delete(case):
    r, rec = rendered(case), recording(case)
    retained_namespaces = {o.namespace for o in r.objects if o.retain}
    for obj in r.objects:
        reg = registration_for(rec, obj)
        if obj.retain:
            assert reg.protect and reg.retain_on_delete, f"{obj.kind} {obj.name} is not protected/retained"
        elif obj.kind == "Namespace" and obj.name in retained_namespaces:
            # deleting the namespace would delete the volume in it
            assert reg.retain_on_delete and not reg.protect
        else:
            assert not reg.protect and not reg.retain_on_delete


def test_the_eks_example_retains_its_model_cache():
    case = (EXAMPLES[[e.stem for e in EXAMPLES].index("eks-h100-pd")], None, True)
    r, rec = rendered(case), recording(case)
    [pvc] = [o for o in r.objects if o.kind == "PersistentVolumeClaim"]
    assert pvc.retain
    reg = registration_for(rec, pvc)
    assert reg.protect and reg.retain_on_delete


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_no_secret_carries_data(case):
    for reg in objects_of(recording(case)):
        if reg.type == "kubernetes:core/v1:Secret":
            assert not reg.inputs.get("data") and not reg.inputs.get("stringData")
            assert set(reg.additional_secret_outputs) >= {"data", "stringData"}


def test_a_secret_with_data_is_refused():
    r = copy.deepcopy(rendered((QUICKSTART, None, True)))
    r.objects.append(Obj({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hf", "namespace": "llm"},
                          "stringData": {"token": "hf_value"}}, "engine", "20-platform"))
    with pytest.raises(Exception) as info:
        mock.run(lambda: build(r), stack="secret")
    assert isinstance(info.value, SecretFromSpec) or "carries data" in str(info.value)


def test_jobs_get_a_create_timeout_beyond_their_deadline():
    r = copy.deepcopy(rendered((QUICKSTART, None, True)))
    r.objects.append(Obj({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "bench", "namespace": "llm"},
                          "spec": {"activeDeadlineSeconds": 3600, "template": {"spec": {"containers": []}}}},
                         "benchmark/smoke", "50-benchmarks"))
    rec = mock.run(lambda: build(r), stack="job")
    [job] = [x for x in objects_of(rec) if x.type == "kubernetes:batch/v1:Job"]
    assert job.custom_timeouts == {"create": "3900s"}


# --- providers ---------------------------------------------------------------------------------------


def test_existing_clusters_use_the_spec_cluster_name_as_context_unless_configured():
    case = (EXAMPLES[[e.stem for e in EXAMPLES].index("ome-sglang-pd")], None, True)
    r = rendered(case)
    [provider] = recording(case).of_type(PROVIDER)
    assert provider.inputs["context"] == r.stack.cluster_name == "lab"
    assert provider.inputs["clusterIdentifier"] == "lab"
    rec = mock.run(lambda: build(r, Options(kube_context="admin@lab")), stack="ctx")
    [provider] = rec.of_type(PROVIDER)
    assert provider.inputs["context"] == "admin@lab"


def test_cloud_clusters_without_a_context_warn_and_use_the_current_one():
    case = (EXAMPLES[[e.stem for e in EXAMPLES].index("eks-h100-pd")], None, True)
    rec = recording(case)
    [provider] = rec.of_type(PROVIDER)
    assert "context" not in provider.inputs
    assert any("inferstack:kubeContext is not set" in message for level, message in rec.log if level == "warning")
