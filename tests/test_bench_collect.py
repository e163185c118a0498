"""bench collect: Job logs (marker blocks and run identity), grouping into runs, identity from
--spec/--summary, SLO verdicts, goodput and cost, the CLI, and compare on collected results."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from inferstack.bench import identity
from inferstack.bench.collect import collect_documents
from inferstack.bench.evaluate import cost_per_million_output_tokens, slo_verdict
from inferstack.bench.schema import first_error
from inferstack.bench.sources import read_log
from inferstack.cli import main
from inferstack.engines.base import EngineNotImplemented
from inferstack.errors import UsageError
from inferstack.render.pipeline import render_stack
from inferstack.render.summary import spec_hash
from inferstack.spec.validate import validate_text

from .conftest import ROOT

LOGS = ROOT / "tests" / "fixtures" / "bench"
KTHENA_LOG = LOGS / "kthena-smoke.log"  # kubectl logs --all-containers --prefix
LLMD_LOG = LOGS / "llm-d-smoke.log"  # kubectl logs --all-containers
QUICKSTART = ROOT / "examples" / "quickstart-kind.yaml"


def collect_one(*paths, ident=None) -> dict:
    outcome = collect_documents([str(p) for p in paths], ident)
    assert not outcome.problems, outcome.problems
    [doc] = outcome.documents
    return doc


def result_files(log, tmp_path):
    """The result files a log carries, written out as the tool wrote them (for tests without a log)."""
    parsed = read_log(str(log), log.read_text())
    for src in parsed.sources:
        path = tmp_path / src.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(src.text)
    return tmp_path / parsed.sources[0].name.split("/")[0]


# --- Job logs -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("engine", "log"), [("kthena", KTHENA_LOG), ("llm-d", LLMD_LOG)])
def test_log_fixtures_carry_what_the_quickstart_job_prints(engine, log):
    """The fixtures' run identity is the run.json the quickstart (with gpuHourlyCostUSD: 2.5) renders."""
    doc = yaml.safe_load(QUICKSTART.read_text())
    doc["spec"]["benchmarks"][0]["gpuHourlyCostUSD"] = 2.5
    stack = validate_text(yaml.safe_dump(doc), "q.yaml", engine=engine).stack
    try:
        rendered = render_stack(stack)
    except EngineNotImplemented as exc:
        pytest.skip(str(exc))
    [config] = [o.body for o in rendered.objects if o.kind == "ConfigMap" and o.phase == "50-benchmarks"]
    assert read_log(str(log), log.read_text()).identity == json.loads(config["data"]["run.json"])
    [job] = [o.body for o in rendered.objects if o.kind == "Job"]
    base_url = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["initContainers"][0]["env"]}["BASE_URL"]
    assert f"preflight: {base_url}/v1/models lists qwen-small" in log.read_text()


def test_a_prefixed_job_log_yields_one_run_with_the_stack_identity():
    doc = collect_one(KTHENA_LOG)
    assert first_error(doc) is None
    run, stack = doc["run"], doc["stack"]
    assert (run["tool"], run["benchmark"], run["model"], run["side"]) == ("inference-perf", "smoke", "qwen-small", "client")
    assert run["toolVersion"] == "v0.6.1"  # the pinned image's tag: inference-perf's reports carry no version
    assert {k: v for k, v in stack.items() if k != "versions"} == {
        "name": "quickstart", "engine": "kthena", "engineVersion": "v1.0.0", "specHash": "5cc1580ff7eee7c3",
        "gpuType": "H100-80GB", "gpuCount": 2, "gpuHourlyCostUSD": 2.5}
    assert stack["versions"]["kthena"] == "v1.0.0" and stack["versions"]["volcano"] == "1.15.1"
    assert doc["slo"] == {"ttftP95Ms": 1000, "tpotP95Ms": 100, "maxErrorRate": 0.01}
    assert run["id"].startswith("kthena-smoke-") and len(run["sources"]) == 4
    assert all(s.startswith(f"{KTHENA_LOG}#inference-perf-20260820-100102/") for s in run["sources"])
    assert [(s["index"], s["load"]["requestedRate"], s["requests"]["total"]) for s in doc["stages"]] == [
        (0, 1.0, 30), (1, 2.0, 60), (2, 4.0, 120)]
    assert doc["aggregate"]["requests"]["total"] == 210
    assert "the GPUs are simulated (kind): cost figures are illustrative only" in run["notes"]


