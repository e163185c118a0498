"""Full renders of every example for every engine that can express it, pinned by golden files
under tests/golden/<engine>/<example>/, plus the properties every engine must keep."""

import pytest

from inferstack.engines import ENGINE_NAMES
from inferstack.engines.base import EngineNotImplemented
from inferstack.render.pipeline import render_stack
from inferstack.render.writer import render_files
from inferstack.spec.validate import validate_file

from .conftest import EXAMPLES
from .golden_files import GOLDEN, compare_or_update

PAIRS = [(example, engine) for example in EXAMPLES for engine in ENGINE_NAMES]


def render_or_skip(example, engine):
    result = validate_file(str(example), engine=engine)
    if not result.ok:
        pytest.skip(f"{example.name} uses features {engine} cannot express")
    try:
        return render_stack(result.stack)
    except EngineNotImplemented as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize(("example", "engine"), PAIRS, ids=[f"{e}-{x.stem}" for x, e in PAIRS])
def test_render_matches_golden(example, engine, update_goldens):
    rendered = render_or_skip(example, engine)
    compare_or_update(render_files(rendered), GOLDEN / engine / example.stem, update_goldens)


@pytest.mark.parametrize(("example", "engine"), PAIRS, ids=[f"{e}-{x.stem}" for x, e in PAIRS])
def test_every_model_has_an_endpoint_and_no_duplicate_objects(example, engine):
    rendered = render_or_skip(example, engine)
    served = {m.name for m in rendered.stack.models} | {a for m in rendered.stack.models for a in m.adapter_names}
    assert {e.model for e in rendered.endpoints} == served
    keys = [o.key() for o in rendered.objects]
    assert len(keys) == len(set(keys))
    names = [i.name for i in rendered.installs]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("example", "engine"), PAIRS, ids=[f"{e}-{x.stem}" for x, e in PAIRS])
def test_every_rendered_object_passes_check(example, engine, crds):
    from inferstack.render.verify import check_rendered

    report = check_rendered(render_or_skip(example, engine), str(crds))
    errors = [d.text() for d in report.diagnostics if d.severity == "error"]
    assert errors == []
    assert report.objects == len(render_or_skip(example, engine).objects)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_golden_folders_belong_to_examples_the_engine_renders(engine):
    # a golden left behind after an example became inexpressible would pin output nobody renders
    folders = {p.name for p in (GOLDEN / engine).iterdir() if p.is_dir()} if (GOLDEN / engine).is_dir() else set()
    renderable = {x.stem for x in EXAMPLES if validate_file(str(x), engine=engine).ok}
    assert folders == renderable


def _envoy_backend_resources(install) -> list[dict]:
    values = install.values or {}
    return values.get("config", {}).get("envoyGateway", {}).get("extensionManager", {}).get("backendResources", [])


@pytest.mark.parametrize(("example", "engine"), PAIRS, ids=[f"{e}-{x.stem}" for x, e in PAIRS])
def test_envoy_gateway_backend_resources_have_their_crds_installed_first(example, engine):
    """Envoy Gateway watches every extension backend kind without checking its CRD, and never syncs
    while one is missing (envoyproxy/ai-gateway#953): an earlier install must provide each."""
    rendered = render_or_skip(example, engine)
    for index, install in enumerate(rendered.installs):
        provided = {p for earlier in rendered.installs[:index] for p in earlier.provides}
        for resource in _envoy_backend_resources(install):
            group, kind = resource["group"], resource["kind"]
            assert provided & {f"{group}/*", f"{group}/{kind}"}, f"{install.name} watches {kind}.{group} before its CRD"
