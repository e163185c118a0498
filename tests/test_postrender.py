"""Helm post-rendering: an install's merge patches applied to what its chart renders."""

import json
import subprocess

import pytest
import yaml

from inferstack.cli import main
from inferstack.errors import UsageError
from inferstack.render.postrender import apply_patches
from inferstack.render.result import ObjectPatch

CHART_OUTPUT = """---
apiVersion: v1
kind: Service
metadata: {name: kthena-router, namespace: kthena-system}
spec:
  type: LoadBalancer
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kthena-router, namespace: kthena-system}
spec: {replicas: 1}
"""
TO_CLUSTER_IP = ObjectPatch("v1", "Service", "kthena-router", {"spec": {"type": "ClusterIP"}}, "kthena-system")


def test_patch_applies_to_the_matching_object_only():
    docs = list(yaml.safe_load_all(apply_patches(CHART_OUTPUT, [TO_CLUSTER_IP])))
    assert docs[0]["spec"] == {"type": "ClusterIP", "ports": [{"port": 80, "targetPort": 8080}]}
    assert docs[1]["spec"] == {"replicas": 1}


def test_a_patch_that_matches_nothing_is_an_error():
    missing = ObjectPatch("v1", "ConfigMap", "kthena-router-config", {"data": {"x": "y"}}, "kthena-system")
    with pytest.raises(UsageError, match="rendered no ConfigMap kthena-system/kthena-router-config"):
        apply_patches(CHART_OUTPUT, [missing])


def test_cli_reads_the_plan_and_filters_stdin(tmp_path, monkeypatch, capsys):
    plan = tmp_path / "installs.yaml"
    plan.write_text(yaml.safe_dump({"installs": [{"name": "kthena", "patches": [TO_CLUSTER_IP.to_dict()]}]}))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(CHART_OUTPUT))
    assert main(["postrender", "--plan", str(plan), "--install", "kthena"]) == 0
    assert "type: ClusterIP" in capsys.readouterr().out
    assert main(["postrender", "--plan", str(plan), "--install", "volcano"]) == 2


def test_pulumi_writes_a_post_renderer_helm_can_run(tmp_path):
    from inferstack.pulumi.resources import postrender_executable
    from inferstack.render.result import Install

    install = Install("kthena", "engine", "helm", "v1.0.0", "kthena-system", "oci://x", "kthena", patches=(TO_CLUSTER_IP,))
    relative = postrender_executable(install, tmp_path)
    assert relative.startswith("./.inferstack/postrender/kthena-")
    assert postrender_executable(Install("v", "x", "helm", "1"), tmp_path) is None
    result = subprocess.run([str(tmp_path / relative)], input=CHART_OUTPUT, capture_output=True, text=True, check=True)
    assert "type: ClusterIP" in result.stdout
    assert json.loads((tmp_path / (relative + ".json")).read_text())[0]["mergePatch"] == {"spec": {"type": "ClusterIP"}}
