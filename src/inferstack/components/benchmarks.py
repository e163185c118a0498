"""Benchmark Jobs (one per benchmarks[] entry) against the engine's recorded endpoint."""

from __future__ import annotations

from ..engines.base import EngineNotImplemented
from ..render.context import RenderContext


def render(ctx: RenderContext) -> None:
    raise EngineNotImplemented("benchmark jobs are not implemented yet; remove spec.benchmarks to render the stack")
