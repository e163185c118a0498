"""GuideLLM reports (`benchmarks.json`, or the same as YAML): the v0.3 layout (`benchmarks[].args`, `request_totals` per
benchmark) and the v2 layout (`metadata.version` 2: `config`, `benchmarks[].config`,
`metrics.request_totals`).

Every metric is a distribution with successful/errored/incomplete/total parts; the headline figures
are `successful`. `request_latency` is in seconds, the `*_ms` metrics in ms. GuideLLM's
`inter_token_latency_ms` is the per-request decode time per token excluding the first (= TPOT);
its `time_per_output_token_ms` includes the first token in v2 (= NTPOT) and divides by N instead of
N-1 in v0.3 (no normalised equivalent: kept under `native`).
"""

from __future__ import annotations

from ..model import MS_PER_SECOND, ParseError, Part, Stage, distribution, integer, number
from ..sources import Source

TOOL = "guidellm"
PERCENTILES = {"p90": "p90", "p95": "p95", "p99": "p99"}
OPEN_LOOP = ("constant", "poisson")


def detect(src: Source) -> bool:
    d = src.data
    if not (isinstance(d, dict) and isinstance(d.get("benchmarks"), list) and d["benchmarks"]):
        return False
    first = d["benchmarks"][0]
    return isinstance(first, dict) and isinstance(first.get("metrics"), dict) and (
        "time_to_first_token_ms" in first["metrics"] or "request_latency" in first["metrics"])


def run_key(name: str) -> str:
    return name  # one report holds the whole sweep


def successful(metric, factor: float, what: str) -> dict | None:
    """Normalised statistics of a metric's `successful` distribution (p50 = `median`)."""
    if not isinstance(metric, dict) or not isinstance(metric.get("successful"), dict):
        return None
    s = metric["successful"]
    flat = {"mean": s.get("mean"), "median": s.get("median"), **(s.get("percentiles") or {})}
    return distribution(flat, {"mean": "mean", "p50": "median", **PERCENTILES}, factor, f"{what}.successful")


def _mean(metric, what: str):
    if not isinstance(metric, dict) or not isinstance(metric.get("successful"), dict):
        return None
    return number(metric["successful"].get("mean"), f"{what}.successful.mean")


def _total(metric, what: str):
    if not isinstance(metric, dict) or not isinstance(metric.get("successful"), dict):
        return None
    return number(metric["successful"].get("total_sum"), f"{what}.successful.total_sum")


def load(strategy: dict) -> dict:
    kind = strategy.get("type_")
    if kind in OPEN_LOOP:
        return {"load_type": "rate", "requested_rate": number(strategy.get("rate"), "strategy.rate")}
    if kind == "synchronous":
        return {"load_type": "concurrency", "concurrency": 1}
    if kind == "concurrent":
        return {"load_type": "concurrency", "concurrency": integer(strategy.get("streams"), "strategy.streams")}
    if kind == "throughput":
        return {"load_type": "max"}
    return {}


def parse(src: Source) -> list[Part]:
    d = src.data
    v2 = (d.get("metadata") or {}).get("version", 1) >= 2
    part = Part(TOOL, src.label, run_key(src.name))
    part.tool_version = (d.get("metadata") or {}).get("guidellm_version")
    if not v2:
        part.note("GuideLLM v0.3 report: its time_per_output_token_ms divides by all output tokens and excludes "
                  "TTFT (no normalised equivalent); kept under native")
    for i, bench in enumerate(d["benchmarks"]):
        where = f"benchmarks.{i}"
        m = bench["metrics"]
        totals = m.get("request_totals") if v2 else bench.get("request_totals")
        if not isinstance(totals, dict):
            raise ParseError(f"{src.label}: {where} has no request_totals")
        errored = integer(totals.get("errored"), f"{where}.request_totals.errored") or 0
        incomplete = integer(totals.get("incomplete"), f"{where}.request_totals.incomplete") or 0
        strategy = ((bench.get("config") if v2 else bench.get("args")) or {}).get("strategy") or {}
        tpot_as_written = successful(m.get("time_per_output_token_ms"), 1, f"{where}.time_per_output_token_ms")
        stage = Stage(
            index=i,
            duration=number(bench.get("duration"), f"{where}.duration"),
            total=integer(totals.get("total"), f"{where}.request_totals.total"),
            ok=integer(totals.get("successful"), f"{where}.request_totals.successful"),
            failed=errored + incomplete,
            incomplete=incomplete,
            latency={"ttft": successful(m.get("time_to_first_token_ms"), 1, f"{where}.time_to_first_token_ms"),
                     "tpot": successful(m.get("inter_token_latency_ms"), 1, f"{where}.inter_token_latency_ms"),
                     "itl": None,
                     "e2e": successful(m.get("request_latency"), MS_PER_SECOND, f"{where}.request_latency"),
                     "ntpot": tpot_as_written if v2 else None},
            throughput={"requestsPerSecond": _mean(m.get("requests_per_second"), f"{where}.requests_per_second"),
                        "outputTokensPerSecond": _mean(m.get("output_tokens_per_second"), f"{where}.output_tokens_per_second"),
                        "totalTokensPerSecond": _mean(m.get("tokens_per_second"), f"{where}.tokens_per_second"),
                        "inputTokensPerSecond": _mean(m.get("prompt_tokens_per_second"), f"{where}.prompt_tokens_per_second")},
            tokens={"input": _total(m.get("prompt_token_count"), "prompt_token_count"),
                    "output": _total(m.get("output_token_count"), "output_token_count")},
            **load(strategy),
        )
        if not v2 and tpot_as_written:
            stage.native["time_per_output_token_ms"] = tpot_as_written
        part.stages.append(stage)
    backend = ((d.get("config") or {}).get("spec") or {}).get("backend") or {}
    worker = d["benchmarks"][0].get("worker") or {}
    part.model = backend.get("model") or worker.get("backend_model")
    return [part]