def test_stage_slo_verdict_goodput_and_cost():
    doc = collect_one(KTHENA_LOG)
    low, high = doc["stages"][0], doc["stages"][2]
    assert low["slo"] == {"met": True, "goodputRequestsPerSecond": low["throughput"]["requestsPerSecond"],
                          "checks": {"ttftP95": True, "tpotP95": True, "errorRate": True}}
    # p95 TTFT 1287.4 ms > 1000 ms at 4 req/s: missed, no goodput
    assert high["latencyMs"]["ttft"]["p95"] == 1.2874 * 1000
    assert high["slo"] == {"met": False, "goodputRequestsPerSecond": 0.0,
                           "checks": {"ttftP95": False, "tpotP95": True, "errorRate": True}}
    tokens_per_second = high["throughput"]["outputTokensPerSecond"]
    assert high["costPerMillionOutputTokensUSD"] == 2 * 2.5 / (tokens_per_second * 3600) * 1e6


def test_failures_in_a_log_count_towards_the_error_rate():
    stage = collect_one(LLMD_LOG)["stages"][2]
    assert stage["requests"] == {"total": 120, "ok": 119, "failed": 1, "incomplete": None, "errorRate": 1 / 120,
                                 "errorsByType": {"503 - Service Unavailable": 1}}
    assert stage["slo"]["checks"]["errorRate"] is True  # 0.83 % <= 1 %


def test_kubectl_timestamps_are_stripped(tmp_path):
    lines = LLMD_LOG.read_text().splitlines()
    stamped = tmp_path / "stamped.log"
    stamped.write_text("".join(f"2026-08-20T10:{i // 60:02d}:{i % 60:02d}.{i:09d}Z {line}\n" for i, line in enumerate(lines)))
    plain, timed = collect_one(LLMD_LOG), collect_one(stamped)
    assert timed["stages"] == plain["stages"] and timed["stack"] == plain["stack"]


def test_other_containers_lines_inside_a_block_are_ignored(tmp_path):
    lines = KTHENA_LOG.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "=== inferstack-result " in line) + 1
    lines.insert(at, "[pod/quickstart-bench-smoke-8xq2v/sidecar] unrelated line")
    mixed = tmp_path / "mixed.log"
    mixed.write_text("\n".join(lines) + "\n")
    assert collect_one(mixed)["stages"] == collect_one(KTHENA_LOG)["stages"]


def test_a_truncated_log_is_an_error(tmp_path):
    text = LLMD_LOG.read_text()
    cut = tmp_path / "cut.log"
    cut.write_text(text[: text.index("summary_lifecycle_metrics.json ===") + 200])
    outcome = collect_documents([str(cut)])
    assert any("summary_lifecycle_metrics.json block has no end marker" in p for p in outcome.problems)
    assert main(["bench", "collect", str(cut), "--out", str(tmp_path / "out")]) == 1


def test_a_log_without_result_blocks_is_an_error(tmp_path):
    log = tmp_path / "empty.log"
    log.write_text("preflight: http://x/v1/models lists m\n=== inferstack-run ===\n{}\n=== inferstack-run-end ===\n")
    outcome = collect_documents([str(log)])
    assert outcome.problems == [f"{log}: a Job log without result blocks (did the verdict step run?)"]


# --- files without a log --------------------------------------------------------------------------

def test_files_without_identity_are_collected_without_a_stack(tmp_path):
    folder = result_files(LLMD_LOG, tmp_path)
    doc = collect_one(folder)
    assert doc["stack"]["engine"] is None and doc["slo"] is None
    assert all(s["slo"] is None and s["costPerMillionOutputTokensUSD"] is None for s in doc["stages"])
    assert doc["run"]["toolVersion"] is None and doc["run"]["id"].startswith("inference-perf-")


def test_identity_from_the_spec(tmp_path):
    folder = result_files(LLMD_LOG, tmp_path)
    ident = identity.from_spec(str(QUICKSTART), "smoke", "llm-d")
    doc = collect_one(folder, ident=ident)
    stack = validate_text(QUICKSTART.read_bytes(), "q", engine="llm-d").stack
    assert doc["stack"]["engine"] == "llm-d" and doc["stack"]["specHash"] == spec_hash(stack.document)
    assert (doc["stack"]["gpuType"], doc["stack"]["gpuCount"]) == ("H100-80GB", 2)  # 2 replicas x 1 GPU
    assert doc["slo"] == {"ttftP95Ms": 1000, "tpotP95Ms": 100, "maxErrorRate": 0.01}
    assert doc["run"]["benchmark"] == "smoke" and doc["run"]["toolVersion"] == "v0.6.1"
    # versions come from rendering the spec; until the engine renders, the document says so
    assert doc["stack"]["versions"] or any("pinned control-plane versions unknown" in n for n in doc["run"]["notes"])


