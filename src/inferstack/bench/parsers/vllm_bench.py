"""`vllm bench serve --save-result` (and the older benchmarks/benchmark_serving.py).

One JSON object per run; `--append-result` writes one object per line (JSON Lines in a .json
file), e.g. a concurrency sweep. Latencies in ms (`mean_/median_/pNN_<metric>_ms`), `duration` in
seconds. Older files have no `failed` key (failed = num_prompts - completed), may spell the goodput
key `request_goodput:`, and write `request_rate` as the string "inf".
"""

from __future__ import annotations

import math
import re

from ..model import ParseError, Part, Stage, distribution, integer, number
from ..sources import Source

TOOL = "vllm-bench"
JOB_FILE = re.compile(r"stage-(?P<stage>\d+)-rate-[^/]*\.json$")  # what inferstack's Job writes
METRICS = {"ttft": "ttft", "tpot": "tpot", "itl": "itl", "e2e": "e2el"}


def _is_result(line: dict) -> bool:
    return "completed" in line and any(k.endswith("_ttft_ms") for k in line)


def detect(src: Source) -> bool:
    lines = src.json_lines
    return bool(lines) and all(_is_result(line) for line in lines)


def run_key(name: str) -> str:
    m = JOB_FILE.search(name)
    return name[: m.start()] if m else name


def _keys(metric: str) -> dict[str, str]:
    return {"mean": f"mean_{metric}_ms", "p50": f"median_{metric}_ms", "p90": f"p90_{metric}_ms",
            "p95": f"p95_{metric}_ms", "p99": f"p99_{metric}_ms"}


def _requested_rate(value) -> float | None:
    """The configured rate; "inf" (string or number) means no rate limit."""
    if value is None or value == "inf" or (isinstance(value, float) and math.isinf(value)):
        return None
    if isinstance(value, str):
        raise ParseError(f"request_rate: unexpected value {value!r}")
    return number(value, "request_rate")


def stage_from(line: dict, where: str) -> tuple[Stage, list[str]]:
    notes = []
    completed = integer(line["completed"], f"{where}.completed")
    prompts = integer(line.get("num_prompts"), f"{where}.num_prompts")
    if "failed" in line:
        failed = integer(line["failed"], f"{where}.failed")
    elif prompts is not None:
        failed = prompts - completed
        notes.append("vLLM result without a 'failed' key (older vLLM): failed = num_prompts - completed")
    else:
        failed = None
    rate = _requested_rate(line.get("request_rate"))
    concurrency = integer(line.get("max_concurrency"), f"{where}.max_concurrency")
    stage = Stage(
        requested_rate=rate,
        concurrency=concurrency,
        load_type="rate" if rate is not None else ("concurrency" if concurrency is not None else "max"),
        burstiness=number(line.get("burstiness"), f"{where}.burstiness"),
        duration=number(line.get("duration"), f"{where}.duration"),
        total=prompts if prompts is not None else (None if failed is None else completed + failed),
        ok=completed,
        failed=failed,
        latency={name: distribution(line, _keys(metric), 1, where) for name, metric in METRICS.items()},
        throughput={"requestsPerSecond": number(line.get("request_throughput"), f"{where}.request_throughput"),
                    "outputTokensPerSecond": number(line.get("output_throughput"), f"{where}.output_throughput"),
                    "totalTokensPerSecond": number(line.get("total_token_throughput"), f"{where}.total_token_throughput"),
                    "inputTokensPerSecond": None},
        tokens={"input": number(line.get("total_input_tokens")), "output": number(line.get("total_output_tokens"))},
    )
    goodput_key = "request_goodput" if "request_goodput" in line else "request_goodput:"
    if goodput_key == "request_goodput:" and goodput_key in line:
        notes.append("goodput key spelled 'request_goodput:' (a typo of vLLM at the time) read as request_goodput")
    if line.get(goodput_key) is not None:
        stage.native["request_goodput"] = number(line[goodput_key], goodput_key)
    return stage, notes


def parse(src: Source) -> list[Part]:
    lines = src.json_lines or []
    m = JOB_FILE.search(src.basename)
    part = Part(TOOL, src.label, run_key(src.name))
    for i, line in enumerate(lines):
        stage, notes = stage_from(line, f"line {i + 1}" if len(lines) > 1 else src.basename)
        if m and len(lines) == 1:
            stage.index = int(m["stage"])
        stage.order = (src.name, i)
        part.stages.append(stage)
        for n in notes:
            part.note(n)
        part.model = part.model or line.get("model_id")
        if line.get("backend"):
            part.labels["backend"] = str(line["backend"])
    if len(lines) > 1:
        part.note(f"{src.basename}: {len(lines)} results appended as JSON Lines, one stage each")
    return [part]
