import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
INVALID_SPECS = sorted((ROOT / "tests" / "specs" / "invalid").glob("*.yaml"))

# Property tests: a bounded profile in CI (the default), a long one on demand (HYPOTHESIS_PROFILE=long,
# which also runs the tests marked `slow`). Tests that set max_examples themselves scale it with `examples`.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
LONG = PROFILE == "long"
_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=_QUIET)
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=_QUIET)
settings.load_profile(PROFILE)


def examples(ci: int, long: int) -> int:
    """max_examples for a property test: `ci` in the default profile, `long` in the long one."""
    return long if LONG else ci


def pytest_collection_modifyitems(config, items):
    """`slow` tests run with HYPOTHESIS_PROFILE=long or when `-m` selects them."""
    if LONG or "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with HYPOTHESIS_PROFILE=long or pytest -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def crd_dir() -> Path | None:
    """The pinned upstream CRDs: INFERSTACK_CRD_DIR, else ../shared/crds next to the checkout."""
    env = os.environ.get("INFERSTACK_CRD_DIR")
    candidates = [Path(env)] if env else [ROOT.parent / "shared" / "crds"]
    for c in candidates:
        if c.is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def crds() -> Path:
    found = crd_dir()
    if found is None:
        msg = "pinned CRDs not found: set INFERSTACK_CRD_DIR or place them at ../shared/crds"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return found


def bench_samples_dir() -> Path | None:
    """The shared benchmark-tool output samples: INFERSTACK_BENCH_SAMPLES, else ../shared/samples/bench."""
    env = os.environ.get("INFERSTACK_BENCH_SAMPLES")
    candidate = Path(env) if env else ROOT.parent / "shared" / "samples" / "bench"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def bench_samples() -> Path:
    found = bench_samples_dir()
    if found is None:
        msg = "benchmark samples not found: set INFERSTACK_BENCH_SAMPLES or place them at ../shared/samples/bench"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return found


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden from the current render output instead of comparing")


@pytest.fixture(scope="session")
def update_goldens(request) -> bool:
    return request.config.getoption("--update-goldens")
