"""Benchmark Jobs: one ConfigMap + Job per benchmarks[] entry, against the engine's recorded endpoint.

Every Job: a preflight init container that waits until GET /v1/models lists the served name and a
1-token request to the API the tool calls answers 200 (and fails the Job otherwise: several routers
list a name from their routing config before any pod has loaded the weights); the tool
(inference-perf, `vllm bench serve` or GuideLLM) with the spec's workload; then a verdict step that prints the run identity (`run.json`: engine, pinned
versions, spec hash, GPUs, SLO) and the result files between markers in the log (what
`inferstack bench collect` reads) and fails the Job when the error rate exceeds
`slo.maxErrorRate`. No retries (backoffLimit 0) so runs never mix; a deadline bounds the Job.
"""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass
from types import MappingProxyType

from .. import versions
from ..bench.identity import run_identity
from ..errors import RenderRefused
from ..paths import data_dir
from ..render.context import RenderContext, pool_tolerations
from ..render.result import Endpoint
from ..render.writer import safe_dump
from ..spec.model import Benchmark, Model
from . import runtime

PHASE = "50-benchmarks"
PREFLIGHT_TIMEOUT_SECONDS = 1800  # weights can take a while to load before the model answers
RESULT_TTL_SECONDS = 7 * 24 * 3600  # keep finished Jobs (and their logs) for collection
TOOL_RESOURCES = {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}


@dataclass(frozen=True)
class Api:
    """One OpenAI-compatible generation API and how each tool (at its pinned version) is told to call it."""

    path: str  # also GuideLLM's openai_http request_format
    preflight: str  # the request body preflight.sh sends: "completion" (prompt) or "chat" (messages)
    inference_perf: str  # api.type
    vllm_backend: str  # vllm bench serve --backend (vLLM v0.11.0 ASYNC_REQUEST_FUNCS)


COMPLETIONS = Api("/v1/completions", "completion", "completion", "openai")
CHAT_COMPLETIONS = Api("/v1/chat/completions", "chat", "chat", "openai-chat")

# The API a workload's dataset is sent through. Synthetic token datasets have no conversation:
# the text-completions API serves them on every model, base or instruct (chat needs a chat template
# in the tokenizer; vLLM answers 400 without one) and counts exactly the sampled prompt tokens.
# ShareGPT holds real conversations: chat. (inference-perf v0.6.1's random generator only supports
# completion; its text-only shared_prefix generator always sends /v1/completions.)
DATASET_API = MappingProxyType({"random": COMPLETIONS, "shared-prefix": COMPLETIONS, "sharegpt": CHAT_COMPLETIONS})


class BenchmarkNotExpressible(RenderRefused):
    """A benchmark the chosen tool cannot run against this endpoint."""


def job_name(ctx: RenderContext, bench: Benchmark) -> str:
    return ctx.name("bench", bench.name)


def endpoint_for(ctx: RenderContext, bench: Benchmark) -> Endpoint:
    return next(e for e in ctx.endpoints if e.model == bench.model)


def tokenizer(model: Model) -> str:
    """The Hugging Face id every tool builds and counts prompts with: the model's weights are on the Hub
    (validate refuses benchmarks of other models, INF241). Without it the tools would look up the
    served name there."""
    return model.source_path


def api_for(bench: Benchmark) -> Api:
    return DATASET_API[bench.workload.dataset]


def inference_perf_config(bench: Benchmark, endpoint: Endpoint, model: Model) -> dict:
    w = bench.workload
    config: dict = {
        "api": {"type": api_for(bench).inference_perf, "streaming": True},
        "server": {"type": "sglang" if model.runtime == "sglang" else "vllm", "model_name": bench.model,
                   "base_url": endpoint.base_url, "ignore_eos": True},
    }
    if endpoint.headers:
        config["api"]["headers"] = dict(endpoint.headers)
    config["tokenizer"] = {"pretrained_model_name_or_path": tokenizer(model)}
    if w.dataset == "random":
        config["data"] = {
            "type": "random",
            "input_distribution": {"min": w.input_tokens, "max": w.input_tokens, "mean": w.input_tokens, "std_dev": 0},
            "output_distribution": {"min": w.output_tokens, "max": w.output_tokens, "mean": w.output_tokens, "std_dev": 0},
        }
    elif w.dataset == "sharegpt":
        config["data"] = {"type": "shareGPT"}
    else:  # shared-prefix: half of the prompt is a system prompt shared by a group of users
        system = w.input_tokens // 2
        config["data"] = {"type": "shared_prefix", "shared_prefix": {
            "num_groups": 10, "num_prompts_per_group": 10, "system_prompt_len": system,
            "question_len": w.input_tokens - system, "output_len": w.output_tokens}}
    config["load"] = {"type": "constant", "stages": [{"rate": r, "duration": w.duration_seconds} for r in w.rates]}
    config["report"] = {"request_lifecycle": {"summary": True, "per_stage": True, "per_request": False,
                                              "percentiles": [50, 90, 95, 99]}}
    config["storage"] = {"local_storage": {"path": "/results"}}
    return config


def _sh(argv: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)


def _verdict(tool: str, bench: Benchmark) -> str:
    return _sh(["python3", "/config/verdict.py", tool, "/results", str(bench.slo.max_error_rate), "/config/run.json"])


