"""Install.patches: JSON merge patches (RFC 7386) on objects a chart renders, for settings it has no value for."""

from inferstack.render.result import Install, ObjectPatch, merge_patch

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "router", "namespace": "sys", "labels": {"a": "b"}},
           "spec": {"type": "LoadBalancer", "ports": [{"name": "http", "port": 80}], "selector": {"app": "router"}}}


def test_merge_patch_follows_rfc_7386():
    assert merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": [1]}) == {"a": 1, "b": {"d": 3, "e": 4}, "f": [1]}
    assert merge_patch({"l": [1, 2]}, {"l": [3]}) == {"l": [3]}  # lists are replaced, never merged
    assert merge_patch("scalar", {"a": 1}) == {"a": 1}
    assert merge_patch({"a": 1}, "replaced") == "replaced"


def test_patch_targets_one_object_and_leaves_the_input_alone():
    patch = ObjectPatch("v1", "Service", "router", {"spec": {"type": "ClusterIP"}}, "sys", "no load balancer")
    assert patch.matches(SERVICE)
    assert not patch.matches({**SERVICE, "kind": "ConfigMap"})
    assert not patch.matches({**SERVICE, "metadata": {"name": "router", "namespace": "other"}})
    assert ObjectPatch("v1", "Service", "router", {}).matches({**SERVICE, "metadata": {"name": "router"}})
    patched = patch.apply(SERVICE)
    assert patched["spec"] == {"type": "ClusterIP", "ports": [{"name": "http", "port": 80}], "selector": {"app": "router"}}
    assert patched["metadata"] == SERVICE["metadata"]
    assert SERVICE["spec"]["type"] == "LoadBalancer"


def test_install_plan_lists_patches_only_when_there_are_some():
    base = Install(name="x", component="engine", method="helm", version="1", namespace="sys", repo="oci://r", chart="x")
    assert "patches" not in base.to_dict()
    patch = ObjectPatch("v1", "Service", "router", {"spec": {"type": "ClusterIP"}}, "sys", "why")
    patched = Install(name="x", component="engine", method="helm", version="1", namespace="sys", repo="oci://r", chart="x",
                      patches=(patch,))
    assert patched.to_dict()["patches"] == [{
        "target": {"apiVersion": "v1", "kind": "Service", "name": "router", "namespace": "sys"},
        "mergePatch": {"spec": {"type": "ClusterIP"}},
        "reason": "why",
    }]
