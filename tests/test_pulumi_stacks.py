"""The Pulumi project in stacks/ (one stack per example, the thin __main__, stack outputs), the
resource plan's ordering rules, and `inferstack preview`."""

import json
import re
import runpy

import pytest
import yaml

from inferstack.cli import main
from inferstack.pulumi import mock
from inferstack.pulumi.plan import ROOT, PlanError, build_plan
from inferstack.render.result import Install, Obj

from .conftest import EXAMPLES
from .pulumi_cases import QUICKSTART, STACKS, rendered, rendering_engines


def stack_files():
    return sorted(STACKS.glob("Pulumi.*.yaml"))


def stack_config(path):
    return yaml.safe_load(path.read_text())["config"]


# --- the project ---------------------------------------------------------------------------------


def test_the_project_runs_the_package_program_with_python():
    project = yaml.safe_load((STACKS / "Pulumi.yaml").read_text())
    assert project["name"] == "inferstack"
    assert project["runtime"]["name"] == "python"
    main_py = (STACKS / "__main__.py").read_text()
    assert "run_from_config" in main_py and len(main_py.splitlines()) < 15  # thin: the program lives in the package


def test_one_stack_per_example_and_quickstart_is_the_kind_quickstart():
    specs = {}
    for path in stack_files():
        config = stack_config(path)
        spec = (STACKS / config["inferstack:spec"]).resolve()
        assert spec.is_file(), f"{path.name}: {spec} does not exist"
        assert config["pulumi:disable-default-providers"] == ["kubernetes"]  # never the ambient default provider
        specs[path.name] = spec
    assert sorted(specs.values()) == sorted(e.resolve() for e in EXAMPLES)
    assert specs["Pulumi.quickstart.yaml"] == QUICKSTART.resolve()


def run_stack(path, **extra):
    config = {k: str(v) for k, v in stack_config(path).items() if k.startswith("inferstack:")}
    config.update(extra)
    name = path.name.split(".")[1]
    return mock.run(lambda: runpy.run_path(str(STACKS / "__main__.py")), stack=name, config=config)


@pytest.mark.parametrize("path", stack_files(), ids=lambda p: p.name.split(".")[1])
def test_every_stack_runs_under_mocks_and_exports_the_outputs(path):
    spec = (STACKS / stack_config(path)["inferstack:spec"]).resolve()
    full = rendered((spec, None, False)) if path.name == "Pulumi.quickstart.yaml" and rendering_engines() else None
    extra = {} if full is not None else {"inferstack:infrastructureOnly": "true"}
    rec = run_stack(path, **extra)
    outputs = rec.exports
    summary = rendered((spec, None, not full)).summary if full is None else full.summary
    assert outputs["engine"] == summary["engine"]
    assert outputs["endpoints"] == summary["endpoints"]
    assert outputs["gpus"] == summary["gpus"]
    assert outputs["versions"]["installs"] == summary["versions"]["installs"]
    assert outputs["versions"]["images"] == summary["versions"]["images"]
    assert outputs["secretsRequired"] == summary["secretsRequired"]
    if summary["cluster"]["provider"] == "kind":
        assert outputs["versions"]["kind"]["version"].startswith("v")
        assert "kubeconfig" in outputs  # secret; `pulumi stack output kubeconfig --show-secrets`


def test_the_engine_override_and_a_bad_spec_fail_clearly():
    path = STACKS / "Pulumi.quickstart.yaml"
    rec = run_stack(path, **{"inferstack:engine": "kserve", "inferstack:infrastructureOnly": "true"})
    assert rec.exports["engine"]["name"] == "kserve"
    with pytest.raises(Exception, match="unknown engine 'vllm'"):
        run_stack(path, **{"inferstack:engine": "vllm"})
    with pytest.raises(Exception, match="no such file"):
        run_stack(path, **{"inferstack:spec": "../examples/missing.yaml"})


def test_a_spec_the_engine_cannot_express_is_refused_with_its_diagnostics():
    path = STACKS / "Pulumi.eks-h100-pd.yaml"
    with pytest.raises(Exception, match=r"INF301.*disaggregation"):
        run_stack(path, **{"inferstack:engine": "llmaz"})


# --- the plan's ordering rules ------------------------------------------------------------------


def quickstart_infrastructure():
    return rendered((QUICKSTART, None, True))


def test_shared_installs_do_not_wait_for_each_other_but_engine_installs_wait_for_crds():
    import copy

    r = copy.deepcopy(quickstart_infrastructure())
    r.installs.append(Install(name="engine-a", component="engine", method="helm", version="1", namespace="llm",
                              repo="https://charts.example", chart="a", provides=("a.example/*",)))
    r.installs.append(Install(name="engine-b", component="engine", method="helm", version="1", namespace="llm",
                              repo="https://charts.example", chart="b"))
    plan = build_plan(r)
    deps = {s.name: set(s.depends_on) for s in plan.steps if s.install}
    assert deps["volcano"] == {"object/v1/Namespace//volcano-system"}  # not after the device plugin
    assert deps["fake-gpu-operator"] == {"object/v1/Namespace//gpu-operator"}
    assert "install/volcano" in deps["engine-a"]  # after the CRDs installed before it
    assert {"install/engine-a", "install/volcano"} <= deps["engine-b"]


def test_everything_on_kind_starts_from_the_cluster():
    plan = build_plan(quickstart_infrastructure())
    assert plan.root == ROOT
    for step in plan.steps:
        assert ROOT in plan.closure(step.key)


