"""Engine plugins. Each module declares one Engine; adding an engine means adding a module here."""

from __future__ import annotations

from importlib import import_module

from .base import Engine

# engine name -> module under inferstack.engines
_MODULES = {
    "aibrix": "aibrix",
    "llm-d": "llmd",
    "llmaz": "llmaz",
    "ome": "ome",
    "kthena": "kthena",
    "kserve": "kserve",
}

ENGINE_NAMES = tuple(sorted(_MODULES))


def get_engine(name: str) -> Engine:
    return import_module(f"{__name__}.{_MODULES[name]}").ENGINE


def all_engines() -> list[Engine]:
    return [get_engine(n) for n in ENGINE_NAMES]
