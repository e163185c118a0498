"""inferstack diff, step by step: pairs of specs (or renders) pin the exact entries and risk flags."""

import copy
import subprocess
from types import MappingProxyType

import pytest
import yaml

from inferstack import versions
from inferstack.cli import main
from inferstack.diff import diff_renders
from inferstack.diff.compute import FieldChange
from inferstack.diff.output import format_json, format_markdown, format_text
from inferstack.render.pipeline import render_stack
from inferstack.render.result import Obj
from inferstack.spec.validate import validate_text

from .conftest import ROOT

QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart-kind.yaml").read_text())
EKS = yaml.safe_load((ROOT / "examples" / "eks-h100-pd.yaml").read_text())


def infra(doc, engine=None):
    result = validate_text(yaml.safe_dump(doc), "spec.yaml", engine=engine)
    assert result.ok, result.diagnostics
    return render_stack(result.stack, infrastructure_only=True)


def edited(doc, edit):
    doc = copy.deepcopy(doc)
    edit(doc["spec"])
    return doc


def risk_ids(diff):
    return [r.id for r in diff.risks]


def test_no_change_is_no_diff():
    d = diff_renders("q", infra(QUICKSTART), infra(QUICKSTART))
    assert not d.has_changes and d.risks == []


def test_engine_swap_keeps_shared_infrastructure():
    d = diff_renders("q", infra(QUICKSTART), infra(QUICKSTART, engine="llm-d"))
    assert d.objects == [] and d.installs == [] and d.kind_config == []
    assert [(s.name, s.old, s.new) for s in d.summary] == [("engine", "kthena", "llm-d")]
    assert risk_ids(d) == ["RISK301"]


def test_cache_volume_removed_is_flagged():
    base = infra(EKS)
    head = infra(edited(EKS, lambda s: s["models"][0].pop("cache")))
    d = diff_renders("eks", base, head)
    [removed] = d.objects
    assert (removed.action, removed.kind, removed.name) == ("remove", "PersistentVolumeClaim", "eks-pd-llama-70b-cache")
    assert risk_ids(d) == ["RISK101"]
    assert "retain" in d.risks[0].message


def test_immutable_field_on_a_volume_is_a_replacement_that_loses_data():
    head = infra(edited(EKS, lambda s: s["models"][0]["cache"].update(storageClass="efs-provisioned")))
    d = diff_renders("eks", infra(EKS), head)
    [pvc] = d.objects
    assert pvc.action == "replace" and pvc.immutable == ["spec.storageClassName"]
    assert pvc.fields == [FieldChange("$.spec.storageClassName", "efs-sc", "efs-provisioned")]
    assert risk_ids(d) == ["RISK102"]


def test_immutable_selector_change_is_flagged_as_replace():
    base = infra(QUICKSTART)
    head = infra(QUICKSTART)
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "m", "namespace": "llm"},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "a"}}}}
    base.objects.append(Obj(copy.deepcopy(deployment), "model/m", "30-models"))
    deployment["spec"]["selector"]["matchLabels"]["app"] = "b"
    deployment["spec"]["replicas"] = 3
    head.objects.append(Obj(deployment, "model/m", "30-models"))
    [change] = diff_renders("q", base, head).objects
    assert change.action == "replace" and change.immutable == ["spec.selector"]
    assert change.fields == [FieldChange("$.spec.replicas", 1, 3), FieldChange("$.spec.selector.matchLabels.app", "a", "b")]


def test_pool_growth_changes_capacity_and_recreates_the_kind_cluster():
    head = infra(edited(QUICKSTART, lambda s: s["cluster"]["nodePools"][0]["accelerator"].update(countPerNode=4)))
    d = diff_renders("q", infra(QUICKSTART), head)
    assert risk_ids(d) == ["RISK401", "RISK601"]
    assert FieldChange("$.nodes[1].labels['nvidia.com/gpu.count']", "2", "4") in d.kind_config
    [install] = d.installs
    assert install.fields == (FieldChange("$.values.topology.nodePools.gpu.gpuCount", 2, 4),)


def test_chart_version_bump_is_reported_and_flagged(monkeypatch):
    base = infra(QUICKSTART)
    charts = dict(versions.CHARTS)
    charts["volcano"] = dict(charts["volcano"], version="1.16.0")
    monkeypatch.setattr(versions, "CHARTS", MappingProxyType(charts))
    d = diff_renders("q", base, infra(QUICKSTART))
    [install] = d.installs
    assert (install.name, install.old_version, install.new_version) == ("volcano", "1.15.1", "1.16.0")
    assert risk_ids(d) == ["RISK501"]


