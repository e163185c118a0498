"""AIPerf exports: `profile_export_aiperf.json` (metrics under `records.<tag>` up to Oct 2025, at the
top level from schema 1.x), `profile_export_aiperf.csv` (the same aggregates rounded to 2 decimals,
several blank-line separated tables, CRLF) and `profile_export.jsonl` (one record per request).

Each metric carries its `unit` (latencies ms, duration sec). AIPerf's `inter_token_latency` is
(request_latency - ttft) / (osl - 1) per request, i.e. TPOT; its pooled chunk gap is
`inter_chunk_latency` (= ITL). `request_count` counts successful requests only; failures are
`error_request_count` (absent when zero). Output tokens include reasoning tokens.
"""

from __future__ import annotations

import re

from ..model import ParseError, Part, Stage, distribution, from_samples, integer, number
from ..sources import Source

TOOL = "aiperf"
KEYS = {"mean": "avg", "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99"}
UNITS_TO_MS = {"ms": 1, "sec": 1000, "s": 1000, "us": 1e-3, "ns": 1e-6}
LATENCY_TAGS = {"ttft": ("time_to_first_token", "ttft"), "tpot": ("inter_token_latency",),
                "itl": ("inter_chunk_latency",), "e2e": ("request_latency",)}
CSV_NAMES = {"Time to First Token": "ttft", "Inter Token Latency": "tpot", "Inter Chunk Latency": "itl",
             "Request Latency": "e2e"}
CSV_COLUMNS = {"mean": "avg", "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99"}
EXPORT_NAME = re.compile(r"profile_export(_aiperf)?\.(json|csv|jsonl)$")
PRIORITY = {"json": 3, "csv": 2, "jsonl": 1}


def _metrics(d) -> dict | None:
    """The tag -> metric mapping of an aggregate JSON export (either layout), or None."""
    if not isinstance(d, dict):
        return None
    records = d.get("records")
    if isinstance(records, list) and all(isinstance(r, dict) and "tag" in r for r in records):
        records = {r["tag"]: r for r in records}  # the same records, listed instead of keyed by tag
    if isinstance(records, dict) and any(t in records for t in ("request_latency", "ttft", "request_count")):
        return records
    if ("aiperf_version" in d or "schema_version" in d) and isinstance(d.get("request_latency"), dict):
        return d
    return None


def _is_csv(src: Source) -> bool:
    tables = src.csv_tables
    return bool(tables) and any(row and row[0].startswith(("Request Latency", "Time to First Token"))
                                for table in tables for row in table)


def _is_records(src: Source) -> bool:
    lines = src.json_lines
    return bool(lines) and all({"metadata", "metrics"} <= set(line) and "error" in line for line in lines)


def detect(src: Source) -> bool:
    return _metrics(src.json) is not None or _is_csv(src) or _is_records(src)


def run_key(name: str) -> str:
    m = EXPORT_NAME.search(name)
    return name[: m.start()] if m else name


def _factor(unit: str | None, what: str) -> float:
    if unit not in UNITS_TO_MS:
        raise ParseError(f"{what}: unknown time unit {unit!r}")
    return UNITS_TO_MS[unit]


def parse(src: Source) -> list[Part]:
    if _metrics(src.json) is not None:
        kind, part = "json", parse_json(src)
    elif _is_csv(src):
        kind, part = "csv", parse_csv(src)
    else:
        kind, part = "jsonl", parse_records(src)
    part.priority = PRIORITY[kind]
    return [part]


def _errors(summary) -> dict[str, int] | None:
    out: dict[str, int] = {}
    for item in summary or []:
        details = item.get("error_details") or {}
        key = " ".join(str(details[k]) for k in ("code", "type") if details.get(k) is not None) or "error"
        out[key] = out.get(key, 0) + (integer(item.get("count"), "error_summary.count") or 0)
    return out or None


def _load(config: dict) -> dict:
    """Concurrency or request rate of the profiling phase (new `phases`, old `loadgen`)."""
    phases = [p for p in config.get("phases") or [] if not p.get("exclude_from_results")]
    settings = phases[-1] if phases else config.get("loadgen") or {}
    rate = number(settings.get("rate", settings.get("request_rate")), "request rate")
    concurrency = integer(settings.get("concurrency"), "concurrency")
    load_type = "rate" if rate is not None else ("concurrency" if concurrency is not None else None)
    return {"requested_rate": rate, "concurrency": concurrency, "load_type": load_type}


def _model(config: dict) -> str | None:
    names = ((config.get("endpoint") or {}).get("model_names")
             or [m.get("name") for m in ((config.get("models") or {}).get("items") or [])])
    return names[0] if names else None


def _seconds(metric) -> float | None:
    if metric is None:
        return None
    v = number(metric.get("avg"), "benchmark_duration.avg")
    unit = metric.get("unit")
    return v if unit in ("sec", "s") or v is None else v * _factor(unit, "benchmark_duration") / 1000


