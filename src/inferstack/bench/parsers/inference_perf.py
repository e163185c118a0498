"""inference-perf reports: lifecycle reports (one per stage plus a summary), the server-side
Prometheus report, and the per-request records.

Units: seconds throughout the files (the docs' "ms" is wrong for the reports). p50 is `median`.
TPOT excludes the first token, ITL is the pooled gap distribution, NTPOT includes TTFT.
"""

from __future__ import annotations

import re

from ..model import MS_PER_SECOND, ParseError, Part, Stage, distribution, from_samples, integer, number
from ..sources import Source

TOOL = "inference-perf"
REPORT_NAME = re.compile(r"(stage_(?P<stage>\d+)|summary|per_request)_(lifecycle|prometheus)_metrics\.json$")
KEYS = {"mean": "mean", "p50": "median", "p90": "p90", "p95": "p95", "p99": "p99"}
LATENCY_FIELDS = {"ttft": "time_to_first_token", "tpot": "time_per_output_token", "itl": "inter_token_latency",
                  "e2e": "request_latency", "ntpot": "normalized_time_per_output_token"}
SERVER_NATIVE = ("queue_len", "kv_cache_usage_percentage", "num_requests_swapped", "num_preemptions_total",
                 "prefix_cache_hit_percent")


def _is_report(d) -> bool:
    return isinstance(d, dict) and isinstance(d.get("successes"), dict) and "load_summary" in d and "failures" in d


def _is_server_report(d: dict) -> bool:
    return "latency" not in d["successes"] and any(k in d["successes"] for k in ("time_to_first_token", "rate"))


def _is_per_request(d) -> bool:
    return (isinstance(d, list) and bool(d) and isinstance(d[0], dict)
            and {"start_time", "end_time", "info"} <= set(d[0]))


def detect(src: Source) -> bool:
    return _is_report(src.json) or _is_per_request(src.json)


def run_key(name: str) -> str:
    m = REPORT_NAME.search(name)
    return name[: m.start()] if m else name


def _stage_index(name: str) -> int | None:
    m = REPORT_NAME.search(name)
    return int(m["stage"]) if m and m["stage"] is not None else None


def parse(src: Source) -> list[Part]:
    d = src.json
    part = Part(TOOL, src.label, run_key(src.name))
    if _is_per_request(d):
        part.priority = 0  # the lifecycle reports, when present, are the tool's own aggregation
        part.stages.append(per_request_stage(d))
        part.note("figures derived from inference-perf's per-request records over the whole run "
                  "(linear-interpolation percentiles)")
        return [part]
    index = _stage_index(src.basename)
    if _is_server_report(d):
        part.side = "server"
        part.run_key += "#server"
        stage = server_stage(d)
    else:
        stage = lifecycle_stage(d, src.label)
    stage.index = index
    is_summary = "summary_" in src.basename or (index is None and stage.requested_rate is None)
    if is_summary:
        part.aggregate = stage
    else:
        part.stages.append(stage)
    return [part]


def lifecycle_stage(d: dict, label: str) -> Stage:
    load = d.get("load_summary") or {}
    successes, failures = d["successes"], d.get("failures") or {}
    latency = successes.get("latency") or {}
    throughput = successes.get("throughput") or {}
    if "count" not in successes:
        raise ParseError(f"{label}: inference-perf report without successes.count")
    stage = Stage(
        requested_rate=number(load.get("requested_rate"), "load_summary.requested_rate"),
        achieved_rate=number(load.get("achieved_rate"), "load_summary.achieved_rate"),
        concurrency=integer(load.get("concurrency"), "load_summary.concurrency"),
        duration=number(d.get("benchmark_time_seconds"), "benchmark_time_seconds"),
        total=integer(load.get("count"), "load_summary.count"),
        ok=integer(successes["count"], "successes.count"),
        failed=integer(failures.get("count"), "failures.count") if failures else 0,
        latency={name: distribution(latency.get(key), KEYS, MS_PER_SECOND, f"successes.latency.{key}")
                 for name, key in LATENCY_FIELDS.items()},
        throughput={"requestsPerSecond": number(throughput.get("requests_per_sec")),
                    "outputTokensPerSecond": number(throughput.get("output_tokens_per_sec")),
                    "totalTokensPerSecond": number(throughput.get("total_tokens_per_sec")),
                    "inputTokensPerSecond": number(throughput.get("input_tokens_per_sec"))},
    )
    stage.load_type = "concurrency" if stage.concurrency is not None else ("rate" if stage.requested_rate is not None else None)
    by_label = failures.get("by_label")
    if isinstance(by_label, dict) and by_label:
        stage.errors = {str(k): integer(v.get("count"), f"failures.by_label.{k}.count") or 0 for k, v in by_label.items()}
    prompt, output = successes.get("prompt_tokens"), successes.get("output_tokens")
    if isinstance(prompt, dict) or isinstance(output, dict):  # server usage totals (v0.5+)
        stage.tokens = {"input": number((prompt or {}).get("total")), "output": number((output or {}).get("total"))}
    return stage


