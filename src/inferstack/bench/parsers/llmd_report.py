"""llm-d-benchmark's Benchmark Report (BR) v0.1 / v0.2 / v0.2.1 (YAML, or the same as JSON).

v0.1 keeps the aggregate under `metrics` (latencies with p10/p50/p90, throughput as plain
numbers); v0.2 under `results.request_performance.aggregate` (percentiles p0p1..p99p9, every
quantity with `units`). The `units` field is trusted: values are converted from what it says,
never rescaled on a guess (implausible values get a note). The BR copies each harness's own
semantics, so the TPOT/ITL mapping depends on the harness that produced it:

- inference-perf, vllm-bench (and unknown): time_per_output_token = TPOT, inter_token_latency = ITL;
- guidellm: inter_token_latency is GuideLLM's TPOT; time_per_output_token includes TTFT (NTPOT);
- aiperf: inter_token_latency is AIPerf's TPOT; `failures` counts error types, not requests.
"""

from __future__ import annotations

import re

from ..model import ParseError, Part, Stage, distribution, integer, number
from ..sources import Source

TOOL = "llm-d-benchmark-report"
KEYS = {"mean": "mean", "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99"}
LATENCY_UNITS = {"s": 1000, "ms": 1, "s/token": 1000, "ms/token": 1}
RATE_UNITS = ("queries/s", "tokens/s")
STAGE_NAME = re.compile(r"[._-]?stage_(?P<stage>\d+)")
ISO_DURATION = re.compile(r"^P(?:(?P<d>[\d.]+)D)?(?:T(?:(?P<h>[\d.]+)H)?(?:(?P<m>[\d.]+)M)?(?:(?P<s>[\d.]+)S)?)?$")
HARNESS_ALIASES = {"vllm-benchmark": "vllm-bench", "vllm": "vllm-bench", "vllm_benchmark": "vllm-bench"}


def _aggregate(d) -> tuple[str, dict] | None:
    if not isinstance(d, dict) or "version" not in d:
        return None
    version = str(d["version"])
    if version.startswith("0.1") and isinstance(d.get("metrics"), dict):
        return version, d["metrics"]
    agg = ((d.get("results") or {}).get("request_performance") or {}).get("aggregate")
    if version.startswith("0.2") and isinstance(agg, dict):
        return version, agg
    return None


def detect(src: Source) -> bool:
    return _aggregate(src.data) is not None


def run_key(name: str) -> str:
    return STAGE_NAME.sub("", name)


def _iso_seconds(text) -> float | None:
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return text
    m = ISO_DURATION.match(str(text))
    if not m:
        raise ParseError(f"run.time.duration: not an ISO-8601 duration: {text!r}")
    parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


def _harness(d: dict, v01: bool) -> tuple[str | None, str | None]:
    load = (d.get("scenario") or {}).get("load") or {}
    if v01:
        name, version = load.get("name"), None
    else:
        std = load.get("standardized") or {}
        name, version = std.get("tool"), std.get("tool_version")
    name = HARNESS_ALIASES.get(name, name) if name else None
    return name, None if version is None else str(version)


def _latency(block: dict | None, field: str, notes: list[str]) -> dict | None:
    stat = (block or {}).get(field)
    if not isinstance(stat, dict):
        return None
    units = stat.get("units")
    if units not in LATENCY_UNITS:
        notes.append(f"latency.{field}: unknown units {units!r}; left out")
        return None
    return distribution(stat, KEYS, LATENCY_UNITS[units], f"latency.{field}")


def _rate(block: dict | None, field: str, notes: list[str]):
    stat = (block or {}).get(field)
    if not isinstance(stat, dict):
        return None
    if stat.get("units") not in RATE_UNITS:
        notes.append(f"throughput.{field}: unknown units {stat.get('units')!r}; left out")
        return None
    return number(stat.get("mean"), f"throughput.{field}.mean")