def test_secret_values_and_tokens_never_print():
    base, head = infra(QUICKSTART), infra(QUICKSTART)
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "llm"},
              "stringData": {"HF_TOKEN": "old-secret-value"}}
    base.objects.append(Obj(copy.deepcopy(secret), "engine", "20-platform"))
    secret["stringData"]["HF_TOKEN"] = "new-secret-value"
    head.objects.append(Obj(secret, "engine", "20-platform"))
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "llm"},
           "spec": {"containers": [{"name": "c", "env": [{"name": "API_TOKEN", "value": "plain-before"}]}]}}
    base.objects.append(Obj(copy.deepcopy(pod), "engine", "20-platform"))
    pod["spec"]["containers"][0]["env"][0]["value"] = "hf_" + "a" * 34
    head.objects.append(Obj(pod, "engine", "20-platform"))
    d = diff_renders("q", base, head)
    rendered = format_text([d]) + format_markdown([d]) + format_json([d])
    for secret_text in ("old-secret-value", "new-secret-value", "plain-before", "hf_" + "a" * 34):
        assert secret_text not in rendered
    assert "<redacted sha256:" in rendered


def test_secret_reference_change_shows_names_not_values():
    head = infra(edited(EKS, lambda s: s["models"][0]["source"].update(tokenSecret={"name": "hf-token-2", "key": "token"})))
    d = diff_renders("eks", infra(EKS), head)
    assert all("hf-token" not in str(f) for o in d.objects for f in o.fields)  # infra layer carries no token


def test_spec_added_and_removed_sides():
    d = diff_renders("q", None, infra(QUICKSTART))
    assert d.counts()["add"] == len(infra(QUICKSTART).objects) and d.risks == []
    d = diff_renders("q", infra(QUICKSTART), None)
    assert d.counts()["remove"] == len(infra(QUICKSTART).objects)


def test_cli_exit_code_and_formats(tmp_path, capsys, monkeypatch):
    base = tmp_path / "base.yaml"
    head = tmp_path / "head.yaml"
    base.write_text(yaml.safe_dump(edited(QUICKSTART, lambda s: s.pop("benchmarks"))))
    head.write_text(yaml.safe_dump(edited(QUICKSTART, lambda s: s.pop("benchmarks"))))
    monkeypatch.setattr("inferstack.diff.render_stack", lambda stack: render_stack(stack, infrastructure_only=True))
    assert main(["diff", str(base), str(head), "--exit-code"]) == 0
    assert "no changes" in capsys.readouterr().out
    head.write_text(yaml.safe_dump(edited(QUICKSTART, lambda s: (s.pop("benchmarks"), s.update(namespace="llm2")))))
    assert main(["diff", str(base), str(head), "--exit-code", "-o", "json"]) == 1
    out = capsys.readouterr().out
    import json

    [d] = json.loads(out)
    assert "RISK302" in [r["id"] for r in d["risks"]]


def test_cli_reads_git_refs(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    spec = repo / "stack.yaml"
    spec.write_text(yaml.safe_dump(edited(QUICKSTART, lambda s: s.pop("benchmarks"))))

    def git(*args):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    spec.write_text(yaml.safe_dump(edited(QUICKSTART, lambda s: (s.pop("benchmarks"), s.update(namespace="llm2")))))
    (repo / "notes.yaml").write_text("a: 1\n")  # not a spec: ignored
    monkeypatch.chdir(repo)
    monkeypatch.setattr("inferstack.diff.render_stack", lambda stack: render_stack(stack, infrastructure_only=True))
    assert main(["diff", "HEAD:stack.yaml", "stack.yaml", "-o", "json"]) == 0
    assert main(["diff", "--base-ref", "HEAD", "-o", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "`stack.yaml`" in out and "RISK302" in out and "notes.yaml" not in out


def test_cli_reports_an_invalid_side(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: inferstack.dev/v1alpha1\nkind: InferenceStack\n")
    assert main(["diff", str(bad), str(bad)]) == 1
    assert "error[INF103]" in capsys.readouterr().out


def test_cli_usage_errors(capsys):
    assert main(["diff", "only-one.yaml"]) == 2
    assert main(["diff", "a", "b", "--base-ref", "HEAD"]) == 2


@pytest.mark.parametrize("group_kind", ["networking.serving.volcano.sh/ModelRoute", "gateway.networking.k8s.io/GatewayClass",
                                        "workload.serving.volcano.sh/ModelServing", "cloud.google.com/ComputeClass"])
def test_immutable_table_covers_crd_transition_rules(group_kind):
    from inferstack.diff.immutable import IMMUTABLE_FIELDS

    assert IMMUTABLE_FIELDS[group_kind]


def test_cli_reports_a_side_its_engine_refuses_to_render(tmp_path, capsys, monkeypatch):
    from inferstack.errors import RenderRefused

    def refuse(stack):
        raise RenderRefused("the benchmark cannot send the headers this endpoint needs")

    monkeypatch.setattr("inferstack.diff.render_stack", refuse)
    spec = ROOT / "examples" / "quickstart-kind.yaml"
    assert main(["diff", str(spec), str(spec)]) == 1
    err = capsys.readouterr().err
    assert "inferstack: error:" in err and "cannot send the headers" in err and "internal error" not in err
