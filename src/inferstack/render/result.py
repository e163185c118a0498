"""What a render produces: control-plane installs, Kubernetes objects by apply phase, endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Apply order. Control-plane installs run after 10-namespaces and before 20-platform.
PHASES = ("00-cluster", "10-namespaces", "20-platform", "30-models", "40-observability", "50-benchmarks")
INSTALLS_AFTER = "10-namespaces"


@dataclass(frozen=True)
class ObjectPatch:
    """A JSON merge patch (RFC 7386) on one object an install creates, applied before the object is
    created (a Helm post-renderer step, or a Pulumi transformation): for chart settings that have no value."""

    api_version: str
    kind: str
    name: str
    patch: dict[str, Any]
    namespace: str | None = None
    reason: str = ""

    def matches(self, obj: dict[str, Any]) -> bool:
        meta = obj.get("metadata") or {}
        return (obj.get("apiVersion") == self.api_version and obj.get("kind") == self.kind
                and meta.get("name") == self.name and (self.namespace is None or meta.get("namespace") == self.namespace))

    def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The patched object (a new dict); `obj` is left unchanged."""
        return merge_patch(obj, self.patch)

    def to_dict(self) -> dict[str, Any]:
        target: dict[str, Any] = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            target["namespace"] = self.namespace
        out: dict[str, Any] = {"target": target, "mergePatch": self.patch}
        if self.reason:
            out["reason"] = self.reason
        return out


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null removes a key, anything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


@dataclass(frozen=True)
class Install:
    """One control-plane install: a pinned Helm chart or a pinned manifest bundle."""

    name: str
    component: str
    method: str  # helm | manifest
    version: str
    namespace: str | None = None
    repo: str | None = None
    chart: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    server_side: bool = False
    # CRD kinds ("group/Kind") this install registers; objects of those kinds depend on it.
    provides: tuple[str, ...] = ()
    note: str | None = None
    # merge patches on objects the chart/bundle renders, for settings it exposes no value for
    patches: tuple[ObjectPatch, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "component": self.component, "method": self.method, "version": self.version}
        if self.method == "helm":
            out.update({"repo": self.repo, "chart": self.chart, "namespace": self.namespace, "values": self.values})
        else:
            out.update({"url": self.url, "serverSide": self.server_side})
            if self.namespace:
                out["namespace"] = self.namespace
        if self.provides:
            out["provides"] = list(self.provides)
        if self.patches:
            out["patches"] = [p.to_dict() for p in self.patches]
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Obj:
    """A rendered Kubernetes object and where it belongs."""

    body: dict[str, Any]
    component: str  # cluster, gpu, scheduling, gateway, engine, model/<name>, benchmark/<name>, observability
    phase: str
    retain: bool = False  # stateful: keep (and protect) on destroy

    @property
    def kind(self) -> str:
        return self.body["kind"]

    @property
    def api_version(self) -> str:
        return self.body["apiVersion"]

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]

    @property
    def namespace(self) -> str | None:
        return self.body["metadata"].get("namespace")

    @property
    def group_kind(self) -> str:
        group = self.api_version.rsplit("/", 1)[0] if "/" in self.api_version else ""
        return f"{group}/{self.kind}"

    def key(self) -> tuple[str, str, str, str]:
        return (self.api_version, self.kind, self.namespace or "", self.name)


@dataclass(frozen=True)
class Endpoint:
    """How clients (and benchmark jobs) reach one served model."""

    model: str  # the name clients send
    base_url: str  # OpenAI-compatible base, without /v1
    headers: dict[str, str] = field(default_factory=dict)
    served_by: str = ""  # the models[].name behind it (differs for LoRA adapters)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "baseUrl": self.base_url,
            "chatCompletions": f"{self.base_url}/v1/chat/completions",
            "headers": dict(self.headers),
        }
        if self.served_by and self.served_by != self.model:
            out["servedBy"] = self.served_by
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Rendered:
    stack: Any  # spec.model.Stack
    engine: str
    installs: list[Install] = field(default_factory=list)
    objects: list[Obj] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    kind_config: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def by_phase(self) -> dict[str, list[Obj]]:
        out: dict[str, list[Obj]] = {p: [] for p in PHASES}
        for o in self.objects:
            out[o.phase].append(o)
        return {p: objs for p, objs in out.items() if objs}
