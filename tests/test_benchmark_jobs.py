"""Benchmark Jobs: preflight, tool configuration, run identity, verdict on real tool output files,
and (per engine, as engines land) the Job targeting the engine's endpoint."""

import http.server
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading

import pytest
import yaml

from inferstack.bench.collect import collect_documents
from inferstack.bench.sources import read_log
from inferstack.cli import main
from inferstack.components import benchmarks
from inferstack.engines import ENGINE_NAMES, get_engine
from inferstack.engines.base import EngineNotImplemented
from inferstack.render.context import RenderContext
from inferstack.render.pipeline import render_stack
from inferstack.render.result import Endpoint, Install
from inferstack.render.summary import spec_hash
from inferstack.spec.validate import validate_text

from .conftest import EXAMPLES, ROOT

SCRIPTS = ROOT / "templates" / "benchmarks"
QUICKSTART = (ROOT / "examples" / "quickstart-kind.yaml").read_text()
LOG = ROOT / "tests" / "fixtures" / "bench" / "llm-d-smoke.log"


def rendered_jobs(spec_text=QUICKSTART, headers=None, tool=None, dataset=None, cost=None, installs=()):
    doc = yaml.safe_load(spec_text)
    if tool:
        doc["spec"]["benchmarks"][0]["tool"] = tool
    if dataset:
        doc["spec"]["benchmarks"][0]["workload"]["dataset"] = dataset
    if cost is not None:
        doc["spec"]["benchmarks"][0]["gpuHourlyCostUSD"] = cost
    result = validate_text(yaml.safe_dump(doc), "q.yaml")
    assert result.ok, result.diagnostics
    ctx = RenderContext(stack=result.stack, engine=get_engine(result.stack.engine), installs=list(installs))
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


def test_every_dataset_of_the_schema_has_an_api():
    schema = json.loads((ROOT / "schemas" / "inferencestack.v1alpha1.schema.json").read_text())
    [enum] = [v["enum"] for v in _walk(schema) if set(v.get("enum", ())) >= {"random", "sharegpt"}]
    assert sorted(benchmarks.DATASET_API) == sorted(enum)
    # synthetic token datasets use the API every model serves (base models have no chat template)
    assert {d: a.path for d, a in benchmarks.DATASET_API.items()} == {
        "random": "/v1/completions", "shared-prefix": "/v1/completions", "sharegpt": "/v1/chat/completions"}


def _walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


TOOL_DATASETS = [("inference-perf", "random"), ("inference-perf", "shared-prefix"), ("inference-perf", "sharegpt"),
                 ("vllm-bench", "random"), ("guidellm", "random")]  # INF241: the others run random only


@pytest.mark.parametrize(("tool", "dataset"), TOOL_DATASETS)
def test_preflight_proves_the_api_the_tool_calls(tool, dataset):
    objs = rendered_jobs(tool=tool, dataset=dataset)
    script = objs["ConfigMap"]["data"]["preflight.sh"]
    assert script == (SCRIPTS / "preflight.sh").read_text()
    [pre] = objs["Job"]["spec"]["template"]["spec"]["initContainers"]
    env = {e["name"]: e["value"] for e in pre["env"]}
    chat = dataset == "sharegpt"
    path = "/v1/chat/completions" if chat else "/v1/completions"
    assert (env["MODEL"], env["API_PATH"], env["API_KIND"]) == ("qwen-small", path, "chat" if chat else "completion")
    data = objs["ConfigMap"]["data"]
    if tool == "inference-perf":  # v0.6.1 APIType values; its random generator supports completion only
        assert yaml.safe_load(data["config.yml"])["api"] == {"type": "chat" if chat else "completion", "streaming": True}
    elif tool == "vllm-bench":  # vLLM v0.11.0: backend openai = /v1/completions, openai-chat = chat
        assert "--backend openai --base-url http://router.ns.svc.cluster.local:80 --endpoint /v1/completions " in data["run.sh"]
    else:  # GuideLLM v0.7.3's openai_http backend defaults to /v1/chat/completions: always set
        assert ("--backend kind=openai_http,target=http://router.ns.svc.cluster.local:80,model=qwen-small,"
                "request_format=/v1/completions ") in data["run.sh"]


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