def run_script(bench: Benchmark, endpoint: Endpoint, model: Model) -> str:
    """The tool's driver script: run every rate stage, then the verdict."""
    w = bench.workload
    api = api_for(bench)
    lines = ["#!/bin/sh", "set -u", "status=0"]
    if bench.tool == "inference-perf":
        lines.append(_sh(["inference-perf", "--config_file", "/config/config.yml"]) + " || status=$?")
    elif bench.tool == "vllm-bench":
        for i, rate in enumerate(w.rates):
            argv = ["vllm", "bench", "serve", "--backend", api.vllm_backend, "--base-url", endpoint.base_url,
                    "--endpoint", api.path, "--model", bench.model,
                    "--dataset-name", "random", "--random-input-len", str(w.input_tokens),
                    "--random-output-len", str(w.output_tokens), "--ignore-eos",
                    "--num-prompts", str(max(1, math.ceil(rate * w.duration_seconds))), "--request-rate", f"{rate:g}",
                    "--percentile-metrics", "ttft,tpot,itl,e2el", "--metric-percentiles", "50,90,95,99",
                    "--save-result", "--result-dir", "/results", "--result-filename", f"stage-{i}-rate-{rate:g}.json",
                    "--tokenizer", tokenizer(model)]
            lines.append(_sh(argv) + " || status=$?")
    else:  # guidellm
        argv = ["guidellm", "run",
                "--backend", f"kind=openai_http,target={endpoint.base_url},model={bench.model},request_format={api.path}",
                "--tokenizer", f"kind=huggingface_auto,model={tokenizer(model)}",
                "--data", f"kind=synthetic_text,prompt_tokens={w.input_tokens},output_tokens={w.output_tokens}",
                "--profile", safe_dump({"kind": "constant", "rate": list(w.rates)}, default_flow_style=True).strip(),
                "--constraint", f"kind=max_duration,seconds={w.duration_seconds}",
                "--output", "kind=json,path=/results/benchmarks.json"]
        lines.append(_sh(argv) + " || status=$?")
    lines.append(_verdict(bench.tool, bench) + " || exit 1")
    lines.append('exit "$status"')
    return "\n".join(lines) + "\n"


def check_expressible(bench: Benchmark, endpoint: Endpoint) -> None:
    if bench.tool != "inference-perf" and endpoint.headers:
        raise BenchmarkNotExpressible(
            f"benchmark {bench.name!r}: {bench.tool} cannot send the request header(s) "
            f"{', '.join(sorted(endpoint.headers))} this engine's endpoint needs; use tool inference-perf")


def placement(ctx: RenderContext) -> tuple[dict, list]:
    """Benchmarks run on a CPU pool when there is one; otherwise they tolerate the GPU pools' taints."""
    stack = ctx.stack
    cpu_pools = [p for p in stack.node_pools if not p.accelerator]
    if cpu_pools:
        from ..render.context import pool_selector

        return pool_selector(stack, cpu_pools[0]), pool_tolerations(cpu_pools[0])
    tolerations = []
    for pool in stack.accelerator_pools:
        tolerations += [t for t in pool_tolerations(pool) if t not in tolerations]
    return {}, tolerations


def preflight_env(bench: Benchmark, endpoint: Endpoint) -> list[dict]:
    api = api_for(bench)
    return [{"name": "BASE_URL", "value": endpoint.base_url}, {"name": "MODEL", "value": bench.model},
            {"name": "API_PATH", "value": api.path}, {"name": "API_KIND", "value": api.preflight},
            {"name": "PREFLIGHT_TIMEOUT_SECONDS", "value": str(PREFLIGHT_TIMEOUT_SECONDS)}]


def render(ctx: RenderContext) -> None:
    scripts = data_dir("templates") / "benchmarks"
    preflight = (scripts / "preflight.sh").read_text(encoding="utf-8")
    verdict = (scripts / "verdict.py").read_text(encoding="utf-8")
    node_selector, tolerations = placement(ctx)
    for bench in ctx.stack.benchmarks:
        endpoint = endpoint_for(ctx, bench)
        check_expressible(bench, endpoint)
        model = ctx.stack.model(bench.base_model)
        name = job_name(ctx, bench)
        image = bench.image or versions.image(bench.tool)
        identity = run_identity(ctx.stack, bench, ctx.engine, ctx.installs, image)
        data = {"preflight.sh": preflight, "verdict.py": verdict, "run.sh": run_script(bench, endpoint, model),
                "run.json": json.dumps(identity, indent=2) + "\n"}
        if bench.tool == "inference-perf":
            data["config.yml"] = safe_dump(inference_perf_config(bench, endpoint, model), sort_keys=False)
        component = f"benchmark/{bench.name}"
        ctx.render("benchmarks/configmap.yaml.j2", component, PHASE, name=name, namespace=ctx.namespace, data=data)
        headers = []
        for key, value in sorted(endpoint.headers.items()):
            headers += ["-H", f"{key}: {value}"]
        env = []
        if model.token_secret:  # tokenizer downloads of gated models
            env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": model.token_secret.name,
                                                                           "key": model.token_secret.key}}})
        stages = len(bench.workload.rates) * bench.workload.duration_seconds
        ctx.render(
            "benchmarks/job.yaml.j2", component, PHASE,
            name=name, namespace=ctx.namespace,
            labels={"inferstack.dev/benchmark": bench.name, "inferstack.dev/model": bench.model},
            deadline=PREFLIGHT_TIMEOUT_SECONDS + math.ceil(stages * 1.5) + 600,
            ttl=RESULT_TTL_SECONDS,
            node_selector=node_selector, tolerations=tolerations,
            preflight_image=versions.image("curl"),
            preflight_command=["/bin/sh", "/config/preflight.sh", *headers],
            preflight_env=preflight_env(bench, endpoint),
            preflight_security_context=runtime.security_context(versions.image("curl")),
            image=image,
            security_context=runtime.security_context(image),
            command=["/bin/sh", "/config/run.sh"],
            env=env,
            resources=TOOL_RESOURCES,
        )
