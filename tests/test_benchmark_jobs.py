"""Benchmark Jobs: preflight, tool configuration, verdict on real tool output files."""

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading

import pytest
import yaml

from inferstack.components import benchmarks
from inferstack.engines import get_engine
from inferstack.render.context import RenderContext
from inferstack.render.result import Endpoint
from inferstack.spec.validate import validate_text

from .conftest import ROOT

SCRIPTS = ROOT / "templates" / "benchmarks"
SAMPLES = ROOT.parent / "shared" / "samples" / "bench"
QUICKSTART = (ROOT / "examples" / "quickstart-kind.yaml").read_text()


def rendered_jobs(spec_text=QUICKSTART, headers=None, tool=None, dataset=None):
    doc = yaml.safe_load(spec_text)
    if tool:
        doc["spec"]["benchmarks"][0]["tool"] = tool
    if dataset:
        doc["spec"]["benchmarks"][0]["workload"]["dataset"] = dataset
    result = validate_text(yaml.safe_dump(doc), "q.yaml")
    assert result.ok, result.diagnostics
    ctx = RenderContext(stack=result.stack, engine=get_engine(result.stack.engine))
    ctx.endpoints.append(Endpoint("qwen-small", "http://router.ns.svc.cluster.local:80", headers or {}))
    benchmarks.render(ctx)
    return {o.kind: o.body for o in ctx.objects}


def test_job_has_no_retries_a_deadline_and_a_preflight():
    objs = rendered_jobs(headers={"routing-strategy": "pd"})
    job = objs["Job"]["spec"]
    assert job["backoffLimit"] == 0
    assert job["activeDeadlineSeconds"] == benchmarks.PREFLIGHT_TIMEOUT_SECONDS + 135 + 600  # 3 stages x 30 s x 1.5
    [pre] = job["template"]["spec"]["initContainers"]
    assert pre["command"] == ["/bin/sh", "/config/preflight.sh", "-H", "routing-strategy: pd"]
    env = {e["name"]: e["value"] for e in pre["env"]}
    assert env["BASE_URL"] == "http://router.ns.svc.cluster.local:80" and env["MODEL"] == "qwen-small"
    # kind quickstart: no CPU pool, so the Job tolerates the GPU pool's taint
    assert job["template"]["spec"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "effect": "NoSchedule", "operator": "Equal", "value": "present"}]


def test_inference_perf_config_carries_the_workload_and_headers():
    objs = rendered_jobs(headers={"x-model": "qwen-small"})
    config = yaml.safe_load(objs["ConfigMap"]["data"]["config.yml"])
    assert config["server"]["base_url"] == "http://router.ns.svc.cluster.local:80"
    assert config["server"]["model_name"] == "qwen-small"
    assert config["api"]["headers"] == {"x-model": "qwen-small"}
    assert config["load"]["stages"] == [{"rate": 1, "duration": 30}, {"rate": 2, "duration": 30}, {"rate": 4, "duration": 30}]
    assert config["data"]["input_distribution"]["mean"] == 128
    assert config["tokenizer"]["pretrained_model_name_or_path"] == "Qwen/Qwen2.5-0.5B-Instruct"


def test_vllm_bench_runs_one_stage_per_rate():
    script = rendered_jobs(tool="vllm-bench")["ConfigMap"]["data"]["run.sh"]
    runs = [line for line in script.splitlines() if line.startswith("vllm bench serve")]
    assert len(runs) == 3
    assert "--request-rate 4 " in runs[2] and "--num-prompts 120 " in runs[2]
    assert script.splitlines()[-2].startswith("python3 /config/verdict.py vllm-bench /results 0.01")


def test_tools_without_header_support_refuse_endpoints_that_need_headers():
    with pytest.raises(benchmarks.BenchmarkNotExpressible, match="routing-strategy"):
        rendered_jobs(tool="guidellm", headers={"routing-strategy": "pd"})


def run_verdict(tool, files, max_rate="0.01", tmp_path=None):
    results = tmp_path / "results"
    results.mkdir()
    for f in files:
        shutil.copy(f, results / f.name)
    return subprocess.run([sys.executable, str(SCRIPTS / "verdict.py"), tool, str(results), max_rate],
                          capture_output=True, text=True)


@pytest.fixture
def samples():
    if not SAMPLES.is_dir():
        pytest.skip("benchmark samples not found at ../shared/samples/bench")
    return SAMPLES


def test_verdict_passes_a_clean_inference_perf_run_and_prints_result_blocks(samples, tmp_path):
    r = run_verdict("inference-perf", [samples / "inference-perf" / "kubecon25-vllm-llama3-8b_summary_lifecycle_metrics.json",
                                       samples / "inference-perf" / "kubecon25-vllm-llama3-8b_stage_0_lifecycle_metrics.json"],
                    tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "verdict: PASS: 0 of 38717 requests failed" in r.stdout
    assert r.stdout.count("=== inferstack-result ") == 2


def test_verdict_fails_when_too_many_requests_failed(samples, tmp_path):
    # line 5 of this JSON Lines file: 2560 prompts, 256 completed, no "failed" key
    r = run_verdict("vllm-bench", [samples / "vllm-bench-serve" / "llmd-infra-3ptp2-1dtp2_concurrency-sweep_with-failures.json"],
                    tmp_path=tmp_path)
    assert r.returncode == 1
    assert "verdict: FAIL: 2304 of" in r.stdout


def test_verdict_counts_guidellm_totals(samples, tmp_path):
    r = run_verdict("guidellm", [samples / "guidellm" / "guidellm-0.8.0dev18-mockserver_constant-2rates_report_v2.json"],
                    tmp_path=tmp_path)
    assert r.returncode == 0 and "verdict: PASS" in r.stdout


def test_verdict_fails_without_results(tmp_path):
    r = run_verdict("inference-perf", [], tmp_path=tmp_path)
    assert r.returncode == 1 and "no results" in r.stderr


class _Models(http.server.BaseHTTPRequestHandler):
    served = ["other"]
    seen_headers: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        _Models.seen_headers.append(self.headers.get("routing-strategy"))
        body = json.dumps({"object": "list", "data": [{"id": m, "object": "model"} for m in _Models.served]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def models_server():
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def preflight(url, model, timeout="0", *headers):
    env = dict(os.environ, BASE_URL=url, MODEL=model, PREFLIGHT_TIMEOUT_SECONDS=timeout)
    return subprocess.run(["sh", str(SCRIPTS / "preflight.sh"), *headers], env=env, capture_output=True, text=True, timeout=30)


def test_preflight_passes_when_the_model_is_listed_and_sends_headers(models_server):
    _Models.served = ["qwen-small", "sql-lora"]
    r = preflight(models_server, "sql-lora", "0", "-H", "routing-strategy: pd")
    assert r.returncode == 0, r.stderr
    assert _Models.seen_headers[-1] == "pd"


def test_preflight_fails_when_the_model_is_missing(models_server):
    _Models.served = ["qwen-small-2"]
    r = preflight(models_server, "qwen-small")
    assert r.returncode == 1
    assert "does not list qwen-small" in r.stderr
