"""`inferstack preview`: the program's resource graph, offline, as a tree or as JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..render.result import Rendered
from . import mock
from .mock import Recording, Registration, provider_urn
from .program import Built, Options, build


def run_preview(rendered: Rendered, options: Options | None = None) -> Recording:
    return mock.run(lambda: build(rendered, options), stack=rendered.stack.name)


def _label(reg: Registration) -> str:
    return f"{reg.short_type} {reg.name}"


def _tree_order(recording: Recording) -> list[tuple[Registration, str]]:
    """Registrations depth-first under the root, each with its tree prefix."""
    children: dict[str, list[Registration]] = {}
    for reg in sorted(recording.resources(), key=lambda r: recording.position(r.urn)):
        children.setdefault(reg.parent, []).append(reg)
    roots = [r for r in recording.resources() if r.parent not in {x.urn for x in recording.resources()}]
    out: list[tuple[Registration, str]] = []

    def walk(reg: Registration, prefix: str, last: bool, top: bool) -> None:
        out.append((reg, "" if top else prefix + ("└─ " if last else "├─ ")))
        below = prefix if top else prefix + ("   " if last else "│  ")
        kids = children.get(reg.urn, [])
        for i, kid in enumerate(kids):
            walk(kid, below, i == len(kids) - 1, False)

    for root in roots:
        walk(root, "", True, True)
    return out


def _without_implied_dependencies(recording: Recording) -> dict[str, set[str]]:
    """Each resource's dependencies minus those another of its dependencies already implies
    (the text tree stays readable; `-o json` lists every edge)."""
    by_urn = recording.by_urn()
    closures: dict[str, set[str]] = {}

    def closure(urn: str) -> set[str]:
        if urn not in closures:
            closures[urn] = set()
            direct = by_urn[urn].dependencies if urn in by_urn else []
            closures[urn] = set(direct).union(*(closure(d) for d in direct))
        return closures[urn]

    out = {}
    for reg in recording.resources():
        deps = set(reg.dependencies)
        implied = set().union(*(closure(d) for d in deps))
        out[reg.urn] = deps - implied
    return out


def _flags(reg: Registration) -> list[str]:
    flags = []
    if reg.protect:
        flags.append("protect")
    if reg.retain_on_delete:
        flags.append("retain on delete")
    if reg.custom_timeouts:
        flags.append("timeout " + ", ".join(f"{k} {v}" for k, v in reg.custom_timeouts.items()))
    return flags


def counts(recording: Recording) -> dict[str, Any]:
    resources = recording.resources()
    return {
        "total": len(resources),
        "components": sum(r.type.startswith("inferstack:") for r in resources),
        "byType": dict(sorted(Counter(r.type for r in resources).items())),
    }


def format_text(recording: Recording, rendered: Rendered, spec: str) -> str:
    by_urn = recording.by_urn()
    built: Built = recording.result
    stack = rendered.stack
    lines = [
        f"inferstack preview {spec}: stack {stack.name}, engine {rendered.engine}, "
        f"cluster {stack.provider} ({stack.cluster_name})",
        "offline: the program ran under Pulumi's mock runtime (no cluster, no Pulumi CLI, nothing applied)",
        "",
    ]
    rows = []
    reduced = _without_implied_dependencies(recording)
    for reg, prefix in _tree_order(recording):
        deps = ", ".join(_label(by_urn[d]) for d in sorted(reduced[reg.urn], key=recording.position) if d in by_urn)
        flags = _flags(reg)
        rows.append((prefix + reg.type, reg.name, deps, flags))
    width_type = max(len(r[0]) for r in rows)
    width_name = max(len(r[1]) for r in rows)
    lines.append(f"{'TYPE':<{width_type}}  {'NAME':<{width_name}}  DEPENDS ON (implied ones omitted)")
    for type_, name, deps, flags in rows:
        extra = deps + (f"  [{'; '.join(flags)}]" if flags else "")
        lines.append(f"{type_:<{width_type}}  {name:<{width_name}}  {extra}".rstrip())

    c = counts(recording)
    providers = {provider_urn(r.provider) for r in recording.resources() if r.provider}
    lines += ["", f"{c['total']} resources: {c['components']} components, {c['total'] - c['components']} others; "
              f"every Kubernetes resource uses {len(providers)} explicit provider(s)"]
    for type_, n in sorted(c["byType"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {n:>4}  {type_}")
    lines += ["", "outputs:"] + _output_lines(built.outputs)
    if built.plan.prerequisite_kinds:
        lines += ["", "expected in the cluster already (no install in this stack provides their CRDs): "
                  + ", ".join(built.plan.prerequisite_kinds)]
    messages = [f"{level}: {message}" for level, message in recording.log]
    if messages:
        lines += [""] + messages
    return "\n".join(lines) + "\n"


def _output_lines(outputs: dict[str, Any]) -> list[str]:
    engine = outputs["engine"]
    lines = [f"  engine: {engine['name']} {engine['version']}"]
    if outputs["endpoints"]:
        for model, endpoint in outputs["endpoints"].items():
            headers = "".join(f" -H '{k}: {v}'" for k, v in endpoint["headers"].items())
            lines.append(f"  endpoint {model}: {endpoint['chatCompletions']}{headers}")
    else:
        lines.append("  endpoints: none (infrastructure only)")
    gpus = outputs["gpus"]
    lines.append(f"  gpus: {gpus['requested']} requested of {gpus['capacity']}")
    installs = outputs["versions"]["installs"]
    if installs:
        lines.append("  installs: " + ", ".join(f"{n} {v}" for n, v in installs.items()))
    if "kind" in outputs["versions"]:
        lines.append(f"  kind: {outputs['versions']['kind']['version']} ({outputs['versions']['kind']['nodeImage']})")
    return lines


def as_json(recording: Recording, rendered: Rendered, spec: str) -> dict[str, Any]:
    built: Built = recording.result
    by_urn = recording.by_urn()
    resources = []
    for reg in sorted(recording.resources(), key=lambda r: recording.position(r.urn)):
        item: dict[str, Any] = {
            "urn": reg.urn,
            "type": reg.type,
            "name": reg.name,
            "parent": reg.parent if reg.parent in by_urn else None,
            "dependsOn": sorted(reg.dependencies, key=recording.position),
            "provider": provider_urn(reg.provider) if reg.provider else None,
        }
        for key, value in (("protect", reg.protect), ("retainOnDelete", reg.retain_on_delete),
                           ("customTimeouts", reg.custom_timeouts)):
            if value:
                item[key] = value
        resources.append(item)
    return {
        "spec": spec,
        "stack": rendered.stack.name,
        "engine": rendered.engine,
        "resources": resources,
        "counts": counts(recording),
        "outputs": built.outputs,
        "prerequisiteKinds": built.plan.prerequisite_kinds,
        "log": [{"level": level, "message": message} for level, message in recording.log],
    }


def format_json(recording: Recording, rendered: Rendered, spec: str) -> str:
    return json.dumps(as_json(recording, rendered, spec), indent=2, ensure_ascii=False) + "\n"