def test_identity_from_a_summary_json(tmp_path):
    summary = {"kind": "RenderSummary", "stack": "quickstart", "specHash": "0123456789abcdef",
               "engine": {"name": "kserve", "version": "v0.20.0"}, "versions": {"installs": {"kserve": "v0.20.0"}},
               "gpus": {"byPool": {"gpu": {"product": "H100-80GB", "requested": 2}}}}
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(summary))
    doc = collect_one(result_files(LLMD_LOG, tmp_path / "r"), ident=identity.from_summary(str(path)))
    assert doc["stack"] == {"name": "quickstart", "engine": "kserve", "engineVersion": "v0.20.0",
                            "specHash": "0123456789abcdef", "versions": {"kserve": "v0.20.0"}, "gpuType": "H100-80GB",
                            "gpuCount": 2, "gpuHourlyCostUSD": None}
    assert doc["slo"] is None and doc["stages"][0]["slo"] is None  # no SLO without the spec


def test_summary_and_spec_together_note_a_changed_spec(tmp_path):
    spec = identity.from_spec(str(QUICKSTART), "smoke", "kthena")
    summary = {"apiVersion": "inferstack.dev/v1alpha1", "kind": "BenchmarkRun", "benchmark": None, "slo": None,
               "notes": [], "stack": dict(spec["stack"], specHash="ffffffffffffffff", versions={"kthena": "v1.0.0"})}
    merged = identity.merge(spec, summary)
    assert merged["stack"]["specHash"] == "ffffffffffffffff" and merged["stack"]["versions"] == {"kthena": "v1.0.0"}
    assert merged["slo"] == spec["slo"] and merged["benchmark"]["name"] == "smoke"
    assert any("the spec changed since the stack was rendered" in n for n in merged["notes"])


def test_unknown_benchmark_and_invalid_summary_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="has no benchmark 'nope' \\(benchmarks: smoke\\)"):
        identity.from_spec(str(QUICKSTART), "nope")
    bad = tmp_path / "s.json"
    bad.write_text("{}")
    with pytest.raises(UsageError, match="not a summary.json written by inferstack render"):
        identity.from_summary(str(bad))


def test_unrecognised_files_are_errors_when_named_and_skipped_in_folders(tmp_path):
    other = tmp_path / "notes.json"
    other.write_text('{"hello": "world"}')
    outcome = collect_documents([str(other)])
    assert outcome.problems == [f"{other}: not the output of a supported benchmark tool"]
    shutil.copy(KTHENA_LOG, tmp_path / "kthena.log")
    outcome = collect_documents([str(tmp_path)])
    assert not outcome.problems and len(outcome.documents) == 1
    assert outcome.skipped == [f"{other}: not the output of a supported benchmark tool"]


def test_malformed_tool_output_is_reported_not_raised(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"completed": "many", "mean_ttft_ms": 1.0}))
    outcome = collect_documents([str(bad)])
    assert outcome.problems and "completed: expected a number" in outcome.problems[0]


# --- SLO, goodput, cost ---------------------------------------------------------------------------

def _stage(ttft_p95=None, tpot_p95=None, error_rate=0.0, rps=2.0, tps=64.0):
    return {"latencyMs": {"ttft": {"p95": ttft_p95} if ttft_p95 is not None else None,
                          "tpot": {"p95": tpot_p95} if tpot_p95 is not None else None},
            "requests": {"errorRate": error_rate}, "throughput": {"requestsPerSecond": rps, "outputTokensPerSecond": tps}}


SLO = {"ttftP95Ms": 1000, "tpotP95Ms": 100, "maxErrorRate": 0.01}


@pytest.mark.parametrize(("stage", "slo", "met", "goodput"), [
    (_stage(900, 90), SLO, True, 2.0),
    (_stage(1001, 90), SLO, False, 0.0),
    (_stage(900, 90, error_rate=0.02), SLO, False, 0.0),
    (_stage(None, 90), SLO, None, None),  # p95 TTFT not reported: unknown, never estimated
    (_stage(None, 120), SLO, False, 0.0),  # ... unless another objective is known to fail
    (_stage(900, 90, error_rate=None), SLO, None, None),
    (_stage(None, None), {"ttftP95Ms": None, "tpotP95Ms": None, "maxErrorRate": 0.01}, True, 2.0),
], ids=["met", "ttft-missed", "errors-missed", "ttft-unknown", "tpot-missed-ttft-unknown", "error-rate-unknown",
        "only-error-rate"])
