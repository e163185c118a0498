"""Compute the difference between two renders: objects, fields, installs, summary deltas, risks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..render.result import Obj, Rendered
from .immutable import immutable_prefix
from .redact import redact_env, redact_value

MISSING = object()


@dataclass(frozen=True)
class FieldChange:
    path: str  # JSON path inside the object, e.g. $.spec.replicas
    old: Any = None
    new: Any = None
    op: str = "~"  # ~ changed, + added, - removed

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"path": self.path, "op": self.op}
        if self.op != "+":
            out["old"] = self.old
        if self.op != "-":
            out["new"] = self.new
        return out


@dataclass
class ObjectChange:
    action: str  # add | remove | change | replace
    api_version: str
    kind: str
    namespace: str | None
    name: str
    component: str
    fields: list[FieldChange] = field(default_factory=list)
    immutable: list[str] = field(default_factory=list)  # immutable fields that changed (action replace)
    retain: bool = False

    @property
    def ref(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.api_version} {self.kind} {where}{self.name}"

    def to_dict(self) -> dict:
        out = {"action": self.action, "apiVersion": self.api_version, "kind": self.kind, "namespace": self.namespace,
               "name": self.name, "component": self.component, "fields": [f.to_dict() for f in self.fields]}
        if self.immutable:
            out["immutable"] = self.immutable
        return out


@dataclass(frozen=True)
class InstallChange:
    name: str
    action: str  # add | remove | change
    old_version: str | None
    new_version: str | None
    fields: tuple[FieldChange, ...] = ()

    def to_dict(self) -> dict:
        return {"name": self.name, "action": self.action, "oldVersion": self.old_version, "newVersion": self.new_version,
                "fields": [f.to_dict() for f in self.fields]}


@dataclass(frozen=True)
class SummaryDelta:
    name: str
    old: Any
    new: Any

    def to_dict(self) -> dict:
        return {"name": self.name, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Risk:
    id: str
    severity: str  # high | medium
    message: str

    def to_dict(self) -> dict:
        return {"id": self.id, "severity": self.severity, "message": self.message}


@dataclass
class SpecDiff:
    label: str
    base_engine: str | None
    head_engine: str | None
    objects: list[ObjectChange] = field(default_factory=list)
    installs: list[InstallChange] = field(default_factory=list)
    summary: list[SummaryDelta] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    kind_config: list[FieldChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.objects or self.installs or self.summary or self.kind_config)

    def counts(self) -> dict[str, int]:
        out = {"add": 0, "remove": 0, "change": 0, "replace": 0}
        for o in self.objects:
            out[o.action] += 1
        return out

    def to_dict(self) -> dict:
        return {"spec": self.label, "engine": {"base": self.base_engine, "head": self.head_engine},
                "counts": self.counts(), "objects": [o.to_dict() for o in self.objects],
                "installs": [i.to_dict() for i in self.installs], "summary": [s.to_dict() for s in self.summary],
                "kindConfig": [f.to_dict() for f in self.kind_config], "risks": [r.to_dict() for r in self.risks]}


# --- field-level diff ---------------------------------------------------------------------------


def _key_segment(key: str) -> str:
    return f".{key}" if key.replace("-", "_").isidentifier() else f"[{key!r}]"


def _named(items: list) -> bool:
    return bool(items) and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items) \
        and len({i["name"] for i in items}) == len(items)


def diff_values(old: Any, new: Any, path: str, kind: str, out: list[FieldChange], env_name: str | None = None) -> None:
    """Append the changes between two JSON values; Secret payloads and credentials are redacted."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            sub = path + _key_segment(str(key))
            diff_values(old.get(key, MISSING), new.get(key, MISSING), sub, kind, out, env_name)
        return
    if isinstance(old, list) and isinstance(new, list):
        if _named(old) and _named(new):
            old_by, new_by = {i["name"]: i for i in old}, {i["name"]: i for i in new}
            for name in list(old_by) + [n for n in new_by if n not in old_by]:
                diff_values(old_by.get(name, MISSING), new_by.get(name, MISSING), f"{path}[name={name}]", kind, out,
                            env_name=name if path.endswith(".env") else env_name)
            return
        for i in range(max(len(old), len(new))):
            diff_values(old[i] if i < len(old) else MISSING, new[i] if i < len(new) else MISSING, f"{path}[{i}]", kind, out)
        return
    bare = path[2:] if path.startswith("$.") else path

    def show(v: Any) -> Any:
        return None if v is MISSING else _redact_tree(v, bare, kind, env_name)

    op = "+" if old is MISSING else "-" if new is MISSING else "~"
    out.append(FieldChange(path, show(old), show(new), op))


