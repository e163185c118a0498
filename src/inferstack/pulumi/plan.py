"""The resource plan of a rendered stack: components, resource names and dependencies.

Pure data, no Pulumi import. The program turns each step into one resource; `preview` and the
tests read the same plan. Ordering rules (every edge points at an earlier step):

- on kind, the `kind create cluster` command comes first; steps without another dependency
  depend on it, so everything depends on it directly or transitively;
- a Namespace comes before the namespaced objects and Helm releases that live in it;
- an install comes after the previous install of its own component (the render lists installs in
  dependency order) and after the earlier installs that register CRDs (`Install.provides`) — for
  shared components only those of the same component, so GPUs, scheduler and gateway install in
  parallel, while the engine's installs wait for every CRD installed before them;
- a custom resource comes after every install (or CustomResourceDefinition object) that provides
  its API group or kind;
- an object comes after the installs of its own component (their controllers and webhooks);
  objects of the workload components (engine, models, benchmarks, observability) come after every
  install and every node-pool object, like `render`'s apply order;
- model objects come after the engine's platform objects; benchmarks after the model objects.

Shared infrastructure (cluster, namespaces, GPUs, scheduling, gateway) never depends on the
engine's steps, and its resource names and components do not depend on the engine.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..render.result import Install, Obj, Rendered

ROOT = "cluster/kind"  # the kind cluster command

# API groups served by Kubernetes itself; anything else is a custom resource needing a CRD.
BUILTIN_GROUPS = frozenset({
    "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
    "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io", "policy", "rbac.authorization.k8s.io",
    "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io",
})

SHARED_COMPONENTS = ("cluster", "namespaces", "gpu", "scheduling", "gateway")
CLUSTER_PHASE = "00-cluster"
ENGINE_PLATFORM_PHASE = "20-platform"
MODELS_PHASE = "30-models"
BENCHMARKS_PHASE = "50-benchmarks"

# component key (or its prefix before "/") -> (type token, rank in the tree)
COMPONENT_TYPES = {
    "cluster": ("inferstack:cluster:Cluster", 0),
    "namespaces": ("inferstack:cluster:Namespaces", 1),
    "gpu": ("inferstack:gpu:DevicePlugin", 2),
    "scheduling": ("inferstack:scheduling:Scheduler", 3),
    "gateway": ("inferstack:gateway:Gateway", 4),
    "engine": ("inferstack:engine:ControlPlane", 5),
    "model": ("inferstack:model:ModelServing", 6),
    "observability": ("inferstack:observability:Observability", 7),
    "benchmark": ("inferstack:bench:Benchmark", 8),
}
OTHER_COMPONENT = ("inferstack:index:Component", 9)
STACK_TYPE = "inferstack:index:InferenceStack"


class PlanError(ValueError):
    """The rendered stack cannot be expressed as one resource per object (a render bug)."""


@dataclass(frozen=True)
class Component:
    key: str  # the component string of Obj/Install: gpu, model/<name>, ...
    type: str
    name: str
    rank: int


@dataclass(frozen=True)
class Step:
    key: str
    component: str
    name: str  # Pulumi resource name: unique per type and parent
    depends_on: tuple[str, ...]
    install: Install | None = None
    obj: Obj | None = None
    retain: bool = False  # keep on delete (and protect, for the object that asked for it)
    protect: bool = False

    @property
    def custom_resource(self) -> bool:
        return self.obj is not None and is_custom(self.obj)


@dataclass
class Plan:
    stack: str
    engine: str
    root: str | None  # ROOT on kind, else None (the cluster exists)
    components: list[Component]
    steps: list[Step]
    # custom resources whose CRD no install provides: the cluster must already serve them
    prerequisite_kinds: list[str] = field(default_factory=list)

    def step(self, key: str) -> Step:
        return self._by_key()[key]

    def _by_key(self) -> dict[str, Step]:
        return {s.key: s for s in self.steps}

    def closure(self, key: str) -> set[str]:
        """Every step key `key` depends on, directly or transitively (ROOT included)."""
        by_key = self._by_key()
        seen: set[str] = set()
        todo = list(by_key[key].depends_on)
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            if k in by_key:
                todo.extend(by_key[k].depends_on)
        return seen


def group_of(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def is_custom(obj: Obj) -> bool:
    return group_of(obj.api_version) not in BUILTIN_GROUPS


def is_namespace(obj: Obj) -> bool:
    return obj.api_version == "v1" and obj.kind == "Namespace"


def is_crd(obj: Obj) -> bool:
    return group_of(obj.api_version) == "apiextensions.k8s.io" and obj.kind == "CustomResourceDefinition"


def provides(pattern: str, group_kind: str) -> bool:
    """`group/*` matches every kind of the group; `group/Kind` that kind only."""
    group, kind = pattern.rsplit("/", 1)
    obj_group, obj_kind = group_kind.rsplit("/", 1)
    return group == obj_group and kind in ("*", obj_kind)


def install_key(install: Install) -> str:
    return f"install/{install.name}"


def object_key(obj: Obj) -> str:
    return "object/" + "/".join(obj.key())


def object_name(obj: Obj) -> str:
    return f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name


def component_of(key: str, rendered: Rendered) -> Component:
    prefix, _, rest = key.partition("/")
    token, rank = COMPONENT_TYPES.get(prefix, OTHER_COMPONENT)
    if token == OTHER_COMPONENT[0]:
        name = key.replace("/", "-")
    elif prefix == "cluster":
        name = rendered.stack.cluster_name
    elif prefix == "engine":
        name = rendered.engine
    else:
        name = rest or prefix
    return Component(key=key, type=token, name=name, rank=rank)


def _dedupe(keys) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


def build_plan(rendered: Rendered) -> Plan:
    root = ROOT if rendered.kind_config is not None else None
    installs, objects = list(rendered.installs), list(rendered.objects)
    _check_unique(installs, objects)

    namespaces = {o.name: object_key(o) for o in objects if is_namespace(o)}
    retained_namespaces = {o.namespace for o in objects if o.retain and o.namespace}
    crd_objects = [o for o in objects if is_crd(o)]
    node_pools = [object_key(o) for o in objects if o.phase == CLUSTER_PHASE]
    all_installs = [install_key(i) for i in installs]
    by_component: dict[str, list[str]] = {}
    for i in installs:
        by_component.setdefault(i.component, []).append(install_key(i))

    def crd_providers(obj: Obj) -> list[str]:
        found = [install_key(i) for i in installs if any(provides(p, obj.group_kind) for p in i.provides)]
        group, kind = obj.group_kind.rsplit("/", 1)
        found += [object_key(c) for c in crd_objects
                  if c.body.get("spec", {}).get("group") == group
                  and c.body.get("spec", {}).get("names", {}).get("kind") == kind]
        return found

    def finish(deps) -> tuple[str, ...]:
        deps = _dedupe(deps)
        return deps or ((root,) if root else ())

    steps: list[Step] = []
    prerequisites: list[str] = []

    # 1. namespaces, and node-pool objects whose APIs the cluster already serves
    early = [o for o in objects if is_namespace(o) or (o.phase == CLUSTER_PHASE and not crd_providers(o))]
    early_keys = {object_key(o) for o in early}
    for obj in early:
        steps.append(_object_step(obj, finish(()), retained_namespaces))
        if is_custom(obj):
            prerequisites.append(obj.group_kind)

    # 2. installs, in render order
    providers_so_far: list[Install] = []
    previous_of_component: dict[str, str] = {}
    for install in installs:
        deps = []
        if install.namespace in namespaces:
            deps.append(namespaces[install.namespace])
        shared = _is_shared(install.component)
        deps += [install_key(p) for p in providers_so_far if not shared or p.component == install.component]
        if install.component in previous_of_component:
            deps.append(previous_of_component[install.component])
        key = install_key(install)
        steps.append(Step(key=key, component=install.component, name=install.name, depends_on=finish(deps),
                          install=install))
        previous_of_component[install.component] = key
        if install.provides:
            providers_so_far.append(install)

    # 3. the other objects, in phase order
    engine_platform = [object_key(o) for o in objects
                       if o.component == "engine" and o.phase <= ENGINE_PLATFORM_PHASE and object_key(o) not in early_keys]
    model_objects = [object_key(o) for o in objects if o.phase == MODELS_PHASE]
    for obj in objects:
        if object_key(obj) in early_keys:
            continue
        deps = []
        if obj.namespace in namespaces:
            deps.append(namespaces[obj.namespace])
        providers = crd_providers(obj)
        if is_custom(obj) and not providers:
            prerequisites.append(obj.group_kind)
        deps += providers
        deps += by_component.get(obj.component, [])
        if not _is_shared(obj.component):
            deps += all_installs + node_pools
        if obj.phase == MODELS_PHASE:
            deps += engine_platform
        if obj.phase == BENCHMARKS_PHASE:
            deps += model_objects
        steps.append(_object_step(obj, finish(k for k in deps if k != object_key(obj)), retained_namespaces))

    components = _components(rendered, steps)
    plan = Plan(stack=rendered.stack.name, engine=rendered.engine, root=root, components=components, steps=steps,
                prerequisite_kinds=sorted(set(prerequisites)))
    _check_order(plan)
    return plan


def _is_shared(component: str) -> bool:
    return component.split("/", 1)[0] in SHARED_COMPONENTS


def _object_step(obj: Obj, deps: tuple[str, ...], retained_namespaces: set[str]) -> Step:
    # deleting a Namespace deletes what is in it: a namespace holding retained volumes is retained too
    holds_retained = is_namespace(obj) and obj.name in retained_namespaces
    return Step(key=object_key(obj), component=obj.component, name=object_name(obj), depends_on=deps, obj=obj,
                retain=obj.retain or holds_retained, protect=obj.retain)


def _components(rendered: Rendered, steps: list[Step]) -> list[Component]:
    keys = ["cluster"] + [s.component for s in steps]  # the cluster component always holds the provider
    found = [component_of(k, rendered) for k in dict.fromkeys(keys)]
    return sorted(found, key=lambda c: c.rank)  # stable: first appearance within a rank


def _check_unique(installs: list[Install], objects: list[Obj]) -> None:
    dupes = sorted(n for n, count in Counter(i.name for i in installs).items() if count > 1)
    if dupes:
        raise PlanError(f"installs rendered twice: {', '.join(dupes)}")
    dupes = sorted("/".join(k) for k, count in Counter(o.key() for o in objects).items() if count > 1)
    if dupes:
        raise PlanError(f"objects rendered twice: {', '.join(dupes)}")


def _check_order(plan: Plan) -> None:
    seen = {plan.root} if plan.root else set()
    for step in plan.steps:
        missing = [d for d in step.depends_on if d not in seen]
        if missing:
            raise PlanError(f"{step.key} depends on {missing} which come later")
        seen.add(step.key)