def parse_json(src: Source) -> Part:
    d = src.json
    metrics = _metrics(d)

    def metric(*tags):
        return next((metrics[t] for t in tags if isinstance(metrics.get(t), dict)), None)

    def value(tag, what=None):
        m = metric(tag)
        return None if m is None else number(m.get("avg"), what or f"{tag}.avg")

    latency: dict = {"ntpot": None}
    for name, tags in LATENCY_TAGS.items():
        m = metric(*tags)
        latency[name] = distribution(m, KEYS, _factor(m.get("unit"), tags[0]), tags[0]) if m else None
    ok = integer(value("request_count"), "request_count.avg")
    failed = integer(value("error_request_count"), "error_request_count.avg") or 0
    duration = metric("benchmark_duration")
    part = Part(TOOL, src.label, run_key(src.name))
    config = d.get("input_config") or {}
    stage = Stage(
        index=0,
        duration=_seconds(duration),
        total=None if ok is None else ok + failed, ok=ok, failed=failed,
        errors=_errors(d.get("error_summary")),
        latency=latency,
        throughput={"requestsPerSecond": value("request_throughput"),
                    "outputTokensPerSecond": value("output_token_throughput"),
                    "totalTokensPerSecond": value("total_token_throughput"),
                    "inputTokensPerSecond": None},
        tokens={"input": value("total_isl"), "output": value("total_osl")},
        **_load(config),
    )
    part.stages.append(stage)
    part.tool_version = d.get("aiperf_version")
    if d.get("schema_version"):
        part.labels["aiperf/schema_version"] = str(d["schema_version"])
    part.model = _model(config)
    reasoning = value("total_reasoning_tokens")
    if reasoning:
        part.note(f"output tokens and output throughput include {reasoning:g} reasoning tokens (AIPerf's output sequence length)")
    if d.get("was_cancelled"):
        part.note("the AIPerf run was cancelled before it finished")
    return part


def _csv_rows(tables) -> tuple[dict[str, tuple[str | None, dict[str, str]]], dict[str, tuple[str | None, str]]]:
    """(statistics rows, Metric,Value rows), keyed by metric name without its "(unit)"."""
    stats: dict[str, tuple[str | None, dict[str, str]]] = {}
    values: dict[str, tuple[str | None, str]] = {}
    for table in tables:
        header = table[0]
        for row in table[1:]:
            m = re.match(r"^(?P<name>.*?)(?: \((?P<unit>[^()]*)\))?$", row[0])
            name, unit = m["name"], m["unit"]
            if header[:2] == ["Metric", "Value"]:
                values[name] = (unit, row[1])
            elif header[0] == "Metric":
                stats[name] = (unit, dict(zip(header[1:], row[1:], strict=False)))
    return stats, values


def parse_csv(src: Source) -> Part:
    stats, values = _csv_rows(src.csv_tables)

    def val(name):
        return float(values[name][1]) if name in values and values[name][1] != "" else None

    latency: dict = {"ttft": None, "tpot": None, "itl": None, "e2e": None, "ntpot": None}
    for name, key in CSV_NAMES.items():
        if name in stats:
            unit, cells = stats[name]
            flat = {col: float(cells[col]) for col in CSV_COLUMNS.values() if cells.get(col, "") != ""}
            latency[key] = distribution(flat, CSV_COLUMNS, _factor(unit, name), name)
    ok = integer(val("Request Count"), "Request Count")
    failed = integer(val("Error Request Count"), "Error Request Count") or 0
    part = Part(TOOL, src.label, run_key(src.name))
    part.stages.append(Stage(
        index=0,
        duration=val("Benchmark Duration"),
        total=None if ok is None else ok + failed, ok=ok, failed=failed,
        latency=latency,
        throughput={"requestsPerSecond": val("Request Throughput"),
                    "outputTokensPerSecond": val("Output Token Throughput"),
                    "totalTokensPerSecond": val("Total Token Throughput"),
                    "inputTokensPerSecond": None},
        tokens={"input": val("Total Input Sequence Length"), "output": val("Total Output Sequence Length")},
    ))
    part.note("AIPerf CSV export: figures rounded to 2 decimals; no load settings")
    return part


def parse_records(src: Source) -> Part:
    """AIPerf's formulas applied to its per-request records of the profiling phase."""
    records = [r for r in src.json_lines if (r.get("metadata") or {}).get("credit_phase", "profiling") == "profiling"]
    ok = [r for r in records if r.get("error") is None]
    errors: dict[str, int] = {}
    for r in records:
        if r.get("error") is not None:
            key = " ".join(str(r["error"][k]) for k in ("code", "type") if r["error"].get(k) is not None) or "error"
            errors[key] = errors.get(key, 0) + 1
    latency: dict = {"ntpot": None}
    for name, tags in LATENCY_TAGS.items():
        samples, unit = [], None
        for r in ok:
            m = next((r["metrics"][t] for t in tags if t in r["metrics"]), None)
            if m is None:
                continue
            unit = m.get("unit")
            samples += m["value"] if isinstance(m["value"], list) else [m["value"]]
        latency[name] = from_samples(samples, _factor(unit, tags[0])) if samples else None
    starts = [r["metrics"]["min_request_timestamp"]["value"] for r in ok if "min_request_timestamp" in r["metrics"]]
    ends = [r["metrics"]["max_response_timestamp"]["value"] for r in ok if "max_response_timestamp" in r["metrics"]]
    duration = (max(ends) - min(starts)) / 1e9 if starts and ends else None
    osl = sum(r["metrics"]["output_sequence_length"]["value"] for r in ok if "output_sequence_length" in r["metrics"])
    isl = sum(r["metrics"]["input_sequence_length"]["value"] for r in ok if "input_sequence_length" in r["metrics"])
    part = Part(TOOL, src.label, run_key(src.name))
    part.stages.append(Stage(
        index=0,
        duration=duration,
        total=len(records), ok=len(ok), failed=len(records) - len(ok), errors=errors or None,
        latency=latency,
        throughput={"requestsPerSecond": len(ok) / duration if duration else None,
                    "outputTokensPerSecond": osl / duration if duration else None,
                    "totalTokensPerSecond": (isl + osl) / duration if duration else None,
                    "inputTokensPerSecond": isl / duration if duration else None},
        tokens={"input": isl, "output": osl},
    ))
    part.note("figures derived from AIPerf's per-request records (linear-interpolation percentiles)")
    return part
