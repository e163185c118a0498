"""Generic render hooks engines use: a local model path for the server, privileged namespaces,
and where a model's token Secret must live."""

import copy
from dataclasses import fields, replace

import yaml

from inferstack.components import namespaces
from inferstack.components.runtime import ServerOptions, command_and_args
from inferstack.engines import get_engine
from inferstack.render.context import RenderContext
from inferstack.render.pipeline import render_stack
from inferstack.render.summary import summarize
from inferstack.spec.validate import validate_text

from .conftest import ROOT

QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart-kind.yaml").read_text())


def stack(runtime: str, uri: str = "hf://Qwen/Qwen3-8B", engine: str = "kthena", benchmarks: bool = False):
    doc = copy.deepcopy(QUICKSTART)
    doc["spec"]["engine"] = engine
    if not benchmarks:
        doc["spec"]["benchmarks"] = []
    model = doc["spec"]["models"][0]
    model["runtime"] = {"name": runtime}
    model["source"] = {"uri": uri, "revision": "abc123", "tokenSecret": {"name": "hf", "key": "token"}}
    result = validate_text(yaml.safe_dump(doc), "s.yaml")
    assert result.ok, result.diagnostics
    return result.stack


def test_server_model_path_replaces_the_source_and_its_hub_options():
    for runtime, uri in (("vllm", "hf://Qwen/Qwen3-8B"), ("vllm", "s3://bucket/qwen"), ("sglang", "hf://Qwen/Qwen3-8B")):
        model = stack(runtime, uri).models[0]
        _, default = command_and_args(model)
        _, local = command_and_args(model, ServerOptions(model_path="$(MODEL_PATH)"))
        assert "$(MODEL_PATH)" not in default
        assert "$(MODEL_PATH)" in local
        assert "--revision" not in local and "--load-format" not in local
        assert ("--revision" in default) == uri.startswith("hf://")
        assert ("--load-format" in default) == uri.startswith("s3://")


def test_privileged_namespaces_cover_the_model_namespace_and_installs():
    s = stack("vllm")
    ctx = RenderContext(stack=s, engine=get_engine(s.engine))
    namespaces.render(ctx)
    baseline = {o.name: o.body["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] for o in ctx.objects}
    assert baseline == {"llm": "baseline"}

    ctx = RenderContext(stack=s, engine=get_engine(s.engine))
    ctx.privileged_namespaces.add("llm")
    namespaces.render(ctx)
    assert ctx.objects[0].body["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


def test_token_secret_namespace_comes_from_the_engine():
    s = stack("sglang")
    rendered = render_stack(s, infrastructure_only=True)
    assert rendered.summary["secretsRequired"] == [{"name": "hf", "key": "token", "namespace": "llm"}]

    kthena = get_engine("kthena")

    class ReadsSecretsElsewhere(type(kthena)):
        def token_secret_namespaces(self, stack):
            return ("secrets",)

    elsewhere = ReadsSecretsElsewhere(**{f.name: getattr(kthena, f.name) for f in fields(kthena)})
    assert summarize(rendered, elsewhere)["secretsRequired"] == [{"name": "hf", "key": "token", "namespace": "secrets"}]
    # benchmark Jobs fetch the tokenizer with the token in the model namespace
    with_bench = replace(rendered, stack=stack("sglang", benchmarks=True))
    assert summarize(with_bench, elsewhere)["secretsRequired"] == [
        {"name": "hf", "key": "token", "namespace": "llm"}, {"name": "hf", "key": "token", "namespace": "secrets"}]
