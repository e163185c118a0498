"""Renders and mock runs shared by the Pulumi tests: computed once per session.

Cases: every example's engine-independent layer, every example's full render with its own
engine, and the quickstart's full render with each of the six engines (it is valid for all) —
full renders skip while an engine's model layer is not implemented.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import pytest

from inferstack.engines import ENGINE_NAMES
from inferstack.errors import RenderRefused
from inferstack.pulumi import mock
from inferstack.pulumi.program import Options, build
from inferstack.render.pipeline import render_stack
from inferstack.render.result import Install, Obj, Rendered
from inferstack.spec.validate import validate_file

from .conftest import EXAMPLES, ROOT

QUICKSTART = ROOT / "examples" / "quickstart-kind.yaml"
STACKS = ROOT / "stacks"

CASES = [(example, None, True) for example in EXAMPLES]
CASES += [(example, None, False) for example in EXAMPLES if example != QUICKSTART]
CASES += [(QUICKSTART, engine, False) for engine in ENGINE_NAMES]


def case_id(case) -> str:
    example, engine, infrastructure_only = case
    return f"{example.stem}-{'infrastructure' if infrastructure_only else engine or 'own-engine'}"


@functools.cache
def _render(example: Path, engine: str | None, infrastructure_only: bool) -> Rendered | str:
    result = validate_file(str(example), engine=engine)
    if not result.ok:
        return f"{example.name} does not validate for {engine}"
    try:
        return render_stack(result.stack, infrastructure_only=infrastructure_only)
    except RenderRefused as exc:
        return str(exc)


def rendered(case) -> Rendered:
    out = _render(*case)
    if isinstance(out, str):
        pytest.skip(out)
    return out


@functools.cache
def _recording(example: Path, engine: str | None, infrastructure_only: bool) -> mock.Recording:
    r = rendered((example, engine, infrastructure_only))
    return mock.run(lambda: build(r, Options()), stack=r.stack.name)


def recording(case) -> mock.Recording:
    return _recording(*case)


def rendering_engines() -> list[str]:
    """Engines whose full render of the quickstart works today."""
    return [e for e in ENGINE_NAMES if not isinstance(_render(QUICKSTART, e, False), str)]


def synthetic_engine_layer(base: Rendered, engine: str) -> Rendered:
    """`base` plus an engine layer the way an engine renders one: a control-plane install that
    registers a CRD group, its namespace, a platform custom resource and a model workload."""
    out = copy.deepcopy(base)
    out.engine = engine
    namespace = f"{engine}-system"
    model = base.stack.models[0].name
    out.installs.append(Install(name=f"{engine}-controller", component="engine", method="helm", version="1.2.3",
                                namespace=namespace, repo="oci://registry.example/charts", chart=engine,
                                values={"replicas": 2}, provides=(f"{engine}.example.dev/*",)))
    out.objects.append(Obj({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                           "namespaces", "10-namespaces"))
    out.objects.append(Obj({"apiVersion": f"{engine}.example.dev/v1", "kind": "ServingRuntime",
                            "metadata": {"name": "runtime", "namespace": base.stack.namespace}, "spec": {"port": 8000}},
                           "engine", "20-platform"))
    out.objects.append(Obj({"apiVersion": f"{engine}.example.dev/v1", "kind": "Model",
                            "metadata": {"name": model, "namespace": base.stack.namespace},
                            "spec": {"runtime": "runtime", "replicas": 2}}, f"model/{model}", "30-models"))
    out.objects.append(Obj({"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": f"{model}-router", "namespace": base.stack.namespace},
                            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "r"}},
                                     "template": {"metadata": {"labels": {"app": "r"}},
                                                  "spec": {"containers": [{"name": "r", "image": "r:1"}]}}}},
                           f"model/{model}", "30-models"))
    return out
