import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
INVALID_SPECS = sorted((ROOT / "tests" / "specs" / "invalid").glob("*.yaml"))


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
