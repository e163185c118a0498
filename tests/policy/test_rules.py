"""Rule behaviour the fixtures do not spell out: exemptions, edge cases, and no rule ever raising."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferstack.policy import POLICY_RULES, Context, Inventory
from inferstack.policy.rules import BY_ID

HARDENED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}}


def findings(rule_id, obj, *others, protected=None):
    ctx = Context(Inventory.of([obj, *others]), protected=protected)
    return list(BY_ID[rule_id].check(obj, ctx))


def deployment(pod_spec, namespace="llm", kind="Deployment", api_version="apps/v1"):
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": namespace},
            "spec": {"template": {"spec": pod_spec}}}


def ctr(**extra):
    return {"name": "c", "image": "example.com/app:v1", **extra}


# --- POL011 ---------------------------------------------------------------------------------------------------

def test_hardening_takes_the_pod_seccomp_profile_unless_the_container_overrides_it():
    pod_level = {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}
    sc = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["all"]}}
    assert findings("POL011", deployment({**pod_level, "containers": [ctr(securityContext=sc)]})) == []
    unconfined = {**sc, "seccompProfile": {"type": "Unconfined"}}
    [f] = findings("POL011", deployment({**pod_level, "containers": [ctr(securityContext=unconfined)]}))
    assert "seccompProfile.type: RuntimeDefault" in f.message


def test_hardening_leaves_privileged_containers_and_fragments_to_other_rules():
    obj = deployment({"containers": [ctr(securityContext={"privileged": True}), {"name": "patch"}]})
    assert findings("POL011", obj) == []


# --- POL013 ---------------------------------------------------------------------------------------------------

def test_controllers_that_assign_service_accounts_are_exempt():
    kserve = {"apiVersion": "serving.kserve.io/v1alpha2", "kind": "LLMInferenceService",
              "metadata": {"name": "m", "namespace": "llm"}, "spec": {"template": {"containers": [ctr()]}}}
    assert findings("POL013", kserve) == []
    ome = {"apiVersion": "ome.io/v1beta1", "kind": "ClusterServingRuntime", "metadata": {"name": "r"}, "spec": {
        "engineConfig": {"runner": ctr(args=["--port", "8080"])},
        "routerConfig": {"runner": ctr(name="router", args=["--port", "8080"])}}}
    assert [f.path for f in findings("POL013", ome)] == [("spec", "engineConfig", "automountServiceAccountToken")]


# --- POL006 / POL007 on presets ----------------------------------------------------------------------------------

def test_presets_are_judged_on_the_workloads_that_use_them():
    preset = {"apiVersion": "serving.kserve.io/v1alpha2", "kind": "LLMInferenceServiceConfig",
              "metadata": {"name": "p", "namespace": "llm"},
              "spec": {"template": {"containers": [ctr(image="vllm/vllm-openai:v0.11.0", securityContext=HARDENED)]}}}
    assert findings("POL006", preset) == [] and findings("POL007", preset) == []
    as_workload = dict(preset, apiVersion="serving.kserve.io/v1alpha2", kind="LLMInferenceService")
    assert [f.path[-1] for f in findings("POL006", as_workload)] == ["requests"]
    assert [f.path[-1] for f in findings("POL007", as_workload)] == ["readinessProbe"]


# --- POL010 ---------------------------------------------------------------------------------------------------

def policy(namespace="llm", **spec):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": namespace}, "spec": {"podSelector": {}, **spec}}


SERVER = deployment({"containers": [ctr(image="vllm/vllm-openai:v0.11.0", command=["vllm", "serve"])]})


def test_a_default_deny_is_an_empty_selector_with_ingress_and_no_rules():
    assert findings("POL010", SERVER, policy()) == []  # policyTypes absent: Ingress is implied
    assert findings("POL010", SERVER, policy(policyTypes=["Ingress", "Egress"])) == []
    assert findings("POL010", SERVER, policy(policyTypes=["Egress"])) != []
    assert findings("POL010", SERVER, policy(podSelector={"matchLabels": {"app": "x"}})) != []
    assert findings("POL010", SERVER, policy(namespace="other")) != []
    assert findings("POL010", SERVER, policy(ingress=[{"from": [{"podSelector": {}}]}])) != []


# --- POL003 ---------------------------------------------------------------------------------------------------

def test_host_access_in_cluster_scoped_templates_is_flagged():
    runtime = {"apiVersion": "ome.io/v1beta1", "kind": "ClusterServingRuntime", "metadata": {"name": "r"},
               "spec": {"engineConfig": {"runner": ctr(args=[]), "hostNetwork": True}}}
    [f] = findings("POL003", runtime)
    assert "cluster-scoped template" in f.message


# --- POL002 / POL005 / POL008 -----------------------------------------------------------------------------------

def test_fractional_gpus_are_flagged():
    obj = deployment({"containers": [ctr(resources={"limits": {"nvidia.com/gpu": "0.5"}})]})
    assert ["whole devices" in f.message for f in findings("POL002", obj)] == [True]


def test_references_and_secret_files_are_not_literal_credentials():
    env = [{"name": "HF_TOKEN", "value": "$(HUGGING_FACE_HUB_TOKEN)"}, {"name": "HF_TOKEN_FILE", "value": "/run/t"},
           {"name": "API_KEY", "value": ""}]
    assert findings("POL005", deployment({"containers": [ctr(env=env)]})) == []


def test_a_boolean_is_not_a_retry_bound():
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
           "spec": {"backoffLimit": True, "activeDeadlineSeconds": 60}}
    assert [f.path for f in findings("POL008", job)] == [("spec", "backoffLimit")]


# --- POL009 ---------------------------------------------------------------------------------------------------

def test_retained_volumes_must_be_protected_where_the_runner_knows():
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": "c", "labels": {"inferstack.dev/model": "m", "inferstack.dev/retain": "true"}}}
    assert findings("POL009", pvc) == [] and findings("POL009", pvc, protected=True) == []
    assert len(findings("POL009", pvc, protected=False)) == 1
    other = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"}}
    assert findings("POL009", other) == []


# --- no rule ever raises ----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["containers", "initContainers", "image", "name", "resources", "requests", "limits",
                         "securityContext", "capabilities", "add", "drop", "env", "value", "valueFrom", "volumes",
                         "hostPath", "ports", "hostPort", "rules", "verbs", "roleRef", "labels", "metadata",
                         "namespace", "spec", "template", "runner", "args", "command", "podSelector", "x"]),
        inner, max_size=4),
    max_leaves=25)
kinds = st.sampled_from([("v1", "Pod"), ("apps/v1", "Deployment"), ("batch/v1", "Job"), ("batch/v1", "CronJob"),
                         ("v1", "Namespace"), ("v1", "PersistentVolumeClaim"), ("networking.k8s.io/v1", "NetworkPolicy"),
                         ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
                         ("v1", "Secret"), ("example.com/v1", "Widget")])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(kinds, st.dictionaries(st.sampled_from(["metadata", "spec", "rules", "roleRef", "data"]), json_values, max_size=4))
def test_no_rule_raises_on_any_json_object(kind, body):
    obj = {"apiVersion": kind[0], "kind": kind[1], **body}
    ctx = Context(Inventory.of([obj]))
    for rule in POLICY_RULES:
        for f in rule.check(obj, ctx):
            assert isinstance(f.path, tuple) and f.message
