"""RenderContext: what every component and engine needs while rendering one stack.

It collects installs and objects, stamps standard labels, and answers the shared questions:
names, where a model's pods go (node selection, tolerations, GPU resources, scheduler).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..spec.model import Model, NodePool, Stack
from .environment import render_objects
from .result import Endpoint, Install, Obj

MANAGED_BY = {"app.kubernetes.io/managed-by": "inferstack"}
POOL_LABEL = "inferstack.dev/node-pool"
STACK_LABEL = "inferstack.dev/stack"
MODEL_LABEL = "inferstack.dev/model"
COMPONENT_LABEL = "inferstack.dev/component"
GKE_CLASS_LABEL = "cloud.google.com/compute-class"

# Volcano pod annotations that make its podgroup controller apply queue and topology.
VOLCANO_QUEUE_ANNOTATION = "scheduling.volcano.sh/queue-name"
VOLCANO_TOPOLOGY_MODE = "volcano.sh/network-topology-mode"
VOLCANO_TOPOLOGY_TIER = "volcano.sh/network-topology-highest-tier"


@dataclass(frozen=True)
class Placement:
    """Everything a pod template needs to land on its pool with its GPUs."""

    node_selector: dict[str, str]
    tolerations: list[dict[str, Any]]
    gpu_resource: str | None
    gpus: int
    scheduler_name: str | None
    annotations: dict[str, str]

    def pod_fields(self) -> dict[str, Any]:
        """The pod spec fields that place a pod: scheduler, node selector, tolerations (those set)."""
        fields: dict[str, Any] = {}
        if self.scheduler_name:
            fields["schedulerName"] = self.scheduler_name
        if self.node_selector:
            fields["nodeSelector"] = dict(self.node_selector)
        if self.tolerations:
            fields["tolerations"] = list(self.tolerations)
        return fields

    def resources(self, cpu: str, memory: str) -> dict[str, Any]:
        """requests == limits: CPU, memory and (when any) GPUs."""
        amounts: dict[str, Any] = {"cpu": cpu, "memory": memory}
        if self.gpu_resource and self.gpus:
            amounts[self.gpu_resource] = str(self.gpus)
        return {"requests": dict(amounts), "limits": dict(amounts)}


def pool_selector(stack: Stack, pool: NodePool) -> dict[str, str]:
    """The node labels that select a pool's nodes on this provider."""
    if stack.provider == "gke":
        return {GKE_CLASS_LABEL: compute_class_name(stack, pool)}
    if stack.provider == "existing":
        return dict(pool.labels)
    return {POOL_LABEL: pool.name}


def compute_class_name(stack: Stack, pool: NodePool) -> str:
    return f"{stack.name}-{pool.name}"


def pool_tolerations(pool: NodePool) -> list[dict[str, Any]]:
    out = []
    for t in pool.taints:
        tol: dict[str, Any] = {"key": t.key, "effect": t.effect}
        if t.value is None:
            tol["operator"] = "Exists"
        else:
            tol["operator"] = "Equal"
            tol["value"] = t.value
        out.append(tol)
    return out


@dataclass
class RenderContext:
    stack: Stack
    engine: Any  # engines.base.Engine
    installs: list[Install] = field(default_factory=list)
    objects: list[Obj] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    gateway_ref: Any = None  # components.gateway.GatewayRef of the generic gateway, when one is rendered
    # Namespaces whose pods need host access (e.g. hostPath volumes): Pod Security level "privileged".
    privileged_namespaces: set[str] = field(default_factory=set)

    # --- identity -----------------------------------------------------------------
    @property
    def namespace(self) -> str:
        return self.stack.namespace

    @property
    def gateway(self) -> str:
        """Resolved gateway implementation."""
        return self.engine.gateway(self.stack)

    def name(self, *parts: str) -> str:
        return "-".join((self.stack.name,) + tuple(p for p in parts if p))

    def labels(self, component: str, **extra: str) -> dict[str, str]:
        """Labels for an object's metadata: user labels first, inferstack's own last (they win)."""
        out = dict(self.stack.labels)
        out.update(MANAGED_BY)
        out[STACK_LABEL] = self.stack.name
        out[COMPONENT_LABEL] = component.split("/", 1)[0]
        out.update(extra)
        return out

    def model_labels(self, model: Model, **extra: str) -> dict[str, str]:
        """Pod/workload labels identifying a model's server pods (used by selectors and monitors)."""
        return {STACK_LABEL: self.stack.name, MODEL_LABEL: model.name, **extra}

    # --- placement ----------------------------------------------------------------
    def placement(self, model: Model, gpus: int | None = None) -> Placement:
        """Node selection, tolerations, GPUs and scheduler for one pod of `model`."""
        pool = self.stack.pool(model.node_pool)
        annotations: dict[str, str] = {}
        scheduler = None
        if self.stack.scheduler == "volcano" and self.stack.volcano:
            scheduler = "volcano"
            annotations[VOLCANO_QUEUE_ANNOTATION] = self.stack.volcano.queue_name
            nt = self.stack.volcano.network_topology
            if nt:
                annotations[VOLCANO_TOPOLOGY_MODE] = nt.mode
                annotations[VOLCANO_TOPOLOGY_TIER] = str(nt.tier_index(nt.highest_tier))
        return Placement(
            node_selector=pool_selector(self.stack, pool),
            tolerations=pool_tolerations(pool),
            gpu_resource=model.gpu_resource,
            gpus=model.gpus_per_pod if gpus is None else gpus,
            scheduler_name=scheduler,
            annotations=annotations,
        )

    # --- collecting output ----------------------------------------------------------
    def install(self, install: Install) -> Install:
        if any(i.name == install.name for i in self.installs):
            return install  # shared installs (e.g. LWS) are added once
        self.installs.append(install)
        return install

    def add(self, body: dict, component: str, phase: str, retain: bool = False) -> Obj:
        meta = body.setdefault("metadata", {})
        labels = self.labels(component)
        labels.update(meta.get("labels") or {})
        meta["labels"] = labels
        obj = Obj(body=body, component=component, phase=phase, retain=retain)
        self.objects.append(obj)
        return obj

    def render(self, template: str, component: str, phase: str, retain: bool = False, **variables: Any) -> list[Obj]:
        """Render a template and add every object it yields."""
        return [self.add(body, component, phase, retain) for body in render_objects(template, **variables)]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