def test_custom_resources_wait_for_crd_objects_too():
    import copy

    r = copy.deepcopy(quickstart_infrastructure())
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.example.dev"},
           "spec": {"group": "example.dev", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced"}}
    r.objects.append(Obj(crd, "engine", "20-platform"))
    r.objects.append(Obj({"apiVersion": "example.dev/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "llm"}},
                         "engine", "20-platform"))
    plan = build_plan(r)
    widget = plan.step("object/example.dev/v1/Widget/llm/w")
    assert "object/apiextensions.k8s.io/v1/CustomResourceDefinition//widgets.example.dev" in widget.depends_on
    assert plan.prerequisite_kinds == []


def test_a_duplicate_object_is_a_plan_error():
    import copy

    r = copy.deepcopy(quickstart_infrastructure())
    r.objects.append(copy.deepcopy(r.objects[-1]))
    with pytest.raises(PlanError, match="rendered twice"):
        build_plan(r)


def test_cloud_node_pool_kinds_are_reported_as_prerequisites():
    eks = next(e for e in EXAMPLES if e.stem == "eks-h100-pd")
    plan = build_plan(rendered((eks, None, True)))
    assert plan.prerequisite_kinds == ["karpenter.k8s.aws/EC2NodeClass", "karpenter.sh/NodePool"]
    assert plan.root is None


# --- inferstack preview -----------------------------------------------------------------------------


def tree_rows(out: str) -> list[tuple[str, str, str]]:
    """(type without the tree prefix, name, depends-on) of every row of the resource tree."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TYPE"))
    rows = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", re.sub(r"^[│├└─ ]+", "", line).rstrip())
        rows.append((cells[0], cells[1], cells[2] if len(cells) > 2 else ""))
    return rows


def test_preview_prints_the_tree_with_dependencies_and_counts(capsys):
    assert main(["preview", "--infrastructure-only", str(QUICKSTART)]) == 0
    out = capsys.readouterr().out
    assert "stack quickstart, engine kthena, cluster kind (quickstart)" in out
    rows = tree_rows(out)
    assert rows[0] == ("inferstack:index:InferenceStack", "quickstart", "")
    deps = {(t, n): d for t, n, d in rows}
    assert deps[("pulumi:providers:kubernetes", "kubernetes")] == "Command kind-cluster"
    assert deps[("kubernetes:core/v1:Namespace", "llm")] == "Command kind-cluster"
    assert deps[("kubernetes:helm.sh/v3:Release", "volcano")] == "Namespace volcano-system"
    assert deps[("kubernetes:topology.volcano.sh/v1alpha1:HyperNode", "quickstart-rack-rack-a")] == "Release volcano"
    assert len(rows) == 16
    assert "16 resources: 5 components, 11 others" in out
    assert re.search(r"^\s+2\s+kubernetes:helm\.sh/v3:Release$", out, re.M)
    assert "installs: fake-gpu-operator 0.2.0, volcano 1.15.1" in out


def test_preview_flags_protected_volumes(capsys):
    eks = next(e for e in EXAMPLES if e.stem == "eks-h100-pd")
    assert main(["preview", "--infrastructure-only", str(eks)]) == 0
    out = capsys.readouterr().out
    [pvc] = [line for line in out.splitlines() if "PersistentVolumeClaim" in line and "─ " in line]
    assert pvc.endswith("[protect; retain on delete]")
    assert "karpenter.sh/NodePool" in out.split("expected in the cluster already", 1)[1]
    assert "warning: inferstack:kubeContext is not set" in out


def test_preview_json_lists_every_resource_with_parent_and_dependencies(capsys):
    assert main(["preview", "--infrastructure-only", "--engine", "kserve", "-o", "json", str(QUICKSTART)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["engine"] == "kserve"
    urns = {r["urn"] for r in data["resources"]}
    assert data["counts"]["total"] == len(data["resources"])
    for resource in data["resources"]:
        assert set(resource["dependsOn"]) <= urns
    gateway = next(r for r in data["resources"] if r["type"].endswith(":Gateway") and r["type"].startswith("kubernetes:"))
    assert gateway["parent"].endswith("inferstack:gateway:Gateway::gateway")
    assert data["outputs"]["engine"]["name"] == "kserve"


def test_preview_of_the_quickstart_works_or_names_the_missing_engine(capsys):
    code = main(["preview", str(QUICKSTART)])
    captured = capsys.readouterr()
    if "kthena" in rendering_engines():
        assert code == 0
        assert "endpoint qwen-small: http" in captured.out
    else:
        assert code == 1
        assert "Kthena model layer is not implemented" in captured.err and "--infrastructure-only" in captured.err


def test_preview_reports_an_invalid_spec_like_validate(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(QUICKSTART.read_text().replace("replicas: 2", "replica: 2"))
    assert main(["preview", str(bad)]) == 1
    assert "error[INF101]" in capsys.readouterr().out


def test_a_node_pool_object_whose_crd_the_stack_installs_waits_for_that_install():
    import copy

    eks = next(e for e in EXAMPLES if e.stem == "eks-h100-pd")
    r = copy.deepcopy(rendered((eks, None, True)))
    r.installs.append(Install(name="karpenter", component="cluster", method="helm", version="1.14.1",
                              namespace="kube-system", repo="oci://public.ecr.aws/karpenter", chart="karpenter",
                              provides=("karpenter.sh/*", "karpenter.k8s.aws/*")))
    plan = build_plan(r)
    [pool] = [s for s in plan.steps if s.obj is not None and s.obj.kind == "NodePool" and s.name == "eks-pd-h100"]
    assert "install/karpenter" in pool.depends_on
    assert plan.prerequisite_kinds == []
