"""Where `check` reads CRDs from and keeps its cache."""

from __future__ import annotations

import os
from pathlib import Path

CRD_DIR_ENV = "INFERSTACK_CRD_DIR"
CACHE_DIR_ENV = "INFERSTACK_CACHE_DIR"


def cache_dir() -> Path:
    """$INFERSTACK_CACHE_DIR, else $XDG_CACHE_HOME/inferstack, else ~/.cache/inferstack."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "inferstack"


def crd_dir(explicit: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The CRD folder and where it came from: --crds, else $INFERSTACK_CRD_DIR, else <cache>/crds
    (the place a future `inferstack crds` command would download the pinned sets to)."""
    if explicit:
        return Path(explicit), "--crds"
    env = os.environ.get(CRD_DIR_ENV)
    if env:
        return Path(env), f"${CRD_DIR_ENV}"
    return cache_dir() / "crds", "the user cache (no --crds or $INFERSTACK_CRD_DIR given)"
