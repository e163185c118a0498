"""The cluster layer: kind config, or node-pool objects per cloud (Karpenter, AKS NAP, GKE ComputeClass)."""

from __future__ import annotations

from .. import versions
from ..accelerators import PRODUCTS, provider_name
from ..render.context import GKE_CLASS_LABEL, POOL_LABEL, RenderContext, compute_class_name
from ..render.environment import render_object
from ..render.writer import safe_dump
from ..spec.model import NodePool, Stack

PHASE = "00-cluster"
COMPONENT = "cluster"
SIMULATED_POOL_LABEL = "run.ai/simulated-gpu-node-pool"  # fake-gpu-operator's pool key
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"  # the NVIDIA device-plugin chart's node affinity


def render(ctx: RenderContext) -> dict | None:
    """Add node-pool objects; return the kind config on kind."""
    stack = ctx.stack
    if stack.provider == "kind":
        if every_worker_tainted(stack):
            ctx.note("kind: every pool is tainted, so the control-plane node is left untainted to run the controllers")
        return kind_config(stack)
    if stack.provider == "eks":
        _eks(ctx)
    elif stack.provider == "aks":
        _aks(ctx)
    elif stack.provider == "gke":
        _gke(ctx)
    return None


# --- kind ---------------------------------------------------------------------------------


def kind_worker_names(stack: Stack) -> dict[tuple[str, int], str]:
    """kind names workers <cluster>-worker, <cluster>-worker2, ... in config order."""
    names, n = {}, 0
    for pool in stack.node_pools:
        for i in range(pool.nodes or 0):
            n += 1
            names[(pool.name, i)] = f"{stack.cluster_name}-worker" + (str(n) if n > 1 else "")
    return names


def node_labels(stack: Stack, pool: NodePool, index: int) -> dict[str, str]:
    """Labels of one kind node: pool, accelerator facts, topology tiers, then the user's."""
    labels = {POOL_LABEL: pool.name}
    acc = pool.accelerator
    if acc and acc.vendor == "nvidia":
        labels[GPU_PRESENT_LABEL] = "true"
        product = PRODUCTS.get(acc.product)
        labels["nvidia.com/gpu.product"] = product.gfd if product else acc.product
        labels["nvidia.com/gpu.count"] = str(acc.count_per_node)
        if acc.simulated:
            labels[SIMULATED_POOL_LABEL] = pool.name
    nt = stack.volcano.network_topology if stack.volcano else None
    if nt:
        for tier in nt.tiers:
            value = pool.topology_value(tier.name, index)
            if value is not None:
                labels[tier.node_label] = value
    labels.update(pool.labels)
    return labels


def _taint_patch(pool: NodePool) -> str:
    taints = [{k: v for k, v in (("key", t.key), ("value", t.value), ("effect", t.effect)) if v is not None} for t in pool.taints]
    return safe_dump({"kind": "JoinConfiguration", "nodeRegistration": {"taints": taints}}, sort_keys=False)


# kubeadm taints the control plane unless told otherwise; kind keeps that taint once there are workers.
UNTAINTED_CONTROL_PLANE = safe_dump({"kind": "InitConfiguration", "nodeRegistration": {"taints": []}}, sort_keys=False)


def every_worker_tainted(stack: Stack) -> bool:
    return all(pool.taints for pool in stack.node_pools if pool.nodes)


def kind_config(stack: Stack) -> dict:
    image = versions.KIND["nodeImages"][stack.kubernetes_version]
    # When every pool is tainted (GPU pools are), controllers (cert-manager, Volcano, the engines'
    # operators) would have no node to run on: the control-plane node takes them.
    control_plane_patches = [UNTAINTED_CONTROL_PLANE] if every_worker_tainted(stack) else []
    nodes = [{"role": "control-plane", "image": image, "labels": {}, "patches": control_plane_patches}]
    for pool in stack.node_pools:
        for i in range(pool.nodes or 0):
            nodes.append({
                "role": "worker",
                "image": image,
                "labels": node_labels(stack, pool, i),
                # kind nodes take taints through kubeadm (nodeRegistration works for v1beta3 and v1beta4)
                "patches": [_taint_patch(pool)] if pool.taints else [],
            })
    return render_object("common/kind-config.yaml.j2", name=stack.cluster_name, nodes=nodes)


# --- clouds ---------------------------------------------------------------------------------


def _pool_node_labels(pool: NodePool) -> dict[str, str]:
    labels = {POOL_LABEL: pool.name}
    if pool.accelerator and pool.accelerator.vendor == "nvidia":
        labels[GPU_PRESENT_LABEL] = "true"
    labels.update(pool.labels)
    return labels


def _taints(pool: NodePool) -> list[dict]:
    return [{k: v for k, v in (("key", t.key), ("value", t.value), ("effect", t.effect)) if v is not None} for t in pool.taints]