def test_run_json_carries_the_stack_identity():
    installs = [Install("volcano", "scheduling", "helm", "1.15.1"), Install("kthena", "engine", "helm", "v1.0.0")]
    objs = rendered_jobs(cost=2.5, installs=installs)
    run = json.loads(objs["ConfigMap"]["data"]["run.json"])
    doc = yaml.safe_load(QUICKSTART)
    doc["spec"]["benchmarks"][0]["gpuHourlyCostUSD"] = 2.5
    stack = validate_text(yaml.safe_dump(doc), "q.yaml").stack
    assert run["stack"] == {"name": "quickstart", "engine": "kthena", "engineVersion": get_engine("kthena").version,
                            "specHash": spec_hash(stack.document), "versions": {"volcano": "1.15.1", "kthena": "v1.0.0"},
                            "gpuType": "H100-80GB", "gpuCount": 2, "gpuHourlyCostUSD": 2.5}
    assert run["benchmark"] == {"name": "smoke", "model": "qwen-small", "servedBy": "qwen-small", "tool": "inference-perf",
                                "image": objs["Job"]["spec"]["template"]["spec"]["containers"][0]["image"]}
    assert run["slo"] == {"ttftP95Ms": 1000, "tpotP95Ms": 100, "maxErrorRate": 0.01}
    script = objs["ConfigMap"]["data"]["run.sh"]
    assert "python3 /config/verdict.py inference-perf /results 0.01 /config/run.json" in script


def test_tools_without_header_support_refuse_endpoints_that_need_headers():
    with pytest.raises(benchmarks.BenchmarkNotExpressible, match="routing-strategy"):
        rendered_jobs(tool="guidellm", headers={"routing-strategy": "pd"})


def run_verdict(tool, files, max_rate="0.01", tmp_path=None, run_json=None):
    results = tmp_path / "results"
    results.mkdir()
    for f in files:
        shutil.copy(f, results / f.name)
    extra = [str(run_json)] if run_json else []
    return subprocess.run([sys.executable, str(SCRIPTS / "verdict.py"), tool, str(results), max_rate, *extra],
                          capture_output=True, text=True)


@pytest.fixture
def samples(bench_samples):
    return bench_samples


def test_verdict_log_round_trips_through_collect(tmp_path):
    """What the Job prints is what collect reads: the ConfigMap's run.json and the tool's files."""
    objs = rendered_jobs(cost=2.5)
    run_json = tmp_path / "run.json"
    run_json.write_text(objs["ConfigMap"]["data"]["run.json"])
    tool_output = tmp_path / "tool"
    tool_output.mkdir()
    files = []
    for src in read_log(str(LOG), LOG.read_text()).sources:  # stage and summary reports of a real-format run
        files.append(tool_output / src.basename)
        files[-1].write_text(src.text)
    r = run_verdict("inference-perf", files, tmp_path=tmp_path, run_json=run_json)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "=== inferstack-run ==="
    log = tmp_path / "job.log"
    log.write_text("preflight: http://router.ns.svc.cluster.local:80/v1/models lists qwen-small\n" + r.stdout)
    outcome = collect_documents([str(log)])
    assert not outcome.problems
    [doc] = outcome.documents
    assert doc["stack"] == json.loads(run_json.read_text())["stack"]
    assert doc["run"]["benchmark"] == "smoke" and [s["load"]["requestedRate"] for s in doc["stages"]] == [1.0, 2.0, 4.0]
    assert all(s["costPerMillionOutputTokensUSD"] is not None for s in doc["stages"])


