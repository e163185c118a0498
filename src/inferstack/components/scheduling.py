"""Volcano: the pinned install, its scheduler/controller configuration, the Queue, and HyperNodes."""

from __future__ import annotations

from collections import OrderedDict

from .. import versions
from ..render.context import RenderContext
from ..render.environment import render_object
from ..render.result import Install
from ..render.writer import safe_dump
from .cluster import kind_worker_names

COMPONENT = "scheduling"
PHASE = "20-platform"
NAMESPACE = "volcano-system"
HOSTNAME_LABEL = "kubernetes.io/hostname"
DISCOVERY_TYPE = "inferstack"  # Volcano limits topology type names to 20 characters


def scheduler_config(with_topology: bool) -> str:
    """Volcano's default scheduler configuration, plus the network-topology-aware plugin when needed.

    Without the plugin, Volcano >= 1.14 does not enforce hard topology limits at all.
    """
    tier2 = [{"name": n} for n in ("overcommit", "drf", "predicates", "proportion", "nodeorder", "binpack")]
    if with_topology:
        tier2.append({
            "name": "network-topology-aware",
            "arguments": {
                "weight": 10,
                "hypernode.binpack.cpu": 5,
                "hypernode.binpack.memory": 1,
                "hypernode.binpack.resources": "nvidia.com/gpu",
                "hypernode.binpack.resources.nvidia.com/gpu": 2,
                "hypernode.binpack.normal-pod.enable": True,
                "hypernode.binpack.normal-pod.fading": 0.8,
            },
        })
    config = {
        "actions": "enqueue, allocate, backfill",
        "tiers": [
            {"plugins": [{"name": "priority"}, {"name": "gang", "enablePreemptable": False}, {"name": "conformance"}]},
            {"plugins": tier2},
        ],
    }
    return safe_dump(config, sort_keys=False)


def label_discovery(ctx: RenderContext) -> dict:
    """The controller's label-based HyperNode discovery: tier labels top to bottom, then the hostname."""
    nt = ctx.stack.volcano.network_topology
    levels = [{"nodeLabel": t.node_label} for t in reversed(nt.tiers)] + [{"nodeLabel": HOSTNAME_LABEL}]
    return {"networkTopologyDiscovery": [
        {"source": "label", "enabled": True, "config": {"networkTopologyTypes": {DISCOVERY_TYPE: levels}}},
    ]}


def render(ctx: RenderContext) -> None:
    stack = ctx.stack
    if stack.scheduler != "volcano" or not stack.volcano:
        return
    nt = stack.volcano.network_topology
    values: dict = {"custom": {"scheduler_config_override": scheduler_config(nt is not None)}}
    if nt and nt.discovery == "labels":
        values["custom"]["controller_config_override"] = label_discovery(ctx)
    chart = versions.chart("volcano")
    ctx.install(Install(
        name="volcano", component=COMPONENT, method="helm", version=chart["version"], namespace=NAMESPACE,
        repo=chart["repo"], chart=chart["chart"], values=values,
        provides=("scheduling.volcano.sh/*", "topology.volcano.sh/*", "batch.volcano.sh/*"),
    ))
    ctx.add(render_object("common/volcano-queue.yaml.j2", name=stack.volcano.queue_name, weight=stack.volcano.queue_weight),
            COMPONENT, PHASE)
    if nt and nt.discovery == "static":
        for body in hypernodes(ctx):
            ctx.add(body, COMPONENT, PHASE)


def hypernode_name(ctx: RenderContext, tier: str, value: str) -> str:
    return ctx.name(tier, value)


def hypernodes(ctx: RenderContext) -> list[dict]:
    """A HyperNode tree from pool topology: tier 1 selects nodes, higher tiers select children by name."""
    stack = ctx.stack
    nt = stack.volcano.network_topology
    tiers = nt.tiers
    workers = kind_worker_names(stack) if stack.provider == "kind" else {}
    # members[tier index][value] -> ordered member selectors
    members: list[OrderedDict[str, list[dict]]] = [OrderedDict() for _ in tiers]
    for pool in stack.node_pools:
        if not pool.topology:
            continue
        for i in range(pool.nodes or 0):
            values = [pool.topology_value(t.name, i) for t in tiers]
            leaf = members[0].setdefault(values[0], [])
            if stack.provider == "kind":
                leaf.append({"type": "Node", "selector": {"exactMatch": {"name": workers[(pool.name, i)]}}})
            else:
                selector = {"type": "Node", "selector": {"labelMatch": {"matchLabels": {tiers[0].node_label: values[0]}}}}
                if selector not in leaf:
                    leaf.append(selector)
            for level in range(1, len(tiers)):
                child = {"type": "HyperNode",
                         "selector": {"exactMatch": {"name": hypernode_name(ctx, tiers[level - 1].name, values[level - 1])}}}
                group = members[level].setdefault(values[level], [])
                if child not in group:
                    group.append(child)
    out = []
    for level, tier in enumerate(tiers):
        for value, selectors in members[level].items():
            out.append(render_object("common/hypernode.yaml.j2", name=hypernode_name(ctx, tier.name, value),
                                     tier=level + 1, tier_name=tier.name, members=selectors))
    if stack.provider == "existing":
        labels = ", ".join(t.node_label for t in tiers[:1])
        ctx.note(f"volcano: label the existing nodes with {labels} so that the tier-1 HyperNodes select them")
    return out
