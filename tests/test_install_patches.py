"""Install.patches: JSON merge patches (RFC 7386) on objects a chart renders, for settings it has no value for."""

from inferstack import versions
from inferstack.engines import ENGINE_NAMES
from inferstack.policy.objects import images
from inferstack.policy.rules import pin_problem
from inferstack.render.pipeline import render_stack
from inferstack.render.result import Install, ObjectPatch, merge_patch
from inferstack.spec.validate import validate_file

from .conftest import EXAMPLES

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


DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "router", "namespace": "sys", "labels": {"app.kubernetes.io/component": "router"},
                 "annotations": {"meta.helm.sh/release-name": "x"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app.kubernetes.io/component": "router"}},
        "template": {
            "metadata": {"labels": {"app.kubernetes.io/component": "router", "app.kubernetes.io/instance": "x"},
                         "annotations": {"prometheus.io/scrape": "true"}},
            "spec": {"containers": [{"name": "router", "image": "router:v1",
                                     "volumeMounts": [{"name": "config", "mountPath": "/etc/config/c.yaml", "subPath": "c"}]}],
                     "volumes": [{"name": "config", "configMap": {"name": "router-config"}}]},
        },
    },
}


def test_pod_template_annotation_patch_merges_into_a_deployment():
    patch = ObjectPatch("apps/v1", "Deployment", "router", {"spec": {"template": {"metadata": {"annotations": {"x/hash": "abc"}}}}},
                        "sys")
    patched = patch.apply(DEPLOYMENT)
    template = patched["spec"]["template"]
    assert template["metadata"] == {"labels": DEPLOYMENT["spec"]["template"]["metadata"]["labels"],
                                    "annotations": {"prometheus.io/scrape": "true", "x/hash": "abc"}}
    assert template["spec"] == DEPLOYMENT["spec"]["template"]["spec"]
    assert {k: v for k, v in patched["spec"].items() if k != "template"} == {"replicas": 2, "selector": DEPLOYMENT["spec"]["selector"]}
    assert patched["metadata"] == DEPLOYMENT["metadata"]
    # a pod template without annotations gets the map created, labels untouched
    bare = {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "template": {**DEPLOYMENT["spec"]["template"],
                                                                      "metadata": {"labels": {"a": "b"}}}}}
    assert patch.apply(bare)["spec"]["template"]["metadata"] == {"labels": {"a": "b"}, "annotations": {"x/hash": "abc"}}
    assert "x/hash" not in DEPLOYMENT["spec"]["template"]["metadata"]["annotations"]


# --- every render: what the patches may carry ------------------------------------------------------


def _renders():
    for example in EXAMPLES:
        for engine in ENGINE_NAMES:
            result = validate_file(str(example), engine=engine)
            if result.ok:
                yield f"{engine}-{example.stem}", render_stack(result.stack)


def test_patches_only_target_helm_releases_and_pin_every_image_they_set():
    """Only Helm releases are post-rendered (`inferstack postrender`, the Pulumi program's releases);
    a manifest bundle is applied from its URL as is, so a patch on one would be dropped silently.
    An image a patch writes follows POL001 like every rendered image."""
    patched = 0
    for name, rendered in _renders():
        for install in rendered.installs:
            if not install.patches:
                continue
            patched += 1
            assert install.method == "helm", f"{name}: {install.name} is a {install.method} install with patches"
            for patch in install.patches:
                for path, ref in images(patch.patch):
                    assert pin_problem(ref) is None, f"{name}: {install.name} patch sets {path} to {ref!r}"
    assert patched  # Kthena's router patches, at least


def test_every_image_of_the_version_catalogue_is_pinned():
    assert {key: ref for key, ref in versions.IMAGES.items() if pin_problem(ref)} == {}
