"""Built-in kinds: the schema index per Kubernetes minor, and the scope table."""

import pytest

from inferstack import versions
from inferstack.check.builtin_kinds import CLUSTER_SCOPED, BuiltinKinds, kubernetes_minor
from inferstack.errors import UsageError


def test_every_cluster_scoped_kind_exists_in_a_supported_version():
    known = set()
    for minor in versions.KUBERNETES_SUPPORTED:
        known |= {(api.rpartition("/")[0], kind) for api, kind in BuiltinKinds(minor).index}
    assert CLUSTER_SCOPED - known == set()


def test_index_maps_api_versions_to_definitions():
    index = BuiltinKinds("1.34").index
    assert index[("apps/v1", "Deployment")] == "io.k8s.api.apps.v1.Deployment"
    assert index[("v1", "Service")] == "io.k8s.api.core.v1.Service"
    assert not any(kind == "DeleteOptions" for _, kind in index)  # meta types listed under every group


@pytest.mark.parametrize("given, minor", [(None, versions.KUBERNETES_DEFAULT), ("1.33", "1.33"), ("v1.35.2", "1.35")])
def test_kubernetes_versions(given, minor):
    assert kubernetes_minor(given) == minor


def test_unsupported_kubernetes_version():
    with pytest.raises(UsageError, match="supported: 1.30"):
        kubernetes_minor("1.29")


def test_the_adjusted_definitions_are_cached_and_read_back_the_same(tmp_path, monkeypatch):
    from inferstack.check import builtin_kinds

    fresh = builtin_kinds.load_definitions("1.34")
    assert builtin_kinds.cached_definitions("1.34", tmp_path) == fresh
    assert len(list((tmp_path / "builtin-schemas").glob("1.34-*.json"))) == 1

    def no_parsing(minor):
        raise AssertionError("the cache entry was not used")

    monkeypatch.setattr(builtin_kinds, "load_definitions", no_parsing)
    assert BuiltinKinds("1.34", tmp_path).document == fresh


def test_a_cache_that_cannot_be_written_still_gives_the_definitions(tmp_path):
    from inferstack.check import builtin_kinds

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    assert builtin_kinds.cached_definitions("1.34", blocked) == builtin_kinds.load_definitions("1.34")