def _redact_tree(value: Any, path: str, kind: str, env_name: str | None) -> Any:
    """Redact a whole added/removed subtree: Secret payloads, credential-like strings, secret env values."""
    if isinstance(value, dict):
        name = value.get("name") if isinstance(value.get("name"), str) else None
        return {k: _redact_tree(v, f"{path}.{k}", kind, name if k == "value" and name else env_name)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_tree(v, f"{path}[{i}]", kind, env_name) for i, v in enumerate(value)]
    return redact_env(env_name, redact_value(value, path, kind))


def _bare(path: str) -> str:
    """$.spec.containers[name=x].image -> spec.containers[name=x].image"""
    return path[2:] if path.startswith("$.") else path.lstrip("$")


# --- objects -------------------------------------------------------------------------------------


def _index(rendered: Rendered | None) -> dict[tuple, Obj]:
    if rendered is None:
        return {}
    return {(o.group_kind, o.namespace or "", o.name): o for o in rendered.objects}


def diff_objects(base: Rendered | None, head: Rendered | None) -> list[ObjectChange]:
    old, new = _index(base), _index(head)
    changes: list[ObjectChange] = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        ref = b or a
        change = ObjectChange(action="", api_version=ref.api_version, kind=ref.kind, namespace=ref.namespace,
                              name=ref.name, component=ref.component, retain=bool((a and a.retain) or (b and b.retain)))
        if a is None:
            change.action = "add"
        elif b is None:
            change.action = "remove"
        else:
            fields: list[FieldChange] = []
            diff_values(_without_status(a.body), _without_status(b.body), "$", ref.kind, fields)
            if not fields:
                continue
            change.fields = fields
            immutable = sorted({p for f in fields if (p := immutable_prefix(ref.group_kind, _bare(f.path)))})
            change.immutable = immutable
            change.action = "replace" if immutable else "change"
        changes.append(change)
    return changes


def _without_status(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "status"}


# --- installs and summary ------------------------------------------------------------------------


def diff_installs(base: Rendered | None, head: Rendered | None) -> list[InstallChange]:
    old = {i.name: i for i in base.installs} if base else {}
    new = {i.name: i for i in head.installs} if head else {}
    out = []
    for name in list(old) + [n for n in new if n not in old]:
        a, b = old.get(name), new.get(name)
        if a is None:
            out.append(InstallChange(name, "add", None, b.version))
        elif b is None:
            out.append(InstallChange(name, "remove", a.version, None))
        else:
            fields: list[FieldChange] = []
            diff_values(a.to_dict(), b.to_dict(), "$", "Install", fields)
            if fields:
                out.append(InstallChange(name, "change", a.version, b.version, tuple(fields)))
    return out


def _summary_facts(rendered: Rendered | None) -> dict[str, Any]:
    if rendered is None:
        return {}
    s, stack = rendered.summary, rendered.stack
    facts: dict[str, Any] = {
        "engine": s["engine"]["name"],
        "namespace": s["namespace"],
        "GPUs requested": s["gpus"]["requested"],
        "GPU capacity": s["gpus"]["capacity"],
        "objects": s["objects"]["total"],
    }
    for m in stack.models:
        facts[f"replicas of {m.name}"] = m.replicas if not m.autoscaling else f"{m.autoscaling.min_replicas}..{m.autoscaling.max_replicas}"
    for model, endpoint in sorted(s["endpoints"].items()):
        facts[f"endpoint of {model}"] = endpoint["baseUrl"]
    prices = [b.gpu_hourly_cost_usd for b in stack.benchmarks if b.gpu_hourly_cost_usd]
    if prices:
        facts["estimated GPU cost per hour (USD)"] = round(max(prices) * s["gpus"]["requested"], 2)
    return facts


def diff_kind_config(base: Rendered | None, head: Rendered | None) -> list[FieldChange]:
    old = base.kind_config if base else None
    new = head.kind_config if head else None
    if old is None or new is None:
        return []
    out: list[FieldChange] = []
    diff_values(old, new, "$", "Cluster", out)
    return out


def diff_summary(base: Rendered | None, head: Rendered | None) -> list[SummaryDelta]:
    old, new = _summary_facts(base), _summary_facts(head)
    return [SummaryDelta(k, old.get(k), new.get(k)) for k in list(old) + [k for k in new if k not in old]
            if old.get(k) != new.get(k)]
