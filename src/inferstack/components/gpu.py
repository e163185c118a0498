"""GPU device plugins: NVIDIA device plugin, GPU Operator, fake-gpu-operator (kind), AMD device plugin."""

from __future__ import annotations

from .. import versions
from ..accelerators import PRODUCTS
from ..render.context import RenderContext, pool_tolerations
from ..render.result import Install
from ..render.writer import safe_dump
from .cluster import SIMULATED_POOL_LABEL

COMPONENT = "gpu"

# GPU memory to report for simulated products the accelerator table does not know.
FALLBACK_GPU_MEMORY_MIB = 16384


def render(ctx: RenderContext) -> None:
    plugin = ctx.stack.device_plugin
    if plugin == "none":
        if ctx.stack.accelerator_pools:
            ctx.note("gpu: no device plugin is installed (GKE installs its own; on existing clusters it must already run)")
        return
    build = {
        "nvidia-device-plugin": _nvidia_device_plugin,
        "gpu-operator": _gpu_operator,
        "fake-gpu-operator": _fake_gpu_operator,
        "amd-device-plugin": _amd_device_plugin,
    }[plugin]
    ctx.install(build(ctx))


def _pool_tolerations(ctx: RenderContext) -> list[dict]:
    """Tolerate every taint of every accelerator pool (device plugins must run on them)."""
    seen, out = set(), []
    for pool in ctx.stack.accelerator_pools:
        for tol in pool_tolerations(pool):
            key = (tol["key"], tol["effect"])
            if key not in seen:
                seen.add(key)
                out.append({"key": tol["key"], "operator": "Exists", "effect": tol["effect"]})
    return out


def sharing_config(ctx: RenderContext) -> str | None:
    """The device plugin's sharing config file (time-slicing or MPS), as YAML text."""
    stack = ctx.stack
    if stack.sharing_mode == "none":
        return None
    key = "timeSlicing" if stack.sharing_mode == "time-slicing" else "mps"
    config = {
        "version": "v1",
        "sharing": {key: {"resources": [{"name": "nvidia.com/gpu", "replicas": stack.sharing_replicas}]}},
    }
    return safe_dump(config, sort_keys=False)


def _helm(name: str, chart_key: str, namespace: str, values: dict, provides: tuple[str, ...] = (), note=None) -> Install:
    chart = versions.chart(chart_key)
    return Install(name=name, component=COMPONENT, method="helm", version=chart["version"], namespace=namespace,
                   repo=chart["repo"], chart=chart["chart"], values=values, provides=provides, note=note)


def _nvidia_device_plugin(ctx: RenderContext) -> Install:
    values: dict = {"tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}] + _pool_tolerations(ctx)}
    config = sharing_config(ctx)
    if config:
        values["config"] = {"map": {"default": config}, "default": "default"}
    if ctx.stack.provider == "existing":
        # nodes inferstack did not label: let NFD/GFD find the GPUs the chart's affinity looks for
        values["nfd"] = {"enabled": True}
        values["gfd"] = {"enabled": True}
    return _helm("nvidia-device-plugin", "nvidia-device-plugin", "nvidia-device-plugin", values)


def _gpu_operator(ctx: RenderContext) -> Install:
    drivers_on_image = ctx.stack.provider in ("eks", "aks", "gke")
    values: dict = {
        "driver": {"enabled": not drivers_on_image},
        "daemonsets": {"tolerations": _pool_tolerations(ctx)},
        "dcgmExporter": {"serviceMonitor": {"enabled": ctx.stack.prometheus}},
    }
    config = sharing_config(ctx)
    if config:
        values["devicePlugin"] = {"config": {"create": True, "name": "inferstack-sharing", "default": "default",
                                             "data": {"default": config}}}
    return _helm("gpu-operator", "gpu-operator", "gpu-operator", values)


def fake_gpu_pools(ctx: RenderContext) -> dict:
    pools = {}
    for pool in ctx.stack.accelerator_pools:
        acc = pool.accelerator
        product = PRODUCTS.get(acc.product)
        pools[pool.name] = {
            "gpuProduct": product.gfd if product else acc.product,
            "gpuCount": acc.count_per_node,
            "gpuMemory": product.memory_mib if product else FALLBACK_GPU_MEMORY_MIB,
        }
    return pools


def _fake_gpu_operator(ctx: RenderContext) -> Install:
    values = {
        "topology": {"nodePools": fake_gpu_pools(ctx), "nodePoolLabelKey": SIMULATED_POOL_LABEL, "migStrategy": "none"},
    }
    return _helm("fake-gpu-operator", "fake-gpu-operator", "gpu-operator", values,
                 note="simulated GPUs: nodes labelled run.ai/simulated-gpu-node-pool advertise nvidia.com/gpu")


def _amd_device_plugin(ctx: RenderContext) -> Install:
    values = {
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}] + _pool_tolerations(ctx),
        "labeller": {"enabled": True},
    }
    return _helm("amd-device-plugin", "amd-gpu", "kube-amd-gpu", values)
