"""The capability table: complete for every engine, and what validate enforces."""

import pytest

from inferstack.engines import ENGINE_NAMES, all_engines, get_engine
from inferstack.engines.base import LEVELS
from inferstack.engines.features import FEATURES, PARENT
from inferstack.spec.capabilities import engines_supporting
from inferstack.spec.validate import validate_text

from .conftest import EXAMPLES


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_table_covers_every_feature_with_a_reason(engine):
    table = get_engine(engine).capabilities
    assert set(table) == set(FEATURES)
    for feature, support in table.items():
        assert support.level in LEVELS, feature
        assert support.how.strip(), feature


def test_parents_are_features():
    assert set(PARENT) <= set(FEATURES) and set(PARENT.values()) <= set(FEATURES)


def test_every_feature_is_expressible_by_some_engine():
    unsupported = [f for f in FEATURES if not engines_supporting(f)]
    # no engine's P/D path carries LMCache's transfer settings, and Mooncake needs RDMA devices in the pods
    assert unsupported == ["kv-connector:lmcache", "kv-connector:mooncake", "autoscaling-metric:gpu-utilization",
                           "gateway:kgateway"]


def test_quickstart_features_are_supported_everywhere():
    text = next(e for e in EXAMPLES if e.name == "quickstart-kind.yaml").read_text()
    for engine in all_engines():
        assert validate_text(text, "q.yaml", engine=engine.name).ok, engine.name


def test_capability_error_names_field_engine_and_alternatives():
    text = next(e for e in EXAMPLES if e.name == "eks-h100-pd.yaml").read_text()
    diags = validate_text(text, "pd.yaml", engine="llmaz").diagnostics
    pd = next(d for d in diags if d.path == "$.spec.models[0].disaggregation")
    assert pd.rule == "INF301"
    assert "llmaz" in pd.message
    assert pd.hint == "engines that can: aibrix, kserve, kthena, llm-d, ome"
    # sub-features of an unsupported feature are not reported again
    assert not any(d.path.endswith("kvConnector") for d in diags)
