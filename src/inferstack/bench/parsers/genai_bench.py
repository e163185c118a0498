"""genai-bench: one JSON file per (traffic scenario, concurrency) run with `aggregated_metrics`, plus
one `experiment_metadata.json` per experiment folder (used for labels only).

Latencies in seconds (or `_time_unit`), percentiles p25..p99 (p50 is `p50`). TPOT excludes the
first token. Failures are `num_error_requests`; `error_rate` is never used (genai-bench computes it
before `num_requests` is known, so it can read 0 despite errors). Older files give
`requests_per_minute` instead of `requests_per_second`.
"""

from __future__ import annotations

import re

from ..model import MS_PER_SECOND, ParseError, Part, Stage, distribution, integer, number
from ..sources import Source

TOOL = "genai-bench"
KEYS = {"mean": "mean", "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99"}
TIME_UNITS = {"s": MS_PER_SECOND, "ms": 1}
RUN_FILE = re.compile(r"_(?:num_)?concurrency_\d+.*$")
# Scalar settings of the experiment (never `cmd` or `auth_config`: they can hold credentials).
METADATA_LABELS = ("benchmark_version", "api_backend", "model", "api_model_name", "task", "iteration_type",
                   "server_engine", "server_version", "server_gpu_type", "server_gpu_count", "max_time_per_run_s",
                   "max_requests_per_run")


def is_run(d) -> bool:
    return isinstance(d, dict) and isinstance(d.get("aggregated_metrics"), dict) and "stats" in d["aggregated_metrics"]


def is_metadata(d) -> bool:
    return (isinstance(d, dict) and "aggregated_metrics" not in d and "benchmark_version" in d
            and "traffic_scenario" in d and "num_concurrency" in d)


def detect(src: Source) -> bool:
    return is_run(src.json) or is_metadata(src.json)


def run_key(name: str) -> str:
    folder, _, base = name.rpartition("/")
    stem = RUN_FILE.sub("", base)
    return f"{folder}/{stem}" if folder else stem


def parse(src: Source) -> list[Part]:
    d = src.json
    if is_metadata(d):
        return [Part(TOOL, src.label, run_key(src.name), priority=-1, metadata=d)]
    a = d["aggregated_metrics"]
    unit = d.get("_time_unit", "s")
    if unit not in TIME_UNITS:
        raise ParseError(f"{src.label}: unknown _time_unit {unit!r}")
    factor = TIME_UNITS[unit]
    stats = a["stats"]
    part = Part(TOOL, src.label, run_key(src.name))
    latency = {"ttft": distribution(stats.get("ttft"), KEYS, factor, "stats.ttft"),
               "tpot": distribution(stats.get("tpot"), KEYS, factor, "stats.tpot"),
               "itl": None,
               "e2e": distribution(stats.get("e2e_latency"), KEYS, factor, "stats.e2e_latency"),
               "ntpot": None}
    native = {}
    if _placeholder_ttft(stats.get("ttft"), integer(a.get("num_completed_requests"))):
        part.note(f"every request has the same TTFT ({stats['ttft']['mean']} {unit}): genai-bench's placeholder for "
                  "non-streaming runs; TTFT and TPOT are not measured (left out; kept under native, in ms)")
        native = {"ttft": latency["ttft"], "tpot": latency["tpot"]}
        latency["ttft"] = latency["tpot"] = None
    rps = number(a.get("requests_per_second"), "requests_per_second")
    if rps is None and a.get("requests_per_minute") is not None:
        rps = number(a["requests_per_minute"], "requests_per_minute") / 60
    ok = integer(a.get("num_completed_requests"), "num_completed_requests")
    failed = integer(a.get("num_error_requests"), "num_error_requests")
    total = integer(a.get("num_requests"), "num_requests")
    concurrency = integer(a.get("num_concurrency"), "num_concurrency")
    stage = Stage(
        order=(concurrency if concurrency is not None else -1, src.name),
        concurrency=concurrency,
        load_type="concurrency" if concurrency is not None else None,
        duration=number(a.get("run_duration"), "run_duration"),
        total=total, ok=ok, failed=failed,
        errors={str(k): integer(v) for k, v in (a.get("error_codes_frequency") or {}).items()} or None,
        latency=latency,
        throughput={"requestsPerSecond": rps,
                    "outputTokensPerSecond": number(a.get("mean_output_throughput_tokens_per_s")),
                    "totalTokensPerSecond": number(a.get("mean_total_tokens_throughput_tokens_per_s")),
                    "inputTokensPerSecond": number(a.get("mean_input_throughput_tokens_per_s"))},
        tokens={"input": number((stats.get("num_input_tokens") or {}).get("sum")),
                "output": number((stats.get("num_output_tokens") or {}).get("sum"))},
        native=native,
    )
    part.stages.append(stage)
    if a.get("scenario"):
        part.labels["scenario"] = str(a["scenario"])
    if ok is not None and failed is not None and total is not None and ok + failed != total:
        part.note(f"num_completed_requests + num_error_requests ({ok + failed}) != num_requests ({total})")
    if a.get("error_rate") is not None and failed and total and a["error_rate"] != failed / total:
        part.note(f"error_rate as written ({a['error_rate']}) ignored: {failed} of {total} requests failed")
    records = d.get("individual_request_metrics")
    if isinstance(records, list) and total is not None and len(records) != total:
        part.note(f"individual_request_metrics holds {len(records)} of {total} requests (trimmed); "
                  "the aggregated metrics are used")
    return [part]


def _placeholder_ttft(ttft, completed: int | None) -> bool:
    if not isinstance(ttft, dict) or not completed or completed < 2:
        return False
    return ttft.get("stddev") == 0 and ttft.get("min") is not None and ttft.get("min") == ttft.get("max")


def labels_from_metadata(meta: dict, scenario: str | None) -> dict[str, str]:
    out = {f"genai-bench/{k}": str(meta[k]) for k in METADATA_LABELS if meta.get(k) not in (None, "")}
    if scenario:
        out["scenario"] = scenario
    return out


def metadata_matches(meta: dict, part: Part) -> bool:
    """Experiment metadata describes a run when it lists the run's scenario and concurrency."""
    scenario = part.labels.get("scenario")
    scenarios = meta.get("traffic_scenario") or []
    levels = meta.get("num_concurrency") or []
    concurrency_ok = all(s.concurrency in levels for s in part.stages if s.concurrency is not None)
    return scenario in scenarios and concurrency_ok
