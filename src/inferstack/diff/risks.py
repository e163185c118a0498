"""Risk flags: what a reviewer must not miss in a spec change. Ids are stable (see `inferstack rules`)."""

from __future__ import annotations

from ..render.result import Rendered
from .compute import ObjectChange, Risk, SpecDiff

HIGH, MEDIUM = "high", "medium"
STATEFUL_KINDS = {"PersistentVolumeClaim", "PersistentVolume", "StatefulSet"}


def _stateful(o: ObjectChange) -> bool:
    return o.retain or o.kind in STATEFUL_KINDS


def assess(diff: SpecDiff, base: Rendered | None, head: Rendered | None) -> list[Risk]:
    risks: list[Risk] = []
    for o in diff.objects:
        if o.action == "remove" and _stateful(o):
            keep = " (retain: the volume is kept, its data is no longer managed)" if o.retain else ""
            risks.append(Risk("RISK101", HIGH, f"{o.ref} is deleted{keep}"))
        elif o.action == "replace" and _stateful(o):
            risks.append(Risk("RISK102", HIGH, f"{o.ref} will be replaced ({', '.join(o.immutable)} cannot change in place): its data is lost"))
        elif o.action == "replace":
            risks.append(Risk("RISK201", MEDIUM, f"{o.ref} will be replaced: {', '.join(o.immutable)} cannot change in place"))
    if base and head and diff.base_engine != diff.head_engine:
        risks.append(Risk("RISK301", HIGH, f"engine swapped from {diff.base_engine} to {diff.head_engine}: "
                                           "every model is redeployed and the endpoints change"))
    if base and head and base.stack.namespace != head.stack.namespace:
        risks.append(Risk("RISK302", HIGH, f"namespace changes from {base.stack.namespace} to {head.stack.namespace}: "
                                           "every namespaced object is recreated"))
    if base and head:
        old, new = base.summary["gpus"], head.summary["gpus"]
        if old["capacity"] != new["capacity"]:
            risks.append(Risk("RISK401", MEDIUM, f"GPU capacity changes from {old['capacity']} to {new['capacity']}"))
        if old["requested"] != new["requested"]:
            risks.append(Risk("RISK402", MEDIUM, f"GPUs requested change from {old['requested']} to {new['requested']}"))
        if diff.kind_config:
            risks.append(Risk("RISK601", HIGH, "the kind cluster configuration changes: the cluster is deleted and created again"))
    for i in diff.installs:
        if i.action == "change" and i.old_version != i.new_version:
            risks.append(Risk("RISK501", MEDIUM, f"control-plane install {i.name} changes version {i.old_version} -> {i.new_version} "
                                                 "(CRDs and controllers upgrade)"))
        elif i.action == "remove" and base and head:
            risks.append(Risk("RISK502", MEDIUM, f"control-plane install {i.name} is removed"))
    return risks
