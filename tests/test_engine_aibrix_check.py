"""Every object the AIBrix engine renders — for every example and every supported feature — passes
`inferstack check` against the pinned CRDs (strict on unknown fields, CEL rules) and the built-in
Kubernetes schemas."""

import pytest

from inferstack.check import check_objects
from inferstack.render.pipeline import render_stack
from inferstack.spec.validate import validate_file

from .aibrix_specs import multinode, pd, render, spec, volcano
from .conftest import EXAMPLES
from .test_engine_aibrix_capabilities import CASES, LEVELS


def observed(doc: dict) -> dict:
    doc["spec"]["observability"] = {"prometheus": True}
    return doc


AUTOSCALING = {"minReplicas": 1, "maxReplicas": 2, "metric": "kv-cache-usage", "target": 0.6}

CHECKED_SPECS = {
    **{f"example-{p.stem}": p for p in EXAMPLES},
    **{f"feature-{f}": doc for f, (doc, _) in CASES.items() if LEVELS[f] != "no"},
    "pd-volcano-autoscaled": observed(volcano(pd(autoscaling=AUTOSCALING))),
    "pd-volcano-topology": volcano(pd(), topology=True),
    "multinode-lora-volcano": observed(volcano(multinode(lora={"adapters": [{"name": "a", "uri": "s3://b/a"}]}))),
    "multinode-pd-sglang": spec(runtime={"name": "sglang"}, nodesPerReplica=2, disaggregation={
        "prefill": {"parallelism": {"tensor": 16}}, "decode": {"parallelism": {"tensor": 16}}, "kvConnector": "nixl"}),
    "lora-queue-autoscaled": observed(spec(lora={"adapters": [{"name": "a", "uri": "gs://b/a"}]}, routing={"strategy": "prefix-cache"},
                                           autoscaling={**AUTOSCALING, "metric": "queue-depth", "target": 4})),
    "simulator-lora-token": spec(runtime={"name": "simulator"}, lora={"adapters": [{"name": "a", "uri": "hf://o/a"}]},
                                 source={"uri": "hf://org/model", "revision": "abc", "tokenSecret": {"name": "hf"}}),
}


@pytest.mark.parametrize("name", sorted(CHECKED_SPECS))
def test_every_rendered_object_passes_check(name, crds):
    source = CHECKED_SPECS[name]
    if isinstance(source, dict):
        rendered = render(source)
    else:
        result = validate_file(str(source), engine="aibrix")
        if not result.ok:
            pytest.skip(f"{source.name} uses features AIBrix cannot express")
        rendered = render_stack(result.stack)
    report = check_objects([o.body for o in rendered.objects], kubernetes_version=rendered.stack.kubernetes_version,
                           crd_dir=crds, source=f"<{name}>")
    assert report.ok, [str(d) for d in report.diagnostics]
    assert report.objects == len(rendered.objects)
    assert any("aibrix.ai" in o.api_version or o.kind in ("Deployment", "Service") for o in rendered.objects)