def parse(src: Source) -> list[Part]:
    d = src.data
    version, agg = _aggregate(d)
    v01 = version.startswith("0.1")
    part = Part(TOOL, src.label, run_key(src.name), tool_version=version)
    harness, harness_version = _harness(d, v01)
    if harness:
        part.labels["harness"] = harness
    if harness_version:
        part.labels["harnessVersion"] = harness_version
    notes: list[str] = []
    lat = agg.get("latency") or {}
    fields = {"ttft": "time_to_first_token", "e2e": "request_latency"}
    if harness in ("guidellm", "aiperf"):
        fields.update(tpot="inter_token_latency", ntpot="time_per_output_token" if harness == "guidellm" else None)
        notes.append(f"harness {harness}: the report's inter_token_latency is {harness}'s per-request TPOT; no pooled ITL")
    else:
        fields.update(tpot="time_per_output_token", itl="inter_token_latency", ntpot="normalized_time_per_output_token")
        if harness is None:
            notes.append("the report does not name its harness: fields read as the BR schema defines them")
    latency = {name: _latency(lat, field, notes) if field else None for name, field in fields.items()}
    _flag_implausible(lat, notes)
    requests = agg.get("requests") or {}
    total = integer(requests.get("total"), "requests.total")
    failures = integer(requests.get("failures"), "requests.failures")
    incomplete = integer(requests.get("incomplete"), "requests.incomplete")
    failed = None if failures is None else failures + (incomplete or 0)
    if harness == "aiperf":
        notes.append("harness aiperf: the BR converter counts error types as failures and successes as total; "
                     "request counts undercount")
    stage = Stage(
        total=total,
        ok=None if total is None or failed is None else total - failed,
        failed=failed, incomplete=incomplete,
        latency=latency,
    )
    if v01:
        thr = agg.get("throughput") or {}
        stage.throughput = {"requestsPerSecond": number(thr.get("requests_per_sec")),
                            "outputTokensPerSecond": number(thr.get("output_tokens_per_sec")),
                            "totalTokensPerSecond": number(thr.get("total_tokens_per_sec")),
                            "inputTokensPerSecond": number(thr.get("input_tokens_per_sec"))}
        stage.duration = number(((d.get("metrics") or {}).get("time") or {}).get("duration"), "metrics.time.duration")
        part.model = ((d.get("scenario") or {}).get("model") or {}).get("name")
    else:
        thr = agg.get("throughput") or {}
        stage.throughput = {"requestsPerSecond": _rate(thr, "request_rate", notes),
                            "outputTokensPerSecond": _rate(thr, "output_token_rate", notes),
                            "totalTokensPerSecond": _rate(thr, "total_token_rate", notes),
                            "inputTokensPerSecond": _rate(thr, "input_token_rate", notes)}
        stage.duration = _iso_seconds(((d.get("run") or {}).get("time") or {}).get("duration"))
        std = ((d.get("scenario") or {}).get("load") or {}).get("standardized") or {}
        rate, concurrency = std.get("rate_qps"), std.get("concurrency")
        stage.requested_rate = number(rate, "rate_qps") if isinstance(rate, (int, float)) else None
        stage.concurrency = integer(concurrency, "concurrency") if isinstance(concurrency, int) else None
        stage.load_type = "rate" if stage.requested_rate is not None else ("concurrency" if stage.concurrency else None)
        if isinstance(std.get("stage"), int):
            stage.index = std["stage"]
        stacks = (d.get("scenario") or {}).get("stack") or []
        models = [((s.get("standardized") or {}).get("model") or {}).get("name") for s in stacks if isinstance(s, dict)]
        part.model = next((m for m in models if m), None)
        uid = (d.get("run") or {}).get("uid")
        if uid:
            part.labels["reportRunUid"] = str(uid)
    if stage.index is None:
        m = STAGE_NAME.search(src.basename)
        stage.index = int(m["stage"]) if m else None
    part.stages.append(stage)
    for n in notes:
        part.note(n)
    return [part]


def _flag_implausible(lat: dict, notes: list[str]) -> None:
    """A whole request answered in under 10 ms is not an LLM request: the file's units are suspect."""
    e2e = lat.get("request_latency") if isinstance(lat, dict) else None
    if isinstance(e2e, dict) and e2e.get("units") == "ms" and isinstance(e2e.get("mean"), (int, float)) and e2e["mean"] < 10:
        notes.append(f"latency units say ms but request_latency mean is {e2e['mean']} ms: the values look like seconds; "
                     "kept as the units say")
