"""Runner 2, the Pulumi CrossGuard pack: built from the same rules, testable without the Pulumi CLI
(constructing PolicyPack starts a gRPC server and blocks, so policies/__main__.py is run with it stubbed)."""

import runpy

import pytest
import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from inferstack.policy import POLICY_RULES
from inferstack.policy.crossguard import kubernetes_object, pack_arguments, policies, policy_name

from ..conftest import ROOT
from .harness import options, wire

PACK = ROOT / "policies"


def test_one_policy_per_rule_with_its_enforcement_level():
    built = {p.name: p for p in policies()}
    assert list(built) == [policy_name(r) for r in POLICY_RULES]
    for rule in POLICY_RULES:
        policy = built[policy_name(rule)]
        level = EnforcementLevel.MANDATORY if rule.severity == "mandatory" else EnforcementLevel.ADVISORY
        assert policy.enforcement_level == level
        kind = StackValidationPolicy if rule.cross_object else ResourceValidationPolicy
        assert isinstance(policy, kind), rule.id
        assert policy.description == rule.doc
        assert policy.config_schema.properties["scope"]["default"] == "inferstack"


def test_the_pack_entry_point_builds_the_pack(monkeypatch):
    import pulumi_policy

    built = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kw: built.update(kw))
    runpy.run_path(str(PACK / "__main__.py"), run_name="__main__")
    assert built["name"] == "inferstack"
    assert [p.name for p in built["policies"]] == [p.name for p in pack_arguments()["policies"]]


def test_the_pack_project_file_uses_the_repository_virtualenv():
    project = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert (PACK / project["runtime"]["options"]["virtualenv"]).resolve() == (ROOT / ".venv").resolve()
    assert "-e ..[policy]" in (PACK / "requirements.txt").read_text()


@pytest.mark.parametrize(("token", "api_version", "kind"), [
    ("kubernetes:core/v1:Pod", "v1", "Pod"),
    ("kubernetes:apps/v1:Deployment", "apps/v1", "Deployment"),
    ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "networking.k8s.io/v1", "NetworkPolicy"),
    ("kubernetes:serving.kserve.io/v1alpha2:LLMInferenceService", "serving.kserve.io/v1alpha2", "LLMInferenceService"),
])
def test_kubernetes_resources_are_objects(token, api_version, kind):
    obj = kubernetes_object(token, wire({"metadata": {"name": "x"}, "spec": {"replicas": 2}}))
    assert (obj["apiVersion"], obj["kind"], obj["spec"]["replicas"]) == (api_version, kind, 2)
    assert isinstance(obj["spec"]["replicas"], int)  # the wire format's floats are ints again


@pytest.mark.parametrize("token", ["kubernetes:helm.sh/v3:Release", "kubernetes:yaml/v2:ConfigFile",
                                   "kubernetes:kustomize/v2:Directory", "pulumi:providers:kubernetes",
                                   "command:local:Command", "inferstack:model:ModelServing"])
def test_other_resources_are_not_judged(token):
    assert kubernetes_object(token, wire({"metadata": {"name": "x"}})) is None


UNHARDENED = {"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": "p", "namespace": "llm", "labels": {"app.kubernetes.io/managed-by": "inferstack"}},
              "spec": {"containers": [{"name": "c", "image": "busybox:1.37.0", "resources": {"requests": {
                  "cpu": "10m", "memory": "16Mi"}}}]}}


def _policy(rule_id):
    return next(p for p in policies() if p.name.startswith(rule_id))


def test_a_resource_policy_reports_on_its_resource():
    got = []
    args = ResourceValidationArgs("kubernetes:core/v1:Pod", wire(UNHARDENED), "urn:x", "p", options(), None, {})
    _policy("POL011").validate(args, lambda msg, urn=None: got.append((msg, urn)))
    [(message, urn)] = got
    assert message.startswith("[POL011] Pod llm/p $.spec.containers[0].securityContext: container 'c' is not hardened")
    assert urn is None


def test_unknown_values_in_a_resource_reach_the_sdk():
    """The SDK turns UnknownValueError into an advisory 'cannot run during preview' diagnostic."""
    props = unknown_checking_proxy({**UNHARDENED, "spec": {"containers": [{"name": "c", "image": UNKNOWN_STRING_VALUE}]}})
    args = ResourceValidationArgs("kubernetes:core/v1:Pod", props, "urn:x", "p", options(), None, {})
    with pytest.raises(UnknownValueError):
        _policy("POL001").validate(args, lambda msg, urn=None: None)


def test_a_stack_policy_skips_resources_not_known_during_preview():
    known = PolicyResource("kubernetes:core/v1:Pod", wire({**UNHARDENED, "spec": {
        "hostNetwork": True, "automountServiceAccountToken": False, "containers": UNHARDENED["spec"]["containers"]}}),
        "urn:known", "p", options(), None, None, [], {})
    unknown = PolicyResource("kubernetes:core/v1:Namespace", unknown_checking_proxy(
        {"metadata": {"name": UNKNOWN_STRING_VALUE}}), "urn:unknown", "n", options(), None, None, [], {})
    got = []
    _policy("POL003").validate(StackValidationArgs([known, unknown], {}), lambda msg, urn=None: got.append(urn))
    assert got == ["urn:known"]
