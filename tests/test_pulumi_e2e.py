"""End to end, opt-in (`pytest -m e2e`): `pulumi up` of the kind quickstart (simulated GPUs,
simulator runtime), a real request to the model endpoint, `pulumi destroy`.

Needs Docker (a reachable daemon), kind, kubectl and the Pulumi CLI; skips with the reason
otherwise. Everything stays in a temporary folder: a local Pulumi backend, a kubeconfig of its
own, and a kind cluster named inferstack-e2e (deleted at the end even when a step fails).
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from inferstack import versions
from inferstack.errors import RenderRefused
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_file

from .pulumi_cases import QUICKSTART, STACKS

pytestmark = pytest.mark.e2e

TOOLS = ("docker", "kind", "kubectl", "pulumi")
CLUSTER = "inferstack-e2e"
STACK = "e2e"
UP_TIMEOUT = 3600  # image pulls, Helm installs, model start-up and the quickstart's benchmark Job


def missing_prerequisite() -> str | None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"needs {', '.join(missing)} on PATH"
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "the Docker daemon is not reachable (`docker info` failed)"
    return None


@pytest.fixture(scope="module")
def prerequisites(request):
    if "e2e" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("opt-in: run with pytest -m e2e")
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    try:
        render_stack(validate_file(str(QUICKSTART)).stack)
    except RenderRefused as exc:
        pytest.skip(f"the quickstart does not render yet: {exc}")


def run(cmd, *, cwd, env, timeout=600, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {result.returncode}\n--- stdout\n{result.stdout[-6000:]}\n"
                    f"--- stderr\n{result.stderr[-6000:]}")
    return result


def project(tmp_path):
    """The stacks/ project in a scratch folder: this virtualenv, the quickstart with its own cluster name."""
    work = tmp_path / "stacks"
    work.mkdir()
    shutil.copy(STACKS / "__main__.py", work / "__main__.py")
    pulumi_yaml = yaml.safe_load((STACKS / "Pulumi.yaml").read_text())
    pulumi_yaml["runtime"]["options"]["virtualenv"] = sys.prefix
    (work / "Pulumi.yaml").write_text(yaml.safe_dump(pulumi_yaml, sort_keys=False))
    spec = yaml.safe_load(QUICKSTART.read_text())
    spec["spec"]["cluster"]["name"] = CLUSTER
    spec_path = tmp_path / "quickstart-e2e.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    config = {"config": {"pulumi:disable-default-providers": ["kubernetes"], "inferstack:spec": str(spec_path)}}
    (work / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = dict(os.environ)
    env.update({
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "inferstack-e2e",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "KUBECONFIG": str(tmp_path / "kubeconfig"),  # kind writes its context here, not to ~/.kube/config
    })
    (tmp_path / "state").mkdir()
    return work, env


def in_cluster_curl(kubeconfig, namespace, args, env, cwd) -> subprocess.CompletedProcess:
    """curl from a throwaway pod: the endpoint is an in-cluster URL."""
    pod = f"inferstack-e2e-curl-{int(time.time() * 1000) % 100000}"
    cmd = ["kubectl", "--kubeconfig", str(kubeconfig), "-n", namespace, "run", pod, "--image", versions.image("curl"),
           "--restart=Never", "--rm", "-i", "--quiet", "--command", "--", "curl", "-sS", "--fail", "--max-time", "60",
           *args]
    return run(cmd, cwd=cwd, env=env, timeout=300, check=False)


def test_kind_quickstart_up_call_destroy(prerequisites, tmp_path):
    work, env = project(tmp_path)
    run(["pulumi", "stack", "init", STACK, "--non-interactive"], cwd=work, env=env)
    try:
        run(["pulumi", "up", "--yes", "--non-interactive", "--stack", STACK], cwd=work, env=env, timeout=UP_TIMEOUT)
        outputs = json.loads(run(["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", STACK],
                                 cwd=work, env=env).stdout)
        kubeconfig = tmp_path / "stack-kubeconfig"
        kubeconfig.write_text(outputs["kubeconfig"])
        [(model, endpoint)] = outputs["endpoints"].items()
        headers = [a for k, v in endpoint["headers"].items() for a in ("-H", f"{k}: {v}")]
        base = endpoint["baseUrl"]

        namespace = outputs["namespace"]
        for _ in range(10):  # routes can lag behind ready pods for a few seconds
            answer = in_cluster_curl(kubeconfig, namespace, [*headers, f"{base}/v1/models"], env, work)
            if answer.returncode == 0:
                break
            time.sleep(15)
        else:
            pods = run(["kubectl", "--kubeconfig", str(kubeconfig), "-n", namespace, "get", "pods", "-o", "wide"],
                       cwd=work, env=env, check=False).stdout
            pytest.fail(f"GET {base}/v1/models never answered: {answer.stderr[-2000:]}\npods:\n{pods}")
        assert model in [m["id"] for m in json.loads(answer.stdout)["data"]]

        body = {"model": model, "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16}
        answer = in_cluster_curl(
            kubeconfig, namespace,
            [*headers, "-H", "Content-Type: application/json", "-d", json.dumps(body), endpoint["chatCompletions"]],
            env, work)
        assert answer.returncode == 0, answer.stderr
        reply = json.loads(answer.stdout)
        assert reply["choices"] and isinstance(reply["choices"][0]["message"]["content"], str)
    finally:
        run(["pulumi", "destroy", "--yes", "--non-interactive", "--stack", STACK], cwd=work, env=env,
            timeout=1800, check=False)
        run(["pulumi", "stack", "rm", "--yes", "--force", STACK], cwd=work, env=env, check=False)
        run(["kind", "delete", "cluster", "--name", CLUSTER], cwd=work, env=env, check=False)
