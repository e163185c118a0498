"""The shapes every runner shares: a rule, what it finds, and what it may know about the other objects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from . import objects as k8s

MANDATORY = "mandatory"  # reported as an error: render refuses, check fails, the Pulumi pack blocks
ADVISORY = "advisory"  # reported as a warning
DIAGNOSTIC_SEVERITY = {MANDATORY: "error", ADVISORY: "warning"}


@dataclass(frozen=True)
class Finding:
    path: tuple  # JSON path inside the object
    message: str
    hint: str | None = None


@dataclass
class Inventory:
    """The objects checked together (a render, the files given to `check`, a Pulumi stack):
    what cross-object rules look up. Empty when a rule sees one object alone."""

    objects: list[dict] = field(default_factory=list)
    complete: bool = False  # True when every object of the set is present (render, check, stack policy)

    def __post_init__(self) -> None:
        self.namespaces: dict[str, dict] = {}
        self.network_policies: dict[str, list[dict]] = {}
        self.model_namespaces: dict[str, list[dict]] = {}
        for obj in self.objects:
            gk = k8s.group_kind(obj)
            if gk == "/Namespace":
                self.namespaces[k8s.name_of(obj)] = obj
            elif gk == "networking.k8s.io/NetworkPolicy":
                self.network_policies.setdefault(k8s.namespace_of(obj) or "default", []).append(obj)
            ns = k8s.namespace_of(obj)
            if ns and any(k8s.is_model_server(c.data) for c in k8s.containers(obj)):
                self.model_namespaces.setdefault(ns, []).append(obj)

    @classmethod
    def of(cls, objs: Iterable[dict]) -> Inventory:
        return cls([o for o in objs if isinstance(o, dict)], complete=True)

    def pod_security(self, namespace: str) -> str | None:
        """The Pod Security `enforce` level of a namespace among the objects, None if unknown."""
        ns = self.namespaces.get(namespace)
        return None if ns is None else k8s.labels(ns).get(k8s.PSA_ENFORCE)


@dataclass(frozen=True)
class Context:
    """What a rule knows besides the object itself."""

    inventory: Inventory = field(default_factory=Inventory)
    protected: bool | None = None  # Pulumi's `protect` option of the resource, when the runner knows it


CheckFn = Callable[[dict, Context], Iterator[Finding]]


@dataclass(frozen=True)
class PolicyRule:
    id: str
    name: str
    severity: str  # MANDATORY | ADVISORY
    doc: str  # one line: what the rule requires
    check: CheckFn
    cross_object: bool = False  # reads the other objects (Context.inventory): a stack policy in Pulumi

    @property
    def diagnostic_severity(self) -> str:
        return DIAGNOSTIC_SEVERITY[self.severity]
