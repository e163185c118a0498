"""The model-cache volume's access mode and the StorageClass checks that follow from it (INF242,
INF504): one predicate (`Model.shares_cache`) decides both the PVC's access mode and the check."""

import copy

import pytest
import yaml

from inferstack.errors import has_errors
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_text
from inferstack.storage_classes import BLOCK_STORAGE_CLASSES, RWX_CHOICES

from .conftest import ROOT

QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart-kind.yaml").read_text())
EKS = yaml.safe_load((ROOT / "examples" / "eks-h100-pd.yaml").read_text())
AKS = yaml.safe_load((ROOT / "examples" / "aks-lora-autoscaling.yaml").read_text())
GKE = yaml.safe_load((ROOT / "examples" / "gke-multinode.yaml").read_text())
EXISTING = yaml.safe_load((ROOT / "examples" / "llmd-kv-aware-existing.yaml").read_text())


def with_model(doc, engine=None, **fields):
    doc = copy.deepcopy(doc)
    model = doc["spec"]["models"][0]
    for key, value in fields.items():
        if value is None:
            model.pop(key, None)
        else:
            model[key] = value
    if engine:
        doc["spec"]["engine"] = engine
    return validate_text(yaml.safe_dump(doc), "spec.yaml")


def diags(result, rule):
    return [(d.severity, d.path) for d in result.diagnostics if d.rule == rule]


# Quickstart model shapes (kind, kthena): which of them more than one pod mounts.
SHAPES = {
    "one pod": (dict(replicas=1), False),
    "two replicas": (dict(replicas=2), True),
    "two nodes per replica": (dict(replicas=1, nodesPerReplica=2, parallelism={"tensor": 2, "pipeline": 2}), True),
    "autoscaled": (dict(replicas=1, autoscaling={"minReplicas": 1, "maxReplicas": 2, "metric": "queue-depth"}), True),
    "prefill/decode": (dict(replicas=1, parallelism=None, routing={"strategy": "pd"},
                            disaggregation={"prefill": {"replicas": 1}, "decode": {"replicas": 1}}), True),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_the_check_and_the_rendered_claim_use_the_same_predicate(shape):
    fields, shared = SHAPES[shape]
    rendered = with_model(QUICKSTART, cache={"size": "10Gi", "storageClass": "nfs-client"}, **fields)
    assert [d.text() for d in rendered.diagnostics] == []
    [pvc] = [o.body for o in render_stack(rendered.stack, infrastructure_only=True).objects
             if o.kind == "PersistentVolumeClaim"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany" if shared else "ReadWriteOnce"]
    assert rendered.stack.models[0].cache_access_mode == pvc["spec"]["accessModes"][0]

    local_path = with_model(QUICKSTART, cache={"size": "10Gi", "storageClass": "standard"}, **fields)
    assert diags(local_path, "INF242") == ([("error", "$.spec.models[0].cache.storageClass")] if shared else [])


def test_the_eks_example_caches_on_efs():
    result = with_model(EKS)
    assert result.diagnostics == []
    [pvc] = [o.body for o in render_stack(result.stack, infrastructure_only=True).objects
             if o.kind == "PersistentVolumeClaim"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvc["spec"]["storageClassName"] == "efs-sc"


@pytest.mark.parametrize(("doc", "block", "rwx"), [
    (EKS, "gp3", "efs-sc"),
    (EKS, "gp2", "efs-sc"),
    (AKS, "managed-csi-premium", "azurefile-csi-premium"),
    (AKS, "default", "azurefile-csi"),
    (GKE, "standard-rwo", "standard-rwx"),
    (GKE, "premium-rwo", "enterprise-rwx"),
], ids=lambda v: v if isinstance(v, str) else v["spec"]["cluster"]["provider"])
def test_block_storage_classes_of_the_provider_are_refused_for_a_shared_cache(doc, block, rwx):
    engine = "llm-d" if doc is GKE else None  # kserve has no cache volume
    shared = with_model(doc, engine=engine, cache={"size": "10Gi", "storageClass": block})
    [(severity, path)] = diags(shared, "INF242")
    assert (severity, path) == ("error", "$.spec.models[0].cache.storageClass")
    assert diags(with_model(doc, engine=engine, cache={"size": "10Gi", "storageClass": rwx}), "INF242") == []


def test_a_single_pod_may_cache_on_block_storage():
    single = with_model(EXISTING, cache={"size": "10Gi"}, replicas=1)
    assert single.stack.models[0].cache_access_mode == "ReadWriteOnce"
    for doc, block in ((EKS, "gp3"), (QUICKSTART, "standard")):
        one = copy.deepcopy(doc)
        one["spec"]["models"][0].update(replicas=1, cache={"size": "10Gi", "storageClass": block})
        one["spec"]["models"][0].pop("disaggregation", None)
        one["spec"]["models"][0]["routing"] = {"strategy": "auto"}
        one["spec"]["models"][0].setdefault("parallelism", {"tensor": 1})
        result = validate_text(yaml.safe_dump(one), "spec.yaml")
        assert diags(result, "INF242") == [], [d.text() for d in result.diagnostics]


@pytest.mark.parametrize("doc", [EKS, AKS, GKE], ids=lambda d: d["spec"]["cluster"]["provider"])
def test_a_shared_cache_on_a_clouds_default_class_is_a_warning(doc):
    engine = "llm-d" if doc is GKE else None
    result = with_model(doc, engine=engine, cache={"size": "10Gi"})
    [warning] = [d for d in result.diagnostics if d.rule == "INF504"]
    assert (warning.severity, warning.path) == ("warning", "$.spec.models[0].cache")
    provider = doc["spec"]["cluster"]["provider"]
    assert RWX_CHOICES[provider] in warning.hint
    assert result.ok, "a warning does not fail validation"
    assert has_errors(result.diagnostics, strict=True), "--strict fails on it"
    assert diags(result, "INF242") == []


def test_kinds_default_class_is_known_so_a_shared_cache_without_a_class_is_an_error():
    result = with_model(QUICKSTART, cache={"size": "10Gi"})  # two replicas
    assert diags(result, "INF242") == [("error", "$.spec.models[0].cache")]
    assert diags(result, "INF504") == []
    assert "local-path" in result.diagnostics[0].message


def test_existing_clusters_classes_are_not_judged():
    for cache in ({"size": "10Gi"}, {"size": "10Gi", "storageClass": "gp3"}, {"size": "10Gi", "storageClass": "standard"}):
        result = with_model(EXISTING, cache=cache, replicas=2)
        assert result.stack.models[0].shares_cache
        assert diags(result, "INF242") == diags(result, "INF504") == []


def test_every_provider_with_block_classes_names_an_rwx_choice():
    for provider, classes in BLOCK_STORAGE_CLASSES.items():
        assert provider in RWX_CHOICES
        assert not any(name in RWX_CHOICES[provider].replace(",", " ").split() for name in classes), provider
