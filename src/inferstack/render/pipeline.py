"""The render pipeline: resolved Stack -> Rendered (installs, objects by phase, endpoints, summary).

Pure: no cluster, no network, no files. The same result feeds `render --out`, the Pulumi
program, `diff` and `compare`.
"""

from __future__ import annotations

from ..components import cluster, gateway, gpu, namespaces, network_policy, observability, scheduling
from ..engines import get_engine
from ..spec.model import Stack
from .context import RenderContext
from .result import PHASES, Rendered
from .summary import summarize


def render_stack(stack: Stack, engine: str | None = None, *, infrastructure_only: bool = False) -> Rendered:
    """Render every component of a validated stack. Raises EngineNotImplemented for unfinished engines.

    `infrastructure_only` renders the engine-independent layer alone (cluster, GPUs, scheduling,
    gateway base, namespaces, volumes): the part every engine shares.
    """
    if engine and engine != stack.engine:
        stack = stack.with_engine(engine)
    eng = get_engine(stack.engine)
    ctx = RenderContext(stack=stack, engine=eng)

    kind_config = cluster.render(ctx)
    gpu.render(ctx)
    scheduling.render(ctx)
    ctx.gateway_ref = gateway.render(ctx)
    if not infrastructure_only:
        eng.render_platform(ctx)
    namespaces.render_cache_volumes(ctx)
    if not infrastructure_only:
        for model in stack.models:
            eng.render_model(ctx, model)
            ctx.endpoints.extend(eng.endpoints(ctx, model))
        observability.render(ctx)
        _render_benchmarks(ctx)
    namespaces.render(ctx)
    network_policy.render(ctx)

    order = {p: i for i, p in enumerate(PHASES)}
    objects = sorted(ctx.objects, key=lambda o: order[o.phase])  # stable: keeps creation order within a phase
    rendered = Rendered(stack=stack, engine=stack.engine, installs=list(ctx.installs), objects=objects,
                        endpoints=list(ctx.endpoints), kind_config=kind_config, notes=list(ctx.notes))
    rendered.summary = summarize(rendered, eng)
    return rendered


def _render_benchmarks(ctx: RenderContext) -> None:
    if not ctx.stack.benchmarks:
        return
    from ..components import benchmarks  # noqa: PLC0415 - only stacks with benchmarks need it

    benchmarks.render(ctx)
