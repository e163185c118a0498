"""The schema checker for policy tests that also validate objects against the pinned CRDs."""

import pytest

from inferstack.check.checker import Checker


@pytest.fixture(scope="session")
def checker(crds, request, tmp_path_factory) -> Checker:
    """Its CRD cache lives in pytest's cache folder (like tests/check), so CRD YAML is parsed once per checkout."""
    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("inferstack-cache") if cache is not None else tmp_path_factory.mktemp("inferstack-cache")
    return Checker("1.34", crds, cache_dir=folder)
