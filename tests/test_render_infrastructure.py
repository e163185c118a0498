"""The engine-independent layer of every example: kind config, node pools, device plugin, Volcano,
gateway base, namespaces, volumes — pinned by golden files."""

import subprocess
import sys

import pytest
import yaml

from inferstack.render.pipeline import render_stack
from inferstack.render.writer import render_files
from inferstack.spec.validate import validate_file

from .conftest import EXAMPLES, ROOT
from .golden_files import GOLDEN, compare_or_update


def infra(example):
    return render_stack(validate_file(str(example)).stack, infrastructure_only=True)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_infrastructure_matches_golden(example, update_goldens):
    compare_or_update(render_files(infra(example)), GOLDEN / "infrastructure" / example.stem, update_goldens)


def quickstart():
    return infra(ROOT / "examples" / "quickstart-kind.yaml")


def test_kind_config_has_one_worker_per_pool_node_with_labels_and_taints():
    cfg = quickstart().kind_config
    assert cfg["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    roles = [n["role"] for n in cfg["nodes"]]
    assert roles == ["control-plane", "worker", "worker", "worker", "worker"]
    racks = [n["labels"]["topology.inferstack.dev/rack"] for n in cfg["nodes"][1:]]
    assert racks == ["rack-a", "rack-a", "rack-b", "rack-b"]
    for node in cfg["nodes"][1:]:
        assert node["labels"]["inferstack.dev/node-pool"] == "gpu"
        assert node["labels"]["run.ai/simulated-gpu-node-pool"] == "gpu"
        assert node["labels"]["nvidia.com/gpu.count"] == "2"
        assert node["image"].startswith("kindest/node:v1.34.0@sha256:")
        patch = yaml.safe_load(node["kubeadmConfigPatches"][0])
        assert patch["nodeRegistration"]["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]


def test_control_plane_runs_the_controllers_when_every_pool_is_tainted():
    rendered = quickstart()
    [patch] = rendered.kind_config["nodes"][0]["kubeadmConfigPatches"]
    assert yaml.safe_load(patch) == {"kind": "InitConfiguration", "nodeRegistration": {"taints": []}}
    assert any("control-plane node is left untainted" in n for n in rendered.notes)


def test_fake_gpu_operator_matches_the_simulated_pool():
    [install] = [i for i in quickstart().installs if i.name == "fake-gpu-operator"]
    assert install.values["topology"]["nodePools"] == {
        "gpu": {"gpuProduct": "NVIDIA-H100-80GB-HBM3", "gpuCount": 2, "gpuMemory": 81559}}
    assert install.values["topology"]["nodePoolLabelKey"] == "run.ai/simulated-gpu-node-pool"


def test_hypernode_tree_matches_the_declared_topology():
    objs = [o.body for o in quickstart().objects if o.kind == "HyperNode"]
    tree = {o["metadata"]["name"]: (o["spec"]["tier"], [m["selector"]["exactMatch"]["name"] for m in o["spec"]["members"]])
            for o in objs}
    assert tree == {
        "quickstart-rack-rack-a": (1, ["quickstart-worker", "quickstart-worker2"]),
        "quickstart-rack-rack-b": (1, ["quickstart-worker3", "quickstart-worker4"]),
        "quickstart-spine-spine-1": (2, ["quickstart-rack-rack-a", "quickstart-rack-rack-b"]),
    }
    for o in objs:  # one parent each
        members = [m for other in objs for m in other["spec"]["members"]
                   if m["type"] == "HyperNode" and m["selector"]["exactMatch"]["name"] == o["metadata"]["name"]]
        assert len(members) == (0 if o["spec"]["tier"] == 2 else 1)


def test_volcano_enables_the_topology_plugin_only_with_topology():
    [volcano] = [i for i in quickstart().installs if i.name == "volcano"]
    assert "network-topology-aware" in volcano.values["custom"]["scheduler_config_override"]


def test_label_discovery_on_clouds_lists_tiers_top_down():
    rendered = infra(ROOT / "examples" / "eks-h100-pd.yaml")
    [volcano] = [i for i in rendered.installs if i.name == "volcano"]
    types = volcano.values["custom"]["controller_config_override"]["networkTopologyDiscovery"][0]["config"]["networkTopologyTypes"]
    assert types == {"inferstack": [{"nodeLabel": "topology.k8s.aws/network-node-layer-2"},
                                    {"nodeLabel": "topology.k8s.aws/network-node-layer-3"},
                                    {"nodeLabel": "kubernetes.io/hostname"}]}
    assert not [o for o in rendered.objects if o.kind == "HyperNode"]


def test_karpenter_gpu_pool_limits_and_requirements():
    pools = {o.name: o.body for o in infra(ROOT / "examples" / "eks-h100-pd.yaml").objects if o.kind == "NodePool"}
    h100 = pools["eks-pd-h100"]["spec"]
    assert h100["limits"] == {"nodes": "2", "nvidia.com/gpu": "16"}
    assert {"key": "karpenter.k8s.aws/instance-gpu-name", "operator": "In", "values": ["h100"]} in h100["template"]["spec"]["requirements"]
    assert h100["disruption"]["consolidationPolicy"] == "WhenEmpty"
    assert h100["template"]["spec"]["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]


def test_renders_are_byte_identical_across_hash_seeds():
    code = ("import hashlib, glob; from inferstack.render.pipeline import render_stack; "
            "from inferstack.render.writer import render_files; from inferstack.spec.validate import validate_file\n"
            "h = hashlib.sha256()\n"
            "for f in sorted(glob.glob('examples/*.yaml')):\n"
            "    for k, v in sorted(render_files(render_stack(validate_file(f).stack, infrastructure_only=True)).items()):\n"
            "        h.update(k.encode()); h.update(v.encode())\n"
            "print(h.hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                              env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}, check=True).stdout
               for seed in ("0", "1", "12345")}
    assert len(digests) == 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_infrastructure_passes_check(example, crds):
    from inferstack.render.verify import check_rendered

    report = check_rendered(infra(example), str(crds))
    assert [d.text() for d in report.diagnostics] == []


def with_cpu_pool(example: str) -> str:
    """The example with a CPU pool that names no instance type (only accelerator pools must)."""
    doc = yaml.safe_load((ROOT / "examples" / f"{example}.yaml").read_text())
    doc["spec"]["cluster"]["nodePools"].insert(0, {"name": "cpu", "minNodes": 0, "maxNodes": 3})
    return yaml.safe_dump(doc)


@pytest.mark.parametrize("example", ["eks-h100-pd", "aks-lora-autoscaling"])
def test_karpenter_cpu_pool_without_instance_type_lets_karpenter_choose(example, crds):
    from inferstack.render.verify import check_rendered
    from inferstack.spec.validate import validate_text

    result = validate_text(with_cpu_pool(example), "cpu-pool.yaml")
    assert result.ok, result.diagnostics
    rendered = render_stack(result.stack, infrastructure_only=True)
    pool = next(o.body for o in rendered.objects if o.kind == "NodePool" and o.name.endswith("-cpu"))
    keys = [r["key"] for r in pool["spec"]["template"]["spec"]["requirements"]]
    assert keys == ["karpenter.sh/capacity-type"]
    assert check_rendered(rendered, str(crds)).ok


def test_gke_pool_without_instance_type_is_refused():
    from inferstack.spec.validate import validate_text

    result = validate_text(with_cpu_pool("gke-multinode"), "cpu-pool.yaml")
    assert [(d.rule, d.path) for d in result.diagnostics if d.severity == "error"] == \
        [("INF232", "$.spec.cluster.nodePools[0]")]
