"""Parsers against the shared tool-output samples: every figure SOURCES.md lists, reproduced exactly
(after unit conversion) in the normalised document.

The figures are read from SOURCES.md itself; FIGURE_MAP below says where each figure lands in a
BenchmarkResult and how its unit converts. A figure without a mapping fails, so a figure added to
SOURCES.md cannot go untested.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
import yaml

from inferstack.bench import parsers
from inferstack.bench.collect import collect_documents
from inferstack.bench.schema import first_error
from inferstack.bench.sources import Source, walk

from .bench_sources import ABSENT, Figure, read_figures
from .conftest import bench_samples_dir

S = 1000  # seconds -> milliseconds
SAMPLES = bench_samples_dir()
FIGURES = read_figures(SAMPLES / "SOURCES.md") if SAMPLES and (SAMPLES / "SOURCES.md").is_file() else []

# Experiment metadata carries no metrics: it is collected together with a run it describes.
METADATA_RUNS = {
    "genai-bench/baseten-qwen3-30b_N2000-200_experiment_metadata.json":
        "genai-bench/baseten-qwen3-30b_N2000_200_200_20_text-to-text_num_concurrency_16_time_15s.json",
    "genai-bench/sgl-genai-bench-testfixture_experiment_metadata.json":
        "genai-bench/sgl-genai-bench-testfixture_D100_100_concurrency_1_TRIMMED.json",
}
TOOL_OF_FOLDER = {"inference-perf": "inference-perf", "vllm-bench-serve": "vllm-bench", "guidellm": "guidellm",
                  "genai-bench": "genai-bench", "aiperf": "aiperf", "llm-d-benchmark-report": "llm-d-benchmark-report"}


@cache
def document(file: str) -> dict:
    paths = [str(SAMPLES / file)] + ([str(SAMPLES / METADATA_RUNS[file])] if file in METADATA_RUNS else [])
    outcome = collect_documents(paths)
    assert not outcome.problems, outcome.problems
    [doc] = outcome.documents
    return doc


def get(doc: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(doc, list):
            doc = doc[int(key)]
        elif isinstance(doc, dict):
            doc = doc.get(key)
        else:
            return None
    return doc


def figures_of(fig: Figure) -> dict[str, Any]:
    """The other figures of the same file (and GuideLLM benchmark), by label."""
    return {f.label: f.value for f in FIGURES if f.file == fig.file and f.benchmark == fig.benchmark}


READ = object()


@dataclass
class Check:
    """The normalised document at `path` must equal `expected` (`actual` when it is not read from `path`)."""

    path: str
    expected: Any
    actual: Any = READ


def plain(stage: str, path: str, value: Any, factor: float = 1) -> list[Check]:
    """A figure that lands at one place, converted by `factor`; an absent figure stays null."""
    expected = None if value is ABSENT else (value * factor if factor != 1 and value is not None else value)
    return [Check(f"{stage}.{path}", expected)]


# --- inference-perf ------------------------------------------------------------------------------
IP_METRICS = {"time_to_first_token": "ttft", "time_per_output_token": "tpot", "inter_token_latency": "itl",
              "request_latency": "e2e", "normalized_time_per_output_token": "ntpot"}
STAT = {"mean": "mean", "median": "p50", "avg": "mean", "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99"}
IP_SIMPLE = {
    "load_summary.count": "requests.total", "successes.count": "requests.ok", "failures.count": "requests.failed",
    "load_summary.requested_rate": "load.requestedRate", "load_summary.achieved_rate": "load.achievedRate",
    "benchmark_time_seconds": "durationSeconds", "len($)": "requests.total",
    "successes.throughput.requests_per_sec": "throughput.requestsPerSecond", "successes.rate": "throughput.requestsPerSecond",
    "successes.throughput.output_tokens_per_sec": "throughput.outputTokensPerSecond",
    "successes.output_len.rate": "throughput.outputTokensPerSecond",
    "successes.throughput.total_tokens_per_sec": "throughput.totalTokensPerSecond",
    "sum($[*].info.response_metrics.output_tokens)": "tokens.output",
}


def inference_perf(fig: Figure, st: str) -> list[Check]:
    p, v = fig.path, fig.value
    if p in IP_SIMPLE:
        return plain(st, IP_SIMPLE[p], v)
    m = re.fullmatch(r"successes\.(?:latency\.)?(\w+)\.(mean|median|p\d+)", p)
    if m:
        return plain(st, f"latencyMs.{IP_METRICS[m[1]]}.{STAT[m[2]]}", v, S)
    if p == "failures":  # the server-side report counts no failures: unknown, not 0
        assert v == {}
        return [Check(f"{st}.requests.failed", None)]
    if p == "$[*].error":
        return plain(st, "requests.ok" if fig.label.startswith("successful") else "requests.failed", v)
    if p == "$[3].error.error_type":
        return [Check(f"{st}.requests.errorsByType.{v}", 1)]
    if p == "derived":
        metric = {"TTFT": "ttft", "TPOT": "tpot", "E2E": "e2e"}[fig.label.split()[0]]
        return plain(st, f"latencyMs.{metric}.mean", v, S)
    raise AssertionError(f"no mapping for inference-perf figure {p!r}")


# --- vllm bench serve ------------------------------------------------------------------------------
VLLM_SIMPLE = {
    "num_prompts": "requests.total", "completed": "requests.ok", "num_prompts - completed": "requests.failed",
    "failed (derived = num_prompts - completed)": "requests.failed", "max_concurrency": "load.concurrency",
    "burstiness": "load.burstiness", "duration": "durationSeconds",
    "request_throughput": "throughput.requestsPerSecond", "output_throughput": "throughput.outputTokensPerSecond",
    "total_token_throughput": "throughput.totalTokensPerSecond",
}
VLLM_METRIC = {"ttft": "ttft", "tpot": "tpot", "itl": "itl", "e2el": "e2e"}


def vllm(fig: Figure, st: str, figs: dict, doc: dict) -> list[Check]:
    p, v = fig.path, fig.value
    if p in VLLM_SIMPLE:
        return plain(st, VLLM_SIMPLE[p], v)
    if p == "request_rate":
        if v == "inf":  # no rate limit: concurrency-driven (or as fast as possible)
            concurrency = get(doc, f"{st}.load.concurrency")
            return [Check(f"{st}.load.requestedRate", None),
                    Check(f"{st}.load.type", "concurrency" if concurrency else "max")]
        return plain(st, "load.requestedRate", v) + [Check(f"{st}.load.type", "rate")]
    m = re.fullmatch(r"(mean|median|p\d+)_(ttft|tpot|itl|e2el)_ms", p)
    if m:
        return plain(st, f"latencyMs.{VLLM_METRIC[m[2]]}.{STAT[m[1]]}", v)
    raise AssertionError(f"no mapping for vLLM figure {p!r}")


# --- genai-bench ----------------------------------------------------------------------------------
GENAI_SIMPLE = {
    "num_concurrency": "load.concurrency", "run_duration": "durationSeconds", "num_requests": "requests.total",
    "num_completed_requests": "requests.ok", "num_error_requests": "requests.failed",
    "requests_per_second": "throughput.requestsPerSecond",
    "mean_output_throughput_tokens_per_s": "throughput.outputTokensPerSecond",
    "mean_total_tokens_throughput_tokens_per_s": "throughput.totalTokensPerSecond",
}
GENAI_METRIC = {"ttft": "ttft", "tpot": "tpot", "e2e_latency": "e2e"}
GENAI_PLACEHOLDER_TTFT = {  # non-streaming run: TTFT is a constant placeholder, TPOT is not a decode time
    "genai-bench/baseten-gptoss120b-trtllm_D8000_700_text-to-text_num_concurrency_1_time_120s_with-errors.json"}


def genai_bench(fig: Figure, st: str, figs: dict, doc: dict) -> list[Check]:
    p, v = fig.path.removeprefix("aggregated_metrics."), fig.value
    if "experiment_metadata" in fig.file:
        return genai_metadata(fig, st, doc)
    if p == "requests_per_second" and v is ABSENT:  # older files: per minute
        return [Check(f"{st}.throughput.requestsPerSecond", figs["requests_per_minute (older files)"] / 60)]
    if p in GENAI_SIMPLE:
        return plain(st, GENAI_SIMPLE[p], v)
    if p == "scenario":
        return [Check("run.labels.scenario", v)]
    if p == "error_codes_frequency":
        return [Check(f"{st}.requests.errorsByType", v or None)]
    if p == "error_rate":  # never trusted: the rate comes from the counts
        failed, total = figs["num_error_requests (failed)"], figs["num_requests (total)"]
        return [Check(f"{st}.requests.errorRate", failed / total)]
    m = re.fullmatch(r"stats\.(\w+)\.(mean|p\d+)", p)
    if m:
        metric = GENAI_METRIC[m[1]]
        if fig.file in GENAI_PLACEHOLDER_TTFT and metric in ("ttft", "tpot"):
            return plain(st, f"native.{metric}.{STAT[m[2]]}", v, S) + [Check(f"{st}.latencyMs.{metric}", None)]
        return plain(st, f"latencyMs.{metric}.{STAT[m[2]]}", v, S)
    if p == "requests_per_minute":
        if v is ABSENT:
            return [Check(f"{st}.throughput.requestsPerSecond", figs["request throughput (req/s)"])]
        return [Check(f"{st}.throughput.requestsPerSecond", v / 60)]
    total = figs["num_requests (total)"]
    if p == "len(individual_request_metrics)":
        trimmed = [n for n in get(doc, "run.notes") if "individual_request_metrics holds" in n]
        expected = [] if v == total else [f"individual_request_metrics holds {v} of {total} requests (trimmed); "
                                          "the aggregated metrics are used"]
        return [Check("run.notes (trimmed)", expected, actual=trimmed)]
    if p == "individual_request_metrics[*].error_code":
        ok = fig.label.endswith("== null")
        count = "num_completed_requests (successful)" if ok else "num_error_requests (failed)"
        if figs["individual_request_metrics entries"] == total:  # complete: the entries agree with the aggregates
            assert v == figs[count]
        return [Check(f"{st}.requests.{'ok' if ok else 'failed'}", figs[count])]
    raise AssertionError(f"no mapping for genai-bench figure {p!r}")


def genai_metadata(fig: Figure, st: str, doc: dict) -> list[Check]:
    p, v = fig.path, fig.value
    if p == "num_concurrency":  # the run's concurrency is one of the experiment's levels
        return [Check(f"{st}.load.concurrency in {v}", True, actual=get(doc, f"{st}.load.concurrency") in v)]
    if p == "traffic_scenario":
        return [Check(f"run.labels.scenario in {v}", True, actual=get(doc, "run.labels.scenario") in v)]
    return [Check(f"run.labels.genai-bench/{p}", None if v in (None, "") else str(v))]


# --- AIPerf ---------------------------------------------------------------------------------------
AIPERF_METRIC = {"ttft": "ttft", "time_to_first_token": "ttft", "inter_token_latency": "tpot",
                 "request_latency": "e2e", "inter_chunk_latency": "itl"}
AIPERF_SIMPLE = {
    "request_count.avg": "requests.ok", "benchmark_duration.avg": "durationSeconds",
    "request_throughput.avg": "throughput.requestsPerSecond", "output_token_throughput.avg": "throughput.outputTokensPerSecond",
    "total_token_throughput.avg": "throughput.totalTokensPerSecond", "line count": "requests.total",
}
AIPERF_CSV_ROWS = {"Time to First Token (ms)": "ttft", "Inter Token Latency (ms)": "tpot", "Request Latency (ms)": "e2e"}
AIPERF_CSV_VALUES = {"Request Count": "requests.ok", "Error Request Count": "requests.failed",
                     "Benchmark Duration (sec)": "durationSeconds",
                     "Request Throughput (requests/sec)": "throughput.requestsPerSecond",
                     "Output Token Throughput (tokens/sec)": "throughput.outputTokensPerSecond"}


def aiperf(fig: Figure, st: str, figs: dict, doc: dict) -> list[Check]:
    p, v = fig.path.removeprefix("records."), fig.value
    if p in AIPERF_SIMPLE:
        return plain(st, AIPERF_SIMPLE[p], v)
    if p == "error_request_count.avg":  # AIPerf omits the counter when no request failed
        return [Check(f"{st}.requests.failed", 0 if v is ABSENT else v)]
    if p == "error_summary":
        expected = {f"{e['error_details']['code']} {e['error_details']['type']}": e["count"] for e in v} or None
        return [Check(f"{st}.requests.errorsByType", expected)]
    m = re.fullmatch(r"(\w+)\.(avg|p\d+)", p)
    if m and m[1] in AIPERF_METRIC:
        return plain(st, f"latencyMs.{AIPERF_METRIC[m[1]]}.{STAT[m[2]]}", v)
    m = re.fullmatch(r"mean\(\$\.metrics\.(\w+)\.value\)", p)
    if m:
        return plain(st, f"latencyMs.{AIPERF_METRIC[m[1]]}.mean", v)
    if p in ("input_config.loadgen", "input_config.phases.1"):
        return [Check(f"{st}.load.concurrency", v["concurrency"]), Check(f"{st}.load.type", "concurrency")]
    if p == "aiperf_version":
        return [Check("run.toolVersion", v)]
    if p == "schema_version":
        return [Check("run.labels.aiperf/schema_version", v)]
    if p == "was_cancelled":
        cancelled = any("cancelled before it finished" in n for n in get(doc, "run.notes"))
        return [Check("run.notes (cancelled)", v, actual=cancelled)]
    if p == "$.error":
        return plain(st, "requests.ok" if fig.label.endswith("== null") else "requests.failed", v)
    if p == "$.error.code / $.error.type":
        return [Check(f"{st}.requests.errorsByType", {v: figs["records with error != null"]})]
    m = re.fullmatch(r'row "(.+)", column (\w+)', p)
    if m:
        return plain(st, f"latencyMs.{AIPERF_CSV_ROWS[m[1]]}.{STAT[m[2]]}", ABSENT if v is ABSENT else float(v))
    m = re.fullmatch(r'2nd table row "(.+)", column Value', p)
    if m:
        if v is ABSENT and m[1] == "Error Request Count":
            return [Check(f"{st}.requests.failed", 0)]
        return plain(st, AIPERF_CSV_VALUES[m[1]], ABSENT if v is ABSENT else float(v))
    raise AssertionError(f"no mapping for AIPerf figure {p!r}")


# --- GuideLLM -------------------------------------------------------------------------------------
GUIDELLM_METRIC = {"time_to_first_token_ms": ("ttft", 1), "inter_token_latency_ms": ("tpot", 1),
                   "request_latency": ("e2e", S)}


def guidellm(fig: Figure, st: str, figs: dict, doc: dict) -> list[Check]:
    p, v = re.sub(r"^benchmarks\.\d+\.", "", fig.path), fig.value
    if p in ("args.strategy", "config.strategy"):
        if v["type_"] == "synchronous":
            return [Check(f"{st}.load.type", "concurrency"), Check(f"{st}.load.concurrency", 1)]
        return [Check(f"{st}.load.type", "rate"), Check(f"{st}.load.requestedRate", v["rate"])]
    p = p.removeprefix("metrics.")
    if p == "request_totals.errored":  # failed = errored + incomplete
        return [Check(f"{st}.requests.failed", v + figs["incomplete requests"])]
    totals = {"request_totals.successful": "requests.ok", "request_totals.incomplete": "requests.incomplete",
              "request_totals.total": "requests.total", "duration": "durationSeconds",
              "requests_per_second.successful.mean": "throughput.requestsPerSecond",
              "output_tokens_per_second.successful.mean": "throughput.outputTokensPerSecond"}
    if p in totals:
        return plain(st, totals[p], v)
    m = re.fullmatch(r"(\w+)\.successful\.(?:percentiles\.)?(mean|median|p\d+)", p)
    if m and m[1] == "time_per_output_token_ms":  # includes TTFT in v2 (NTPOT); v0.3 divides by N: native only
        where = "native.time_per_output_token_ms" if "v0.3" in fig.file else "latencyMs.ntpot"
        return plain(st, f"{where}.{STAT[m[2]]}", v)
    if m and m[1] in GUIDELLM_METRIC:
        metric, factor = GUIDELLM_METRIC[m[1]]
        return plain(st, f"latencyMs.{metric}.{STAT[m[2]]}", v, factor)
    raise AssertionError(f"no mapping for GuideLLM figure {p!r}")


# --- llm-d Benchmark Report -----------------------------------------------------------------------
BR_METRIC = {"time_to_first_token": "ttft", "time_per_output_token": "tpot", "inter_token_latency": "itl",
             "request_latency": "e2e"}
BR_SIMPLE = {"requests.total": "requests.total", "requests.incomplete": "requests.incomplete",
             "throughput.requests_per_sec": "throughput.requestsPerSecond",
             "throughput.output_tokens_per_sec": "throughput.outputTokensPerSecond",
             "throughput.request_rate.mean": "throughput.requestsPerSecond",
             "throughput.output_token_rate.mean": "throughput.outputTokensPerSecond"}
UNIT_FACTOR = {"s": S, "ms": 1}


def br_units(figs: dict) -> str:
    return next(v for k, v in figs.items() if k.startswith("TTFT units"))


def llmd_report(fig: Figure, st: str, figs: dict, doc: dict) -> list[Check]:
    p = fig.path.removeprefix("metrics.").removeprefix("results.request_performance.aggregate.")
    v = fig.value
    if p == "version":
        return [Check("run.toolVersion", v)]
    if p in BR_SIMPLE:
        return plain(st, BR_SIMPLE[p], v)
    if p == "requests.failures":  # failed = failures + incomplete
        incomplete = figs.get("requests incomplete", 0)
        return [Check(f"{st}.requests.failed", v + incomplete)]
    if p == "scenario.load.name":
        return [Check("run.labels.harness", v)]
    m = re.fullmatch(r"latency\.(\w+)\.units", p)
    if m:  # the stated unit is trusted: the mean converts by it
        mean = next(val for k, val in figs.items() if k.startswith("TTFT mean"))
        return [Check(f"{st}.latencyMs.ttft.mean", mean * UNIT_FACTOR[v] if UNIT_FACTOR[v] != 1 else mean)]
    m = re.fullmatch(r"latency\.(\w+)\.(mean|p\d+)", p)
    if m:
        return plain(st, f"latencyMs.{BR_METRIC[m[1]]}.{STAT[m[2]]}", v, UNIT_FACTOR[br_units(figs)])
    raise AssertionError(f"no mapping for Benchmark Report figure {p!r}")


MAPPERS = {"inference-perf": lambda f, st, figs, doc: inference_perf(f, st), "vllm-bench-serve": vllm,
           "genai-bench": genai_bench, "aiperf": aiperf, "guidellm": guidellm, "llm-d-benchmark-report": llmd_report}


def stage_of(fig: Figure) -> str:
    if fig.line is not None:
        return f"stages.{fig.line - 1}"
    return f"stages.{fig.benchmark or 0}"


def checks(fig: Figure, doc: dict) -> list[Check]:
    found = MAPPERS[fig.file.split("/")[0]](fig, stage_of(fig), figures_of(fig), doc)
    for c in found:
        if c.actual is READ:
            c.actual = get(doc, c.path)
    return found


def _params():
    if not FIGURES:
        return [pytest.param(None, id="samples-missing")]
    return [pytest.param(f, id=f.test_id) for f in FIGURES]


@pytest.mark.parametrize("fig", _params())
def test_sources_figure_is_reproduced(fig, bench_samples):
    doc = document(fig.file)
    for c in checks(fig, doc):
        assert c.actual == c.expected, f"{c.path}: {c.actual!r} != {c.expected!r}"


def test_every_sample_file_has_figures(bench_samples):
    files = {p.relative_to(bench_samples).as_posix() for p in walk(bench_samples)}
    assert files == {f.file for f in FIGURES}


def _sample_files():
    if not SAMPLES:
        return [pytest.param(None, id="samples-missing")]
    return [pytest.param(p.relative_to(SAMPLES).as_posix(), id=p.relative_to(SAMPLES).as_posix()) for p in walk(SAMPLES)]


@pytest.mark.parametrize("file", _sample_files())
def test_sample_is_recognised_by_content_and_normalises_to_the_schema(file, bench_samples):
    path = bench_samples / file
    src = Source(name=path.name, label=str(path), text=path.read_text(encoding="utf-8-sig"), container=str(path.parent))
    parser = parsers.detect(src)
    assert parser is not None and parser.TOOL == TOOL_OF_FOLDER[file.split("/")[0]]
    doc = document(file)
    assert first_error(doc) is None
    assert doc["stages"] and all(s["requests"]["ok"] is not None for s in doc["stages"] if doc["run"]["side"] == "client")




def _collect_text(tmp_path, name: str, text: str) -> dict:
    path = tmp_path / name
    path.write_text(text)
    outcome = collect_documents([str(path)])
    assert not outcome.problems, outcome.problems
    [doc] = outcome.documents
    return doc


def test_guidellm_report_written_as_yaml_reads_like_the_json_one(bench_samples, tmp_path):
    file = "guidellm/guidellm-0.8.0dev18-mockserver_constant-2rates_report_v2.json"
    report = json.loads((bench_samples / file).read_text())
    doc = _collect_text(tmp_path, "benchmarks.yaml", yaml.safe_dump(report))
    assert doc["stages"] == document(file)["stages"]


def test_benchmark_report_written_as_json_reads_like_the_yaml_one(bench_samples, tmp_path):
    file = "llm-d-benchmark-report/SYNTHETIC_inference-perf-native_br_v0_2_1_partial.stage_0.yaml"
    report = yaml.safe_load((bench_samples / file).read_text())
    doc = _collect_text(tmp_path, "benchmark_report.json", json.dumps(report))
    assert doc["stages"] == document(file)["stages"]


def test_aiperf_records_listed_instead_of_keyed_read_the_same(bench_samples, tmp_path):
    file = "aiperf/aiperf-pr325-run1-gptoss20b_c100_cancel10pct_profile_export_aiperf.json"
    export = json.loads((bench_samples / file).read_text())
    export["records"] = list(export["records"].values())
    doc = _collect_text(tmp_path, "profile_export_aiperf.json", json.dumps(export))
    assert doc["stages"] == document(file)["stages"]