def test_verdict_without_run_identity_still_prints_results(tmp_path):
    files = [tmp_path / "summary_lifecycle_metrics.json"]
    files[0].write_text(read_log(str(LOG), LOG.read_text()).sources[-1].text)
    r = run_verdict("inference-perf", files, tmp_path=tmp_path, run_json=tmp_path / "missing.json")
    assert r.returncode == 0 and "=== inferstack-run ===" not in r.stdout
    assert "no run identity at" in r.stderr and "=== inferstack-result summary_lifecycle_metrics.json ===" in r.stdout


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
    """A model endpoint: GET /v1/models lists `served`; POST /v1/completions (a prompt) and
    /v1/chat/completions (messages) answer 503 `not_ready` times (None: always), then 200; chat
    answers 400 as vLLM does when the model has no chat template (`chat_template` False: a base
    model). Every request lands in `seen`."""

    served = ["other"]
    not_ready: int | None = 0
    chat_template = True
    seen: list = []

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server API
        _Models.seen.append(("GET", self.path, dict(self.headers), None))
        if self.path != "/v1/models":
            return self._answer(404, {"error": "not found"})
        self._answer(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in _Models.served]})

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        _Models.seen.append(("POST", self.path, dict(self.headers), body))
        request = json.loads(body)
        needs = {"/v1/completions": "prompt", "/v1/chat/completions": "messages"}.get(self.path)
        if needs is None:
            self._answer(404, {"error": "not found"})
        elif needs not in request:
            self._answer(400, {"error": f"field required: {needs}"})
        elif _Models.not_ready is None or _Models.not_ready > 0:
            if _Models.not_ready:
                _Models.not_ready -= 1
            self._answer(503, {"error": "no healthy upstream"})
        elif needs == "messages" and not _Models.chat_template:
            self._answer(400, {"error": {"message": "default chat template is no longer allowed", "code": 400}})
        elif needs == "messages":
            self._answer(200, {"object": "chat.completion", "choices": [{"index": 0, "message": {"content": "Hi"}}]})
        else:
            self._answer(200, {"object": "text_completion", "choices": [{"index": 0, "text": " Hi"}]})

    def log_message(self, *args):
        pass


@pytest.fixture
def models_server():
    if not (shutil.which("sh") and shutil.which("curl")):
        pytest.skip("the preflight needs sh and curl")
    _Models.served, _Models.not_ready, _Models.chat_template, _Models.seen = ["other"], 0, True, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


COMPLETION_ENV = {"API_PATH": "/v1/completions", "API_KIND": "completion"}
CHAT_ENV = {"API_PATH": "/v1/chat/completions", "API_KIND": "chat"}