def _limits(pool: NodePool) -> dict:
    limits: dict = {"nodes": str(pool.max_nodes)}
    if pool.accelerator and not pool.static:
        limits[pool.accelerator.resource] = str(pool.max_nodes * pool.accelerator.count_per_node)
    return limits


def _disruption(pool: NodePool) -> dict | None:
    if pool.static:
        return None
    if pool.accelerator:
        # never evict a running model server to pack GPUs tighter; reclaim only empty nodes
        return {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "10m"}
    return {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m"}


def _karpenter_pool(ctx: RenderContext, pool: NodePool, class_ref: dict, extra_requirements: list[dict]) -> None:
    requirements = [
        # without an instanceType (a CPU pool may omit it), Karpenter picks among every instance type
        *([{"key": "node.kubernetes.io/instance-type", "operator": "In", "values": [pool.instance_type]}]
          if pool.instance_type else []),
        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
        *extra_requirements,
    ]
    ctx.add(render_object(
        "common/karpenter-nodepool.yaml.j2",
        name=ctx.name(pool.name),
        replicas=pool.max_nodes if pool.static else None,
        node_labels=_pool_node_labels(pool),
        node_class_ref=class_ref,
        requirements=requirements,
        taints=_taints(pool),
        expire_after="720h",
        limits=_limits(pool),
        disruption=_disruption(pool),
    ), COMPONENT, PHASE)


def _eks(ctx: RenderContext) -> None:
    stack = ctx.stack
    node_class = ctx.name("nodes")
    cfg = versions.KARPENTER_AWS
    ctx.add(render_object(
        "common/ec2nodeclass.yaml.j2",
        name=node_class,
        role=cfg["nodeRole"].format(cluster=stack.cluster_name),
        ami_alias=cfg["amiAlias"],
        discovery_tags={cfg["discoveryTag"]: stack.cluster_name},
        volume_size=cfg["rootVolumeSize"],
    ), COMPONENT, PHASE)
    ref = {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": node_class}
    for pool in stack.node_pools:
        extra = []
        if pool.accelerator:
            gpu_name = provider_name(pool.accelerator.product, "eks")
            extra.append({"key": "karpenter.k8s.aws/instance-gpu-name", "operator": "In", "values": [gpu_name]})
        _karpenter_pool(ctx, pool, ref, extra)
    ctx.note(f"eks: Karpenter {versions.CRDS['karpenter']} must run in the cluster; nodes use role "
             f"{cfg['nodeRole'].format(cluster=stack.cluster_name)} and subnets/security groups tagged "
             f"{cfg['discoveryTag']}={stack.cluster_name}")


def _aks(ctx: RenderContext) -> None:
    stack = ctx.stack
    cfg = versions.AKS_NAP
    classes = {}
    for pool in stack.node_pools:
        gpu_mode = "Driver" if pool.accelerator else None
        key = gpu_mode or "cpu"
        if key not in classes:
            classes[key] = ctx.name("gpu" if gpu_mode else "cpu")
            ctx.add(render_object(
                "common/aksnodeclass.yaml.j2",
                name=classes[key],
                image_family=cfg["imageFamily"],
                os_disk_gb=cfg["osDiskSizeGB"],
                gpu_mode=gpu_mode,
            ), COMPONENT, PHASE)
        ref = {"group": "karpenter.azure.com", "kind": "AKSNodeClass", "name": classes[key]}
        extra = []
        if pool.accelerator:
            extra.append({"key": "karpenter.azure.com/sku-gpu-name", "operator": "In",
                          "values": [provider_name(pool.accelerator.product, "aks")]})
        _karpenter_pool(ctx, pool, ref, extra)
    ctx.note("aks: node auto-provisioning (nodeProvisioningProfile.mode: Auto) must be on; "
             "inferstack installs the GPU device plugin and taints GPU nodes itself")


def _gke(ctx: RenderContext) -> None:
    stack = ctx.stack
    for pool in stack.node_pools:
        priority: dict = {"machineType": pool.instance_type}
        if pool.accelerator:
            priority["gpu"] = {"type": provider_name(pool.accelerator.product, "gke"),
                               "count": pool.accelerator.count_per_node, "driverVersion": "default"}
        # GKE taints GPU nodes with nvidia.com/gpu itself; other taints are the class's.
        taints = [t for t in _taints(pool) if not (pool.accelerator and t["key"] == pool.accelerator.resource)]
        config = {"taints": taints} if taints else None
        ctx.add(render_object(
            "common/computeclass.yaml.j2",
            name=compute_class_name(stack, pool),
            description=f"inferstack {stack.name}: node pool {pool.name}",
            priorities=[priority],
            node_pool_config=config,
        ), COMPONENT, PHASE)
    ctx.note(f"gke: pods select their pool with {GKE_CLASS_LABEL}; maxNodes bounds validation only — "
             "cap GPUs with the cluster's node auto-provisioning resource limits")
