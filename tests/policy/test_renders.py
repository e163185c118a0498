"""Every example's render, for every engine that renders it, passes every mandatory policy — through
runner 1 (the rendered manifests) and runner 2 (the CrossGuard pack on the same objects, and on the
resources the Pulumi program registers)."""

import pytest

from inferstack.engines import ENGINE_NAMES
from inferstack.policy import objects as k8s
from inferstack.policy.rules import BY_ID
from inferstack.render.verify import policy_findings

from ..conftest import EXAMPLES
from ..test_render_engines import render_or_skip
from .harness import Resource, resources_of, run_pack

PAIRS = [(example, engine) for example in EXAMPLES for engine in ENGINE_NAMES]
IDS = [f"{e}-{x.stem}" for x, e in PAIRS]
# image fields that are not containers: llmaz BackendRuntime keeps image and tag apart (spec.image/version)
NON_CONTAINER_IMAGES = {("inference.llmaz.io/BackendRuntime", ("spec", "image"))}


@pytest.mark.parametrize(("example", "engine"), PAIRS, ids=IDS)
def test_render_passes_every_mandatory_policy(example, engine):
    rendered = render_or_skip(example, engine)
    assert [d.text() for d in policy_findings(rendered)] == []


@pytest.mark.parametrize(("example", "engine"), PAIRS, ids=IDS)
def test_advisories_on_renders_are_only_the_documented_ones(example, engine):
    """What stays advisory by design: vLLM/SGLang images and benchmark tools run as root (POL012), the
    NetworkPolicy is opt-in (POL010)."""
    rendered = render_or_skip(example, engine)
    rules = {d.rule for d in policy_findings(rendered, advisory=True)}
    assert rules <= {"POL010", "POL012"}


@pytest.mark.parametrize(("example", "engine"), PAIRS, ids=IDS)
def test_the_walker_finds_every_container_the_engine_renders(example, engine):
    """Every image in a rendered object sits in a container the policies see, and every pod-bearing
    object has at least one pod spec."""
    rendered = render_or_skip(example, engine)
    for obj in rendered.objects:
        containers = k8s.containers(obj.body)
        paths = [c.path for c in containers]
        for path, _ in k8s.images(obj.body):
            inside = any(path[:len(p)] == p for p in paths)
            assert inside or (obj.group_kind, path) in NON_CONTAINER_IMAGES, (obj.kind, obj.name, path)


@pytest.mark.parametrize(("example", "engine"), PAIRS, ids=IDS)
def test_the_crossguard_pack_passes_every_render(example, engine):
    rendered = render_or_skip(example, engine)
    objects = [o.body for o in rendered.objects]
    assert all(k8s.labels(o).get(k8s.MANAGED_BY_LABEL) == "inferstack" for o in objects)  # in the default scope
    mandatory = [v for v in run_pack(resources_of(objects)) if BY_ID[v.rule].severity == "mandatory"]
    assert mandatory == []


@pytest.mark.parametrize(("example", "engine"), [("quickstart-kind", "kthena"), ("eks-h100-pd", "kthena"),
                                                 ("gke-multinode", "kserve")])
def test_the_pack_passes_what_the_pulumi_program_registers(example, engine):
    """The pack sees resource inputs as the program registers them (type tokens, protect): run the
    program under the mock runtime and judge every registration."""
    from inferstack.pulumi.preview import run_preview

    rendered = render_or_skip(next(e for e in EXAMPLES if e.stem == example), engine)
    recording = run_preview(rendered)
    resources = [Resource(r.type, r.name, r.inputs, r.protect) for r in recording.resources()
                 if r.type.startswith("kubernetes:") and r.custom]
    objects = [r for r in resources if "/" in r.type.split(":")[1] and not r.type.startswith("kubernetes:helm.sh")]
    assert len(objects) == len(rendered.objects)
    violations = run_pack(resources)
    assert [v for v in violations if BY_ID[v.rule].severity == "mandatory"] == []
    if example == "eks-h100-pd":  # its model cache has retain: true, which the program protects
        assert "PersistentVolumeClaim" in {o.kind for o in rendered.objects if o.retain}
    assert not any(v.rule == "POL009" for v in violations)
