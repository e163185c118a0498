"""Shared fixtures for `check` tests: one Checker for the session, a temporary cache, and helpers."""

from pathlib import Path

import pytest

from inferstack.check.checker import Checker

HERE = Path(__file__).resolve().parent
VALID = sorted((HERE / "valid").glob("*.yaml"))
FIXTURES = sorted((HERE / "fixtures").glob("CHK*.yaml"))


@pytest.fixture(scope="session", autouse=True)
def temporary_cache(request, tmp_path_factory):
    """No test touches the user's cache: $INFERSTACK_CACHE_DIR points into pytest's own cache folder
    (.pytest_cache, per checkout, removed by `make clean`), so only a checkout's first run parses the
    pinned CRD YAML. Entries are keyed by the CRD files and by the code that translates them, so a
    reused entry is never stale. Tests of the cache itself use their own empty folders."""
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    folder = cache.mkdir("inferstack-cache") if cache is not None else tmp_path_factory.mktemp("inferstack-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INFERSTACK_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def checker(crds, temporary_cache) -> Checker:
    """Loads and compiles only what the tests ask for; shared so each schema is compiled once."""
    return Checker("1.34", crds, cache_dir=temporary_cache)


@pytest.fixture
def check(checker):
    """check(obj, ...) -> [(rule, path)] for in-memory objects."""

    def run(*objects):
        report = checker.check_objects(list(objects))
        return [(d.rule, d.path) for d in report.diagnostics]

    return run
