"""The shipped examples are the contract users copy from: they must validate cleanly."""

import pytest

from inferstack.engines import ENGINE_NAMES
from inferstack.spec.validate import validate_file

from .conftest import EXAMPLES

MODELINE = "# yaml-language-server: $schema=../schemas/inferencestack.v1alpha1.schema.json"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid_without_warnings(example):
    result = validate_file(str(example))
    assert result.diagnostics == []
    assert result.stack is not None


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_points_editors_at_the_schema(example):
    assert example.read_text().splitlines()[0] == MODELINE


def test_examples_cover_every_engine_and_provider():
    stacks = [validate_file(str(e)).stack for e in EXAMPLES]
    assert {s.engine for s in stacks} == set(ENGINE_NAMES)
    assert {s.provider for s in stacks} == {"kind", "eks", "gke", "aks", "existing"}


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_quickstart_swaps_to_every_engine(engine):
    quickstart = next(e for e in EXAMPLES if e.name == "quickstart-kind.yaml")
    assert validate_file(str(quickstart), engine=engine).diagnostics == []