def test_slo_verdict_is_three_valued(stage, slo, met, goodput):
    verdict = slo_verdict(stage, slo)
    assert (verdict["met"], verdict["goodputRequestsPerSecond"]) == (met, goodput)


def test_no_objectives_no_verdict():
    assert slo_verdict(_stage(1, 1), None) is None
    assert slo_verdict(_stage(1, 1), {"ttftP95Ms": None, "tpotP95Ms": None, "maxErrorRate": None}) is None


def test_cost_needs_gpus_a_price_and_throughput():
    stack = {"gpuCount": 4, "gpuHourlyCostUSD": 3.0}
    assert cost_per_million_output_tokens(_stage(tps=1000.0), stack) == 4 * 3.0 / (1000.0 * 3600) * 1e6
    assert cost_per_million_output_tokens(_stage(tps=1000.0), {"gpuCount": 4, "gpuHourlyCostUSD": None}) is None
    assert cost_per_million_output_tokens(_stage(tps=1000.0), {"gpuCount": 0, "gpuHourlyCostUSD": 3.0}) is None
    assert cost_per_million_output_tokens(_stage(tps=None), stack) is None


# --- the samples folder as a whole ----------------------------------------------------------------

def test_the_samples_folder_groups_into_runs(bench_samples):
    outcome = collect_documents([str(bench_samples)])
    assert not outcome.problems and not outcome.skipped
    docs = {d["run"]["id"].rsplit("-", 1)[0]: d for d in outcome.documents}
    assert len(docs) == len(outcome.documents) == 19
    kubecon = docs["inference-perf-kubecon25-vllm-llama3-8b"]
    assert [s["index"] for s in kubecon["stages"]] == [0, 6] and kubecon["aggregate"]["requests"]["total"] == 38717
    server = docs["inference-perf-kubecon25-vllm-llama3-8b-server"]
    assert server["run"]["side"] == "server" and len(server["stages"]) == 1
    assert server["stages"][0]["load"]["requestedRate"] == 1.0  # the client report's stage 0
    assert server["stages"][0]["requests"]["ok"] == 937  # its own population, not the client's 60
    aiperf = docs["aiperf-aiperf-pr325-run1-gptoss20b-c100-cancel10pct"]
    assert len(aiperf["run"]["sources"]) == 3 and aiperf["stages"][0]["requests"]["failed"] == 11
    assert any("figures taken from" in n and n.endswith("profile_export_aiperf.json") for n in aiperf["run"]["notes"])
    synthetic = docs["inference-perf-synthetic-pr705-corpus"]  # summary + per-request: the summary is used
    assert synthetic["stages"][0]["latencyMs"]["ttft"]["p95"] is None
    with_errors = docs["genai-bench-baseten-gptoss120b-trtllm-d8000-700-text-to-text"]
    assert not any(k.startswith("genai-bench/") for k in with_errors["run"]["labels"])  # no metadata matches it
    qwen = docs["genai-bench-baseten-qwen3-30b-n2000-200-200-20-text-to-text"]
    assert qwen["run"]["labels"]["genai-bench/server_gpu_type"] == "H100"
    sweep = docs["vllm-bench-llmd-infra-tp1-concurrency-sweep"]
    assert [s["load"]["concurrency"] for s in sweep["stages"]] == [1, 4, 8, 16, 32]


def test_per_request_records_reproduce_the_tools_own_aggregates(bench_samples):
    ip = bench_samples / "inference-perf"
    derived = collect_one(ip / "SYNTHETIC_pr705-corpus_per_request_lifecycle_metrics.json")["stages"][0]
    report = collect_one(ip / "SYNTHETIC_pr705-corpus_summary_lifecycle_metrics.json")["stages"][0]
    for metric, dist in report["latencyMs"].items():
        for stat, value in (dist or {}).items():
            if value is not None:
                assert derived["latencyMs"][metric][stat] == value, (metric, stat)
    assert derived["throughput"] == report["throughput"] and derived["requests"] == report["requests"] | {
        "errorsByType": {"HTTP Error 500": 1}}
    ap = bench_samples / "aiperf"
    derived = collect_one(ap / "aiperf-pr325-run1-gptoss20b_c100_cancel10pct_profile_export.jsonl")["stages"][0]
    report = collect_one(ap / "aiperf-pr325-run1-gptoss20b_c100_cancel10pct_profile_export_aiperf.json")["stages"][0]
    for metric in ("ttft", "tpot", "itl", "e2e"):
        assert derived["latencyMs"][metric] == pytest.approx(report["latencyMs"][metric], rel=1e-12)
    assert derived["durationSeconds"] == report["durationSeconds"]
    assert derived["throughput"]["requestsPerSecond"] == report["throughput"]["requestsPerSecond"]
    assert derived["throughput"]["outputTokensPerSecond"] == pytest.approx(report["throughput"]["outputTokensPerSecond"])


