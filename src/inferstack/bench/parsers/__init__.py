"""One module per benchmark tool. Each has TOOL, detect(source) -> bool (by content, never by file
name), run_key(name) -> str (files of one run share it) and parse(source) -> list[Part]."""

from __future__ import annotations

from types import ModuleType

from ..model import Part
from ..sources import Source
from . import aiperf, genai_bench, guidellm, inference_perf, llmd_report, vllm_bench

PARSERS: tuple[ModuleType, ...] = (inference_perf, vllm_bench, guidellm, genai_bench, aiperf, llmd_report)
BY_TOOL = {p.TOOL: p for p in PARSERS}


def detect(src: Source) -> ModuleType | None:
    """The parser whose format the source's content matches, or None."""
    for parser in PARSERS:
        if parser.detect(src):
            return parser
    return None


def parse(src: Source) -> list[Part]:
    """Parse one source with the parser its content calls for; [] when no tool's format matches."""
    parser = detect(src)
    return parser.parse(src) if parser else []