def server_stage(d: dict) -> Stage:
    """The Prometheus report: what the model server's metrics saw (its own population of requests)."""
    s = d["successes"]
    failures = d.get("failures") or {}
    stage = Stage(
        ok=integer(s.get("count"), "successes.count"),
        failed=integer(failures.get("count"), "failures.count") if "count" in failures else None,
        latency={name: distribution(s.get(key), KEYS, MS_PER_SECOND, f"successes.{key}")
                 for name, key in LATENCY_FIELDS.items()},
        throughput={"requestsPerSecond": number(s.get("rate"), "successes.rate"),
                    "outputTokensPerSecond": number((s.get("output_len") or {}).get("rate"), "successes.output_len.rate"),
                    "totalTokensPerSecond": None,
                    "inputTokensPerSecond": number((s.get("prompt_len") or {}).get("rate"), "successes.prompt_len.rate")},
    )
    stage.native = {k: s[k] for k in SERVER_NATIVE if k in s}
    return stage


def per_request_stage(records: list[dict]) -> Stage:
    """inference-perf's own formulas applied to its per-request records."""
    ok = [r for r in records if r.get("error") is None]
    errors: dict[str, int] = {}
    for r in records:
        if r.get("error") is not None:
            kind = str((r["error"] or {}).get("error_type") or "error")
            errors[kind] = errors.get(kind, 0) + 1
    ttft, tpot, itl, e2e, ntpot = [], [], [], [], []
    input_tokens = output_tokens = 0
    for r in ok:
        metrics = (r.get("info") or {}).get("response_metrics") or {}
        times = metrics.get("output_token_times") or []
        tokens = metrics.get("output_tokens")
        tokens = len(times) if tokens is None else tokens
        start, end = r["start_time"], r["end_time"]
        e2e.append(end - start)
        if tokens:
            ntpot.append((end - start) / tokens)
        if len(times) > 1:
            ttft.append(times[0] - start)
            itl += [b - a for a, b in zip(times, times[1:], strict=False)]
        if tokens > 1 and times:
            tpot.append((times[-1] - times[0]) / (tokens - 1))
        output_tokens += tokens
        input_tokens += (r.get("info") or {}).get("input_tokens") or 0
    span = max(r["end_time"] for r in records) - min(r["start_time"] for r in records)
    per_second = (lambda v: v / span) if span > 0 else (lambda v: None)
    stage = Stage(
        duration=span,
        total=len(records), ok=len(ok), failed=len(records) - len(ok), errors=errors or None,
        latency={"ttft": from_samples(ttft, MS_PER_SECOND), "tpot": from_samples(tpot, MS_PER_SECOND),
                 "itl": from_samples(itl, MS_PER_SECOND), "e2e": from_samples(e2e, MS_PER_SECOND),
                 "ntpot": from_samples(ntpot, MS_PER_SECOND)},
        throughput={"requestsPerSecond": per_second(len(ok)), "outputTokensPerSecond": per_second(output_tokens),
                    "totalTokensPerSecond": per_second(input_tokens + output_tokens),
                    "inputTokensPerSecond": per_second(input_tokens)},
        tokens={"input": input_tokens, "output": output_tokens},
    )
    return stage
