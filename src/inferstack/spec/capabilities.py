"""Engine capability checks: a used feature the engine cannot express is an error naming the
field, the engine, and the engines that can."""

from __future__ import annotations

from ..engines import all_engines, get_engine
from ..engines.features import FEATURES, PARENT, features_used
from ..errors import Diagnostic
from .loader import SourceDoc
from .model import Stack


def engines_supporting(feature: str) -> list[str]:
    return [e.name for e in all_engines() if e.support(feature).supported]


def capability_diagnostics(doc: SourceDoc, stack: Stack) -> list[Diagnostic]:
    engine = get_engine(stack.engine)
    out: list[Diagnostic] = []
    seen: set[tuple] = set()
    for use in features_used(stack):
        support = engine.support(use.feature)
        if support.supported or (use.feature, use.path) in seen:
            continue
        parent = PARENT.get(use.feature)
        if parent and not engine.support(parent).supported:
            continue
        seen.add((use.feature, use.path))
        others = engines_supporting(use.feature)
        can = f"engines that can: {', '.join(others)}" if others else "no engine supports it; remove the field"
        out.append(doc.diag(use.path, "INF301",
                            f"{FEATURES[use.feature].title} is not supported by {engine.title}: {support.how}", can))
    for name in engine.generated_names(stack):
        if len(name.name) > name.limit:
            out.append(doc.diag(name.path, "INF202",
                                f"{name.what} {name.name!r} is {len(name.name)} characters; the limit is {name.limit}",
                                "shorten metadata.name or this name"))
    out.extend(engine.constraints(stack, doc))
    return out
