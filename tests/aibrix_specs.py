"""Small AIBrix test specs and lookups shared by the engine's test modules."""

import copy

import yaml

from inferstack.components.gateway import envoy_service_name
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_text

from .conftest import EXAMPLES

BASE = {
    "apiVersion": "inferstack.dev/v1alpha1",
    "kind": "InferenceStack",
    "metadata": {"name": "t"},
    "spec": {
        "engine": "aibrix",
        "namespace": "llm",
        "cluster": {"provider": "kind", "nodePools": [
            {"name": "gpu", "nodes": 4, "accelerator": {"product": "H100-80GB", "countPerNode": 8, "simulated": True}},
        ]},
        "models": [{"name": "m", "source": {"uri": "hf://org/model", "revision": "abc"}, "runtime": {"name": "vllm"}}],
    },
}
GATEWAY = f"http://{envoy_service_name('aibrix-system', 'aibrix-eg')}.envoy-gateway-system.svc.cluster.local"


def spec(**model) -> dict:
    doc = copy.deepcopy(BASE)
    doc["spec"]["models"][0].update(model)
    return doc


def validate(doc: dict):
    return validate_text(yaml.safe_dump(doc), "t.yaml", engine="aibrix")


def render(doc: dict):
    result = validate(doc)
    assert result.ok, [str(d) for d in result.diagnostics]
    return render_stack(result.stack)


def errors(doc: dict) -> list[tuple[str, str]]:
    return [(d.rule, d.path) for d in validate(doc).diagnostics if d.severity == "error"]


def objects(rendered, kind: str) -> list[dict]:
    return [o.body for o in rendered.objects if o.kind == kind]


def one(rendered, kind: str) -> dict:
    [body] = objects(rendered, kind)
    return body


def example(name: str) -> dict:
    doc = yaml.safe_load(next(e for e in EXAMPLES if e.stem == name).read_text())
    doc["spec"]["benchmarks"] = []  # benchmark Jobs are rendered by the shared component, not the engine
    doc["spec"]["engine"] = "aibrix"
    return doc


def pd(**extra) -> dict:
    return spec(disaggregation={"prefill": {"replicas": 2, "parallelism": {"tensor": 1}},
                                "decode": {"replicas": 1, "parallelism": {"tensor": 2}}, "kvConnector": "nixl"}, **extra)


def multinode(**extra) -> dict:
    return spec(replicas=2, nodesPerReplica=2, parallelism={"tensor": 8, "pipeline": 2}, **extra)


def server(pod_spec: dict) -> dict:
    return next(c for c in pod_spec["containers"] if c["name"] == "server")


def roles_of(storm: dict) -> dict[str, dict]:
    return {r["name"]: r for r in storm["spec"]["template"]["spec"]["roles"]}



def volcano(doc: dict, topology: bool = False) -> dict:
    doc["spec"]["scheduling"] = {"scheduler": "volcano", "volcano": {"queue": {"name": "q", "weight": 1}}}
    if topology:
        doc["spec"]["cluster"]["nodePools"][0]["topology"] = {"rack": ["r1", "r1", "r2", "r2"]}
        doc["spec"]["scheduling"]["volcano"]["networkTopology"] = {"tiers": [{"name": "rack"}], "mode": "hard"}
    return doc