# --- CLI and compare ------------------------------------------------------------------------------

def test_cli_collect_writes_one_document_per_run(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["bench", "collect", str(KTHENA_LOG), str(LLMD_LOG), "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 2 and written[0].startswith("kthena-smoke-") and written[1].startswith("llm-d-smoke-")
    for path in out.iterdir():
        doc = json.loads(path.read_text())
        assert path.name == f"{doc['run']['id']}.json" and first_error(doc) is None
    err = capsys.readouterr().err
    assert "inference-perf (client), 3 stage(s) from 4 source(s)" in err and "collected 2 run(s)" in err


def test_cli_output_is_deterministic(tmp_path):
    for name in ("a", "b"):
        assert main(["bench", "collect", str(KTHENA_LOG), "--out", str(tmp_path / name)]) == 0
    [a], [b] = (list((tmp_path / n).iterdir()) for n in ("a", "b"))
    assert a.name == b.name and a.read_text() == b.read_text()


@pytest.mark.parametrize("argv", [
    ["--benchmark", "smoke"], ["--spec", str(QUICKSTART)], ["--engine", "llm-d"],
], ids=["benchmark-without-spec", "spec-without-benchmark", "engine-without-spec"])
def test_cli_option_misuse_is_a_usage_error(argv, tmp_path):
    assert main(["bench", "collect", str(KTHENA_LOG), "--out", str(tmp_path), *argv]) == 2


def test_cli_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["bench", "collect", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_compare_on_collected_job_logs(tmp_path):
    results = tmp_path / "results"
    assert main(["bench", "collect", str(KTHENA_LOG), str(LLMD_LOG), "--out", str(results)]) == 0
    report = tmp_path / "report"
    assert main(["compare", str(QUICKSTART), "--out", str(report), "--results", str(results)]) == 0
    md = (report / "report.md").read_text()
    assert "### kthena" in md and "### llm-d" in md
    assert "| smoke | 4.00 | 120 | 0 | 540.2 | 1,287.4 |" in md and "| missed |" in md
    for plot in ("latency-throughput", "ttft-percentiles", "tpot-percentiles", "cost"):
        assert (report / "plots" / f"{plot}.svg").read_text().startswith("<svg")


def test_compare_on_collected_samples_has_tables_and_plots_per_engine(bench_samples, tmp_path):
    """Sample results attributed (with --spec/--engine) to two engines, as files without logs are."""
    vllm = bench_samples / "vllm-bench-serve"
    results = tmp_path / "results"
    for engine, sample in (("llm-d", "llmd-infra-3ptp2-1dtp2_concurrency-sweep_with-failures.json"),
                           ("kserve", "llmd-infra-tp1_concurrency-sweep.json")):
        assert main(["bench", "collect", str(vllm / sample), "--out", str(results),
                     "--spec", str(QUICKSTART), "--benchmark", "smoke", "--engine", engine]) == 0
    assert main(["bench", "collect", str(bench_samples / "inference-perf"), "--out", str(results),
                 "--spec", str(QUICKSTART), "--benchmark", "smoke", "--engine", "kthena"]) == 0
    report = tmp_path / "report"
    assert main(["compare", str(QUICKSTART), "--out", str(report), "--results", str(results)]) == 0
    md = (report / "report.md").read_text()
    for engine in ("kserve", "kthena", "llm-d"):
        assert f"### {engine}" in md
    assert "(server-side)" in md  # the Prometheus report is shown, apart
    assert re.search(r"\| smoke \| c=256 \| 256 \| 2304 \|", md)  # 2304 of 2560 failed: SLO missed
    html = (report / "report.html").read_text()
    assert html.count("<svg") == 3  # no cost plot: the quickstart sets no gpuHourlyCostUSD
    assert "src=" not in html


def test_collect_without_a_spec_loads_no_render_machinery(tmp_path):
    code = (f"import sys; from inferstack.cli import main; "
            f"main(['bench', 'collect', {str(KTHENA_LOG)!r}, '--out', {str(tmp_path)!r}]); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_kubernetes', 'jinja2')]; "
            "sys.stderr.write('LOADED:' + ','.join(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stderr.rsplit("LOADED:", 1)[1] == ""
