"""Generated inputs for the benchmarks: the quickstart spec scaled to N models.

Every generated spec is valid for every engine: one GPU per model (one replica, tensor 1), a
simulated kind pool just large enough (at most 64 nodes of up to 16 GPUs), racks of four nodes
under one spine, and the quickstart's benchmark on the first model.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart-kind.yaml"
NODES_MAX, GPUS_PER_NODE_MAX = 64, 16


def quickstart() -> dict:
    return yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))


def scaled(models: int, *, replicas: int = 1, variant: str = "") -> dict:
    """The quickstart with `models` models (named m0000, m0001, ...), each `replicas` replicas of one GPU.

    `variant` changes what a reviewer would see in a diff: "head" bumps the replicas of every tenth
    model, changes the simulator arguments of every seventh, drops the last five models and adds five
    new ones; "relabel" changes the stack's label, which every object carries.
    """
    doc = quickstart()
    if variant == "relabel":
        doc["metadata"]["labels"]["team"] = "inference"
    spec = doc["spec"]
    template = spec["models"][0]
    names = [f"m{i:04d}" for i in range(models)]
    if variant == "head":
        names = names[:-5] + [f"n{i:04d}" for i in range(min(5, models))]
    spec["models"] = []
    for i, name in enumerate(names):
        model = copy.deepcopy(template)
        model["name"] = name
        model["replicas"] = replicas + (1 if variant == "head" and i % 10 == 0 else 0)
        if variant == "head" and i % 7 == 0:
            model["runtime"]["args"] = ["--max-num-seqs", "128"]
        spec["models"].append(model)
    gpus = sum(m["replicas"] for m in spec["models"])
    per_node = min(GPUS_PER_NODE_MAX, max(2, -(-gpus // NODES_MAX)))
    nodes = max(4, -(-gpus // per_node))
    if nodes > NODES_MAX:
        raise ValueError(f"{models} models x {replicas} replicas need {gpus} GPUs; one kind pool holds "
                         f"{NODES_MAX * GPUS_PER_NODE_MAX}")
    pool = spec["cluster"]["nodePools"][0]
    pool["nodes"] = nodes
    pool["accelerator"]["countPerNode"] = per_node
    pool["topology"]["rack"] = [f"rack-{i // 4}" for i in range(nodes)]
    spec["benchmarks"][0]["model"] = names[0]
    return doc


def scaled_text(models: int, **kwargs) -> str:
    return yaml.safe_dump(scaled(models, **kwargs), sort_keys=False)
