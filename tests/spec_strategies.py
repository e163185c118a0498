"""Hypothesis strategies for specs that lean towards valid: an example with its knobs turned.

`specs()` starts from an example, picks an engine, and changes stack and model settings to values
from the schema's domain (enums, small counts, DNS names, free text). Many of the results
validate for the engine picked; the rest fail with diagnostics, which is also worth testing.
"""

from __future__ import annotations

import copy
from functools import cache

import yaml
from hypothesis import strategies as st

from inferstack.engines import ENGINE_NAMES
from inferstack.spec.validate import validate_text

from .conftest import EXAMPLES

EXAMPLE_DOCS = {e.stem: yaml.safe_load(e.read_text()) for e in EXAMPLES}

dns_labels = st.from_regex(r"[a-z]([-a-z0-9]{0,10}[a-z0-9])?", fullmatch=True)
free_text = st.one_of(
    st.sampled_from(['say "hi"', "a: b", "{{ x }}", "# no", "- item", "---", "ünï\u2028cødé", "\\", "[a]", "&a *b"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20),
)
env_names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)
quantities = st.sampled_from(["500m", "1", "2", "4", "8"])
memories = st.sampled_from(["512Mi", "1Gi", "16Gi", "32Gi"])
ABSENT = object()


def optional(strategy):
    """The value, or ABSENT (the key is removed)."""
    return st.one_of(st.just(ABSENT), strategy)


roles = st.fixed_dictionaries({"replicas": st.integers(1, 2)},
                              optional={"parallelism": st.fixed_dictionaries({"tensor": st.sampled_from([1, 2])})})
MODEL_KNOBS = {
    ("runtime", "name"): st.sampled_from(["vllm", "sglang", "simulator"]),
    ("runtime", "args"): st.lists(free_text, max_size=3),
    ("runtime", "env"): st.dictionaries(env_names, free_text, max_size=2),
    ("runtime", "image"): optional(st.sampled_from(["registry.example/vllm:v1", "ghcr.io/x/sglang@sha256:" + "a" * 64])),
    ("source", "revision"): st.one_of(st.none(), free_text),
    ("replicas",): st.integers(1, 4),
    ("parallelism",): st.fixed_dictionaries({}, optional={"tensor": st.sampled_from([1, 2, 4, 8]),
                                                          "pipeline": st.sampled_from([1, 2])}),
    ("nodesPerReplica",): st.integers(1, 2),
    ("resources",): st.fixed_dictionaries({}, optional={"cpu": quantities, "memory": memories}),
    ("routing", "strategy"): st.sampled_from(["auto", "round-robin", "least-request", "prefix-cache", "kv-cache-aware", "pd"]),
    ("kvCache",): st.fixed_dictionaries({}, optional={
        "prefixCaching": st.booleans(), "offload": st.one_of(st.none(), st.builds(lambda g: {"cpuGiB": g}, st.integers(1, 64)))}),
    ("disaggregation",): optional(st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        "prefill": roles, "decode": roles, "kvConnector": st.sampled_from(["nixl", "lmcache", "mooncake"])}))),
    ("lora",): optional(st.fixed_dictionaries(
        {"adapters": st.lists(st.builds(lambda n: {"name": f"a-{n}", "uri": f"hf://org/{n}"}, dns_labels), min_size=1,
                              max_size=2, unique_by=lambda a: a["name"])},
        optional={"maxAdapters": st.integers(1, 8)})),
    ("autoscaling",): optional(st.builds(lambda lo, extra, metric: {"minReplicas": lo, "maxReplicas": lo + extra,
                                                                    "metric": metric},
                                         st.integers(1, 2), st.integers(0, 3),
                                         st.sampled_from(["kv-cache-usage", "queue-depth", "requests-per-second",
                                                          "gpu-utilization"]))),
    ("cache",): optional(st.fixed_dictionaries({"size": st.sampled_from(["10Gi", "200Gi"])},
                                               optional={"retain": st.booleans(),
                                                         "storageClass": st.sampled_from([None, "shared-nfs"])})),
}
STACK_KNOBS = {
    ("metadata", "name"): dns_labels,
    ("metadata", "labels"): st.dictionaries(st.sampled_from(["team", "app.kubernetes.io/part-of", "cost-center"]),
                                            st.from_regex(r"[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?", fullmatch=True), max_size=2),
    ("spec", "namespace"): dns_labels,
    ("spec", "gateway", "implementation"): st.sampled_from(["auto", "engine-native", "envoy-gateway", "istio",
                                                            "agentgateway", "kgateway", "envoy-ai-gateway"]),
    ("spec", "observability", "prometheus"): st.booleans(),
}


def _set(node: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if value is ABSENT:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


@cache
def engines_for(example: str) -> tuple[str, ...]:
    """The engines the example validates for as it is."""
    text = yaml.safe_dump(EXAMPLE_DOCS[example])
    return tuple(e for e in ENGINE_NAMES if validate_text(text, f"{example}.yaml", engine=e).ok)


@st.composite
def specs(draw) -> dict:
    """A spec document (not yet validated): an example, an engine (mostly one the example is valid
    for), some knobs turned."""
    example = draw(st.sampled_from(sorted(EXAMPLE_DOCS)))
    doc = copy.deepcopy(EXAMPLE_DOCS[example])
    fitting = engines_for(example)
    doc["spec"]["engine"] = draw(st.sampled_from(fitting if fitting and draw(st.integers(0, 3)) else ENGINE_NAMES))
    for path in draw(st.lists(st.sampled_from(sorted(STACK_KNOBS)), max_size=3, unique=True)):
        _set(doc, path, draw(STACK_KNOBS[path]))
    models = doc["spec"]["models"]
    for model in models:
        for path in draw(st.lists(st.sampled_from(sorted(MODEL_KNOBS)), max_size=4, unique=True)):
            _set(model, path, draw(MODEL_KNOBS[path]))
    if draw(st.booleans()):
        renamed = draw(dns_labels)
        old = models[0]["name"]
        models[0]["name"] = renamed
        for bench in doc["spec"].get("benchmarks") or []:
            if bench.get("model") == old:
                bench["model"] = renamed
    if doc["spec"].get("benchmarks") and draw(st.booleans()):
        bench = doc["spec"]["benchmarks"][0]
        bench["tool"] = draw(st.sampled_from(["inference-perf", "vllm-bench", "guidellm"]))
        bench.setdefault("workload", {})["dataset"] = draw(st.sampled_from(["random", "sharegpt", "shared-prefix"]))
    return doc
