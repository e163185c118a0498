"""The Pulumi program: a Rendered stack as components, releases, bundles and objects.

`stacks/__main__.py` calls `run_from_config`; `inferstack preview` and the tests call `build` under
Pulumi's mock runtime. Nothing here knows an engine: it reads `Rendered` (installs with their
`provides`, objects with component/phase/retain, endpoints, kind config, summary) and the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from .. import versions
from ..errors import RenderRefused, UsageError
from ..render.result import Rendered
from . import cluster as cluster_resources
from .plan import ROOT, STACK_TYPE, Component, Plan, Step, build_plan
from .resources import KubernetesObject, install_resource, object_options
from .source import Source, SpecRejected, load

CONFIG_NAMESPACE = "inferstack"


@dataclass(frozen=True)
class Options:
    kube_context: str | None = None  # inferstack:kubeContext


class InferstackComponent(pulumi.ComponentResource):
    """One component of the stack (cluster, device plugin, scheduler, gateway, engine control plane,
    a model, a benchmark, observability); its resources are its children."""

    def __init__(self, type_: str, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(type_, name, None, opts)


@dataclass
class Built:
    plan: Plan
    stack: InferstackComponent
    components: dict[str, InferstackComponent]
    resources: dict[str, pulumi.Resource]  # by plan step key (and ROOT on kind)
    provider: pulumi.ProviderResource
    cluster: pulumi.Resource | None  # the kind cluster command
    outputs: dict[str, Any] = field(default_factory=dict)  # stack outputs, plain data
    secret_outputs: dict[str, pulumi.Output] = field(default_factory=dict)

    @property
    def all_resources(self) -> list[pulumi.Resource]:
        """Every resource in creation order."""
        cluster = [self.cluster] if self.cluster is not None else []
        steps = [self.resources[s.key] for s in self.plan.steps]
        return [self.stack, *self.components.values(), *cluster, self.provider, *steps]


def build(rendered: Rendered, options: Options | None = None) -> Built:
    options = options or Options()
    plan = build_plan(rendered)
    stack = InferstackComponent(STACK_TYPE, plan.stack)
    components = {c.key: InferstackComponent(c.type, c.name, pulumi.ResourceOptions(parent=stack))
                  for c in plan.components}
    cluster_component = components["cluster"]
    kind_cluster = None
    if plan.root == ROOT:
        kind_cluster = cluster_resources.kind_cluster(rendered.stack.cluster_name, rendered.kind_config,
                                                      cluster_component)
        provider = cluster_resources.kind_provider(kind_cluster, cluster_component)
    else:
        provider = cluster_resources.existing_provider(rendered.stack.cluster_name,
                                                       kube_context(rendered, options), cluster_component)

    resources: dict[str, pulumi.Resource] = {ROOT: kind_cluster} if kind_cluster else {}
    for step in plan.steps:
        opts = pulumi.ResourceOptions(
            parent=components[step.component],
            provider=provider,
            depends_on=[resources[d] for d in step.depends_on],
            protect=step.protect,
            retain_on_delete=step.retain or None,
            # deleting the kind cluster deletes everything in it: no object-by-object teardown
            deleted_with=kind_cluster,
        )
        resources[step.key] = _resource(step, opts)

    built = Built(plan=plan, stack=stack, components=components, resources=resources, provider=provider,
                  cluster=kind_cluster, outputs=stack_outputs(rendered))
    if kind_cluster is not None:
        built.secret_outputs["kubeconfig"] = pulumi.Output.secret(kind_cluster.stdout)
    for component in plan.components:
        components[component.key].register_outputs(component_outputs(component, plan, rendered))
    stack.register_outputs({"engine": rendered.engine, "endpoints": built.outputs["endpoints"]})
    return built


def _resource(step: Step, opts: pulumi.ResourceOptions) -> pulumi.Resource:
    if step.install is not None:
        return install_resource(step.install, opts)
    opts = pulumi.ResourceOptions.merge(opts, object_options(step.obj))
    return KubernetesObject(step.name, step.obj.body, opts)


def kube_context(rendered: Rendered, options: Options) -> str | None:
    """The configured context; on `existing` clusters the spec's cluster name is the context name."""
    if options.kube_context:
        return options.kube_context
    if rendered.stack.provider == "existing":
        return rendered.stack.cluster_name
    pulumi.log.warn("inferstack:kubeContext is not set: deploying with the current context of the kubeconfig")
    return None


def component_outputs(component: Component, plan: Plan, rendered: Rendered) -> dict[str, Any]:
    steps = [s for s in plan.steps if s.component == component.key]
    out: dict[str, Any] = {
        "installs": {s.install.name: s.install.version for s in steps if s.install},
        "objects": [f"{s.obj.kind}/{s.name}" for s in steps if s.obj],
    }
    if component.key.startswith("model/"):
        model = component.key.split("/", 1)[1]
        out["endpoints"] = [e.to_dict() for e in rendered.endpoints if (e.served_by or e.model) == model]
    return out


def stack_outputs(rendered: Rendered) -> dict[str, Any]:
    """What `pulumi stack output` shows: endpoints, engine, pinned versions, GPU totals."""
    summary = rendered.summary
    pinned = dict(summary["versions"])
    if rendered.kind_config is not None:
        pinned["kind"] = {"version": versions.KIND["version"], "nodeImage": rendered.kind_config["nodes"][0]["image"]}
    return {
        "stack": summary["stack"],
        "specHash": summary["specHash"],
        "engine": summary["engine"],
        "namespace": summary["namespace"],
        "endpoints": summary["endpoints"],
        "versions": pinned,
        "gpus": summary["gpus"],
        "secretsRequired": summary["secretsRequired"],
        "retainedVolumes": summary["retainedVolumes"],
    }


def source_from_config(config: pulumi.Config, base_dir: Path) -> Source:
    spec = Path(config.require("spec"))
    return Source(
        spec=str(spec if spec.is_absolute() else base_dir / spec),
        engine=config.get("engine") or None,
        infrastructure_only=config.get_bool("infrastructureOnly") or False,
    )


def run_from_config(base_dir: Path) -> Built:
    """The body of stacks/__main__.py: stack config -> validate + render -> resources + outputs."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    source = source_from_config(config, base_dir)
    try:
        rendered, warnings = load(source)
    except (SpecRejected, RenderRefused, UsageError) as exc:
        raise pulumi.RunError(f"inferstack: {exc}") from None
    for diagnostic in warnings:
        pulumi.log.warn(diagnostic.text())
    for note in rendered.notes:
        pulumi.log.info(note)
    built = build(rendered, Options(kube_context=config.get("kubeContext") or None))
    for name, value in {**built.outputs, **built.secret_outputs}.items():
        pulumi.export(name, value)
    return built
