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
