"""The benchmark's generated inputs stay valid for every engine as the spec evolves (bench/specs.py)."""

import sys

import pytest

from inferstack.engines import ENGINE_NAMES
from inferstack.spec.validate import validate_text

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import specs  # noqa: E402 - bench/specs.py, not a package


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize(("models", "variant"), [(1, ""), (12, ""), (12, "head"), (12, "relabel")])
def test_scaled_specs_are_valid_for_every_engine(engine, models, variant):
    result = validate_text(specs.scaled_text(models, variant=variant), "scaled.yaml", engine=engine)
    assert [d.text() for d in result.diagnostics if d.severity == "error"] == []
    assert len(result.stack.models) == models


def test_the_largest_scale_fits_one_kind_pool():
    result = validate_text(specs.scaled_text(500), "scaled.yaml")
    assert result.ok, result.diagnostics[:3]
    pool = result.stack.node_pools[0]
    assert pool.node_count <= specs.NODES_MAX and pool.node_count * pool.accelerator.count_per_node >= 500


def test_a_scale_beyond_one_kind_pool_is_refused():
    with pytest.raises(ValueError, match="one kind pool holds"):
        specs.scaled(2000)