def preflight(url, model, timeout="0", *headers, api=None):
    env = dict(os.environ, BASE_URL=url, MODEL=model, PREFLIGHT_TIMEOUT_SECONDS=timeout, PREFLIGHT_INTERVAL_SECONDS="0.1",
               **(api or COMPLETION_ENV))
    return subprocess.run(["sh", str(SCRIPTS / "preflight.sh"), *headers], env=env, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("dataset", sorted(benchmarks.DATASET_API))
def test_preflight_passes_when_the_model_is_listed_and_answers_and_sends_headers(models_server, dataset):
    api = benchmarks.DATASET_API[dataset]  # the env the Job sets for this dataset
    _Models.served = ["qwen-small", "sql-lora"]
    r = preflight(models_server, "sql-lora", "0", "-H", "routing-strategy: pd",
                  api={"API_PATH": api.path, "API_KIND": api.preflight})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"preflight: POST {models_server}{api.path} for sql-lora answered 200"
    [(_, _, listing, _), (_, path, headers, body)] = _Models.seen
    assert listing["routing-strategy"] == headers["routing-strategy"] == "pd"
    assert path == api.path and headers["Content-Type"] == "application/json"
    if api.preflight == "chat":
        assert json.loads(body) == {"model": "sql-lora", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 1}
    else:
        assert json.loads(body) == {"model": "sql-lora", "prompt": "Hello", "max_tokens": 1}


def test_preflight_of_a_synthetic_dataset_passes_on_a_base_model_without_chat_template(models_server):
    """Llama-2-7b-hf (aks-lora-autoscaling) has no chat template: vLLM answers chat with 400."""
    _Models.served, _Models.chat_template = ["sql-lora"], False
    assert preflight(models_server, "sql-lora", "0", api=CHAT_ENV).returncode == 1
    _Models.seen = []
    r = preflight(models_server, "sql-lora", "0", api=COMPLETION_ENV)
    assert r.returncode == 0, r.stderr
    assert [(method, path) for method, path, _, _ in _Models.seen] == [("GET", "/v1/models"), ("POST", "/v1/completions")]


@pytest.mark.parametrize("api", [COMPLETION_ENV, CHAT_ENV], ids=["completion", "chat"])
def test_preflight_waits_for_a_completion_after_the_model_is_listed(models_server, api):
    """Routers that list a name from their routing config answer 503 until a pod has loaded the weights."""
    _Models.served, _Models.not_ready = ["qwen-small"], 3
    r = preflight(models_server, "qwen-small", "20", api=api)
    assert r.returncode == 0, r.stderr
    assert [(method, path) for method, path, _, _ in _Models.seen] == [
        ("GET", "/v1/models")] + [("POST", api["API_PATH"])] * 4
    assert "lists qwen-small" in r.stdout and "answered 200" in r.stdout


@pytest.mark.parametrize("api", [COMPLETION_ENV, CHAT_ENV], ids=["completion", "chat"])
def test_preflight_fails_when_the_completion_never_answers(models_server, api):
    _Models.served, _Models.not_ready = ["qwen-small"], None
    r = preflight(models_server, "qwen-small", "2", api=api)  # date +%s: at least 1 s of polling
    assert r.returncode == 1
    assert "lists qwen-small" in r.stdout
    assert f"POST {models_server}{api['API_PATH']} for qwen-small did not answer 200 after 2s" in r.stderr
    assert "HTTP 503" in r.stderr and "no healthy upstream" in r.stderr
    assert len(_Models.seen) > 2  # it polled


@pytest.mark.parametrize("api", [
    {"API_PATH": "/v1/embeddings", "API_KIND": "completion"},
    {"API_PATH": "/v1/completions?x=1", "API_KIND": "completion"},
    {"API_PATH": "", "API_KIND": "chat"},
    {"API_PATH": "/v1/completions", "API_KIND": "messages"},
    {"API_PATH": "/v1/chat/completions", "API_KIND": ""},
])
def test_preflight_refuses_an_unknown_api(models_server, api):
    _Models.served = ["qwen-small"]
    r = preflight(models_server, "qwen-small", api=api)
    assert r.returncode == 2 and ("preflight: API_PATH" in r.stderr or "preflight: API_KIND" in r.stderr)
    assert _Models.seen == []


def test_preflight_reports_an_unreachable_endpoint(models_server):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = preflight(f"http://127.0.0.1:{port}", "qwen-small")
    assert r.returncode == 1 and "does not list qwen-small" in r.stderr and "curl: (7)" in r.stderr


def test_preflight_fails_when_the_model_is_missing(models_server):
    _Models.served = ["qwen-small-2"]
    r = preflight(models_server, "qwen-small")
    assert r.returncode == 1
    assert "does not list qwen-small" in r.stderr
    assert all(method == "GET" for method, _, _, _ in _Models.seen)


@pytest.mark.parametrize("model", ['a"b', "a b", "A", "-a", "a-", "a\\b", "$(id)", "a" * 64, ""])
def test_preflight_refuses_names_that_are_not_dns_labels(models_server, model):
    _Models.served = [model]
    r = preflight(models_server, model)
    assert r.returncode == 2 and "preflight: MODEL" in r.stderr
    assert _Models.seen == []


# --- per engine: the Job targets the engine's endpoint -------------------------------------------

BENCH_EXAMPLES = [p for p in EXAMPLES if "benchmarks:" in p.read_text()]


def _render(example, engine):
    result = validate_text(example.read_bytes(), str(example), engine=engine)
    if not result.ok:
        pytest.skip(f"{example.name} uses features {engine} cannot express")
    try:
        return result.stack, render_stack(result.stack)
    except EngineNotImplemented as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("example", BENCH_EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_job_targets_the_engines_endpoint_with_served_name_and_headers(engine, example):
    try:
        stack, rendered = _render(example, engine)
    except benchmarks.BenchmarkNotExpressible as exc:
        assert "cannot send the request header(s)" in str(exc) and "use tool inference-perf" in str(exc)
        return
    endpoints = {e.model: e for e in rendered.endpoints}
    objects = {(o.kind, o.name): o.body for o in rendered.objects if o.phase == benchmarks.PHASE}
    for bench in stack.benchmarks:
        endpoint = endpoints[bench.model]  # the engine records an endpoint for every served name
        name = f"{stack.name}-bench-{bench.name}"
        job, data = objects[("Job", name)], objects[("ConfigMap", name)]["data"]
        [pre] = job["spec"]["template"]["spec"]["initContainers"]
        env = {e["name"]: e["value"] for e in pre["env"]}
        assert (env["BASE_URL"], env["MODEL"]) == (endpoint.base_url, bench.model)
        api = benchmarks.DATASET_API[bench.workload.dataset]  # the preflight proves the API the tool calls
        assert (env["API_PATH"], env["API_KIND"]) == (api.path, api.preflight)
        headers = [a for k, v in sorted(endpoint.headers.items()) for a in ("-H", f"{k}: {v}")]
        assert pre["command"] == ["/bin/sh", "/config/preflight.sh", *headers]
        # every tool builds prompts with the served model's Hub tokenizer, never a lookup of the served name
        hub_id = stack.model(bench.base_model).source_path
        if bench.tool == "inference-perf":
            config = yaml.safe_load(data["config.yml"])
            assert (config["server"]["base_url"], config["server"]["model_name"]) == (endpoint.base_url, bench.model)
            assert config["api"].get("headers", {}) == endpoint.headers
            assert config["api"]["type"] == api.inference_perf
            assert config["tokenizer"] == {"pretrained_model_name_or_path": hub_id}
        elif bench.tool == "vllm-bench":
            assert f"--base-url {endpoint.base_url} " in data["run.sh"] and f"--model {bench.model} " in data["run.sh"]
            assert f"--backend {api.vllm_backend} " in data["run.sh"] and f"--endpoint {api.path} " in data["run.sh"]
            assert f"--tokenizer {hub_id}" in data["run.sh"]
        else:
            assert f"target={endpoint.base_url},model={bench.model},request_format={api.path} " in data["run.sh"]
            assert f"--tokenizer kind=huggingface_auto,model={hub_id} " in data["run.sh"]
        run = json.loads(data["run.json"])
        assert run["stack"]["engine"] == engine and run["stack"]["specHash"] == rendered.summary["specHash"]
        assert run["stack"]["versions"] == rendered.summary["versions"]["installs"]
        assert run["benchmark"]["model"] == bench.model


def _checker_available() -> bool:
    return importlib.util.find_spec("inferstack.check") is not None


@pytest.fixture
def checker():
    if not _checker_available():
        pytest.skip("the checker (inferstack check, src/inferstack/check) is not on this branch yet")


def test_rendered_benchmark_objects_pass_the_checker(checker, crds, tmp_path):
    for tool in ("inference-perf", "vllm-bench", "guidellm"):
        path = tmp_path / f"{tool}.yaml"
        path.write_text(yaml.safe_dump_all(list(rendered_jobs(tool=tool).values()), sort_keys=False))
        assert main(["check", str(path), "--crds", str(crds)]) == 0, tool


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_each_engines_benchmark_jobs_pass_the_checker(engine, checker, crds, tmp_path):
    stack, rendered = _render(ROOT / "examples" / "quickstart-kind.yaml", engine)
    path = tmp_path / "50-benchmarks.yaml"
    path.write_text(yaml.safe_dump_all([o.body for o in rendered.objects if o.phase == benchmarks.PHASE], sort_keys=False))
    assert main(["check", str(path), "--crds", str(crds)]) == 0
