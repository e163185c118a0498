"""SGLang LoRA flags of the shared runtime builder, per engine.

SGLang v0.5.5.post3 (the pinned image) checks at start-up (server_args.check_lora_server_args) that
with --enable-lora either initial --lora-paths are given or both --max-lora-rank and
--lora-target-modules are; otherwise the server exits before it listens. Engines that load adapters at
start-up pass --lora-paths; AIBrix loads them later (POST /load_lora_adapter from its ModelAdapter
controller), so its pods get the rank ceiling and target modules instead.
"""

import copy

import pytest
import yaml

from inferstack.components import runtime
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_text

BASE = {
    "apiVersion": "inferstack.dev/v1alpha1",
    "kind": "InferenceStack",
    "metadata": {"name": "t"},
    "spec": {
        "engine": None,
        "namespace": "llm",
        "cluster": {"provider": "kind", "nodePools": [
            {"name": "gpu", "nodes": 2,
             "accelerator": {"vendor": "nvidia", "product": "H100-80GB", "countPerNode": 8, "simulated": True}},
        ]},
        "models": [{"name": "m", "source": {"uri": "hf://org/model", "revision": "abc"}, "runtime": {"name": "sglang"},
                    "lora": {"maxAdapters": 3, "adapters": [{"name": "sql", "uri": "hf://org/sql"},
                                                            {"name": "chat", "uri": "hf://org/chat"}]}}],
    },
}
# SGLang v0.5.5.post3 utils.SUPPORTED_LORA_TARGET_MODULES plus its "all" (the --lora-target-modules choices)
SGLANG_TARGET_MODULE_CHOICES = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
                                "qkv_proj", "gate_up_proj", "all"}
SGLANG_FLAGS_WITH_VALUES = {"--max-loras-per-batch", "--max-lora-rank"}
SGLANG_LIST_FLAGS = {"--lora-paths", "--lora-target-modules"}


def render(engine: str, **model):
    doc = copy.deepcopy(BASE)
    doc["spec"]["engine"] = engine
    doc["spec"]["models"][0].update(model)
    result = validate_text(yaml.safe_dump(doc), "t.yaml", engine=engine)
    assert result.ok, [str(d) for d in result.diagnostics]
    return render_stack(result.stack)


def sglang_args(rendered) -> list[list[str]]:
    """The args of every SGLang server container in the rendered objects."""
    found: list[list[str]] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("command") == ["python3", "-m", "sglang.launch_server"]:
                found.append(node["args"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for obj in rendered.objects:
        walk(obj.body)
    assert found, "no SGLang server container rendered"
    return found


def lora_options(args: list[str]) -> dict[str, object]:
    """The LoRA options as SGLang's argparse reads them (nargs="*" lists run to the next flag)."""
    out: dict[str, object] = {"--enable-lora": "--enable-lora" in args}
    for i, arg in enumerate(args):
        if arg in SGLANG_FLAGS_WITH_VALUES:
            out[arg] = int(args[i + 1])
        elif arg in SGLANG_LIST_FLAGS:
            values = []
            for value in args[i + 1:]:
                if value.startswith("--"):
                    break
                values.append(value)
            out[arg] = values
    return out


def assert_sglang_accepts_lora(args: list[str]) -> None:
    """SGLang v0.5.5.post3's start-up LoRA check (server_args.check_lora_server_args)."""
    opts = lora_options(args)
    assert opts["--enable-lora"]
    assert opts["--max-loras-per-batch"] > 0
    modules = opts.get("--lora-target-modules")
    if modules:
        assert set(modules) <= SGLANG_TARGET_MODULE_CHOICES
        assert "all" not in modules or len(modules) == 1
    assert opts.get("--lora-paths") or (opts.get("--max-lora-rank") and modules), (
        "When no initial --lora-paths is provided, you need to specify both --max-lora-rank and --lora-target-modules")


def test_aibrix_sglang_lora_gets_the_rank_ceiling_and_every_target_module_instead_of_paths():
    [args] = sglang_args(render("aibrix"))
    opts = lora_options(args)
    assert "--lora-paths" not in opts  # the ModelAdapter controller loads them through /load_lora_adapter
    assert opts["--max-loras-per-batch"] == 3
    assert opts["--max-lora-rank"] == runtime.SGLANG_RUNTIME_LORA_MAX_RANK == 64
    assert opts["--lora-target-modules"] == ["all"]
    assert_sglang_accepts_lora(args)


def test_aibrix_multinode_sglang_lora_every_rank_starts():
    rendered = render("aibrix", nodesPerReplica=2, parallelism={"tensor": 16})
    for args in sglang_args(rendered):
        assert_sglang_accepts_lora(args)
        assert "--lora-paths" not in args


@pytest.mark.parametrize("engine", ["llm-d", "kthena"])
def test_engines_loading_adapters_at_start_up_keep_lora_paths_only(engine):
    for args in sglang_args(render(engine)):
        opts = lora_options(args)
        assert opts["--lora-paths"] == ["sql=org/sql", "chat=org/chat"]
        assert "--max-lora-rank" not in opts and "--lora-target-modules" not in opts
        assert args[args.index("--enable-lora"):] == [
            "--enable-lora", "--max-loras-per-batch", "3", "--lora-paths", "sql=org/sql", "chat=org/chat"]
        assert_sglang_accepts_lora(args)


def test_runtime_builder_adds_the_ceiling_only_without_initial_paths():
    result = validate_text(yaml.safe_dump({**BASE, "spec": {**BASE["spec"], "engine": "llm-d"}}), "t.yaml",
                           engine="llm-d")
    model = result.stack.models[0]
    _, start_up = runtime.command_and_args(model)
    _, later = runtime.command_and_args(model, runtime.ServerOptions(load_lora_modules=False))
    assert "--lora-paths" in start_up and "--max-lora-rank" not in start_up
    assert "--lora-paths" not in later
    assert later[later.index("--enable-lora"):] == [
        "--enable-lora", "--max-loras-per-batch", "3", "--max-lora-rank", "64", "--lora-target-modules", "all"]


def test_a_higher_rank_from_runtime_args_comes_last_so_sglang_takes_it():
    [args] = sglang_args(render("aibrix", runtime={"name": "sglang", "args": ["--max-lora-rank", "128"]}))
    ranks = [i for i, a in enumerate(args) if a == "--max-lora-rank"]
    assert len(ranks) == 2 and args[ranks[-1] + 1] == "128"  # argparse keeps the last value
