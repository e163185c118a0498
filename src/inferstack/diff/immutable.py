"""Fields the API server (or a controller's webhook) refuses to change in place: changing them means
the object is deleted and created again. Data, keyed by API group/kind; paths are JSON paths
without the leading `$`, `[*]` matching any list item.

CRD fields guarded by CEL transition rules (`self == oldSelf`) are listed too; a test keeps this
table in step with the pinned CRDs.
"""

from __future__ import annotations

IMMUTABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "apps/Deployment": ("spec.selector",),
    "apps/StatefulSet": ("spec.selector", "spec.serviceName", "spec.podManagementPolicy", "spec.volumeClaimTemplates"),
    "apps/DaemonSet": ("spec.selector",),
    "batch/Job": ("spec.template", "spec.selector", "spec.completionMode"),
    "/Service": ("spec.clusterIP", "spec.clusterIPs", "spec.ipFamilies"),
    "/PersistentVolumeClaim": ("spec.storageClassName", "spec.accessModes", "spec.volumeName", "spec.volumeMode", "spec.selector"),
    "/ConfigMap": (),
    "gateway.networking.k8s.io/GatewayClass": ("spec.controllerName",),
    "networking.serving.volcano.sh/ModelRoute": ("spec.modelName",),
    "workload.serving.volcano.sh/ModelServing": ("spec.template.gangPolicy.minRoleReplicas",),
    "leaderworkerset.x-k8s.io/LeaderWorkerSet": ("spec.leaderWorkerTemplate.subGroupPolicy.subGroupSize",
                                                 "spec.networkConfig.subdomainPolicy"),
    "karpenter.sh/NodePool": ("spec.template.spec.nodeClassRef.group", "spec.template.spec.nodeClassRef.kind"),
    "cloud.google.com/ComputeClass": ("spec.autopilot",),
    "topology.volcano.sh/HyperNode": (),
}


def immutable_prefix(group_kind: str, path: str) -> str | None:
    """The immutable field that `path` (e.g. `spec.selector.matchLabels.app`) falls under, if any."""
    for field in IMMUTABLE_FIELDS.get(group_kind, ()):
        if path == field or path.startswith(field + ".") or path.startswith(field + "["):
            return field
    return None
