"""The stack identity a benchmark run is attributed to.

At render time, each benchmark Job gets a `run.json` in its ConfigMap (`run_identity`); the verdict
step prints it in the log between `=== inferstack-run ===` markers, so a captured log carries the
engine, pinned versions, spec hash, GPUs and SLO of the run. Files without a log get the same
identity from `--spec SPEC --benchmark NAME` (rendered offline) and/or a render's `summary.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import UsageError

API_VERSION = "inferstack.dev/v1alpha1"
KIND = "BenchmarkRun"


def serving_gpus(stack, model) -> tuple[str | None, int, list[str]]:
    """(GPU product, GPUs serving the model at its configured replica count, notes)."""
    pool = stack.pool(model.node_pool)
    if not model.uses_gpus or not pool.accelerator:
        return None, 0, []
    notes = []
    if model.autoscaling:
        notes.append(f"model {model.name} autoscales between {model.autoscaling.min_replicas} and "
                     f"{model.autoscaling.max_replicas} replicas; gpuCount counts its {model.replicas} configured "
                     "replica(s), so cost figures assume no scale-out")
    if pool.accelerator.simulated:
        notes.append("the GPUs are simulated (kind): cost figures are illustrative only")
    return pool.accelerator.product, model.replicas * model.gpus_per_group, notes


def run_identity(stack, bench, engine, installs, image: str) -> dict[str, Any]:
    """What run.json holds for one benchmark of a rendered stack."""
    from ..render.summary import spec_hash

    model = stack.model(bench.base_model)
    gpu_type, gpu_count, notes = serving_gpus(stack, model)
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "stack": {
            "name": stack.name,
            "engine": engine.name,
            "engineVersion": engine.version,
            "specHash": spec_hash(stack.document),
            "versions": {i.name: i.version for i in installs},
            "gpuType": gpu_type,
            "gpuCount": gpu_count,
            "gpuHourlyCostUSD": bench.gpu_hourly_cost_usd,
        },
        "benchmark": {"name": bench.name, "model": bench.model, "servedBy": bench.base_model,
                      "tool": bench.tool, "image": image},
        "slo": {"ttftP95Ms": bench.slo.ttft_p95_ms, "tpotP95Ms": bench.slo.tpot_p95_ms,
                "maxErrorRate": bench.slo.max_error_rate},
        "notes": notes,
    }


def from_spec(path: str, benchmark: str, engine: str | None = None) -> dict[str, Any]:
    """The identity of one benchmark of a spec, rendered offline (as its Job would carry it)."""
    from .. import versions
    from ..engines import get_engine
    from ..errors import RenderRefused
    from ..render.pipeline import render_stack
    from ..spec.validate import read_spec, validate_text

    result = validate_text(read_spec(path), path, engine=engine)
    if not result.ok:
        raise UsageError(f"{path} is not a valid spec{f' for {engine}' if engine else ''}; "
                         f"run inferstack validate {path}")
    stack = result.stack.with_engine(engine) if engine else result.stack
    bench = next((b for b in stack.benchmarks if b.name == benchmark), None)
    if bench is None:
        names = ", ".join(b.name for b in stack.benchmarks) or "none"
        raise UsageError(f"{path} has no benchmark {benchmark!r} (benchmarks: {names})")
    notes = []
    try:
        installs = render_stack(stack).installs
    except RenderRefused as exc:
        installs = []
        notes.append(f"pinned control-plane versions unknown: the spec could not be rendered for {stack.engine} ({exc})")
    identity = run_identity(stack, bench, get_engine(stack.engine), installs, bench.image or versions.image(bench.tool))
    identity["notes"] += notes
    return identity


def from_summary(path: str) -> dict[str, Any]:
    """The stack half of an identity from a render's summary.json (no benchmark, no SLO)."""
    try:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a summary.json ({exc})") from None
    if not isinstance(summary, dict) or summary.get("kind") != "RenderSummary":
        raise UsageError(f"{path}: not a summary.json written by inferstack render (kind RenderSummary)")
    stack: dict[str, Any] = {
        "name": summary.get("stack"),
        "engine": (summary.get("engine") or {}).get("name"),
        "engineVersion": (summary.get("engine") or {}).get("version"),
        "specHash": summary.get("specHash"),
        "versions": dict((summary.get("versions") or {}).get("installs") or {}),
        "gpuType": None, "gpuCount": None, "gpuHourlyCostUSD": None,
    }
    notes = []
    pools = [p for p in ((summary.get("gpus") or {}).get("byPool") or {}).values() if p.get("requested")]
    if len(pools) == 1:
        stack["gpuType"], stack["gpuCount"] = pools[0].get("product"), pools[0].get("requested")
        notes.append("gpuCount from summary.json: every GPU requested on the pool (at maxReplicas when autoscaled)")
    return {"apiVersion": API_VERSION, "kind": KIND, "stack": stack, "benchmark": None, "slo": None, "notes": notes}


def merge(spec: dict | None, summary: dict | None) -> dict | None:
    """--spec and --summary together: the summary says what was deployed, the spec names the benchmark."""
    if not (spec and summary):
        return spec or summary
    merged = json.loads(json.dumps(spec))
    deployed = summary["stack"]
    for key in ("name", "engine", "engineVersion", "specHash", "versions"):
        if deployed.get(key) not in (None, {}):
            merged["stack"][key] = deployed[key]
    if spec["stack"]["specHash"] != deployed.get("specHash"):
        merged["notes"].append(f"summary.json specHash {deployed.get('specHash')} differs from the spec's "
                               f"{spec['stack']['specHash']}: the spec changed since the stack was rendered")
    if spec["stack"]["engine"] != deployed.get("engine"):
        merged["notes"].append(f"summary.json was rendered for {deployed.get('engine')}, the spec for "
                               f"{spec['stack']['engine']}: the summary's engine is used")
    return merged
