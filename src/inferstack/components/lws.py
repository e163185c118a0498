"""LeaderWorkerSet: the pinned controller install shared by engines that run multi-node replicas on it."""

from __future__ import annotations

from .. import versions
from ..render.result import Install

NAMESPACE = "lws-system"


def install(component: str = "engine", gang_scheduler: str | None = None) -> Install:
    """The LWS controller; with `gang_scheduler` (e.g. "volcano") it creates one PodGroup per replica group."""
    chart = versions.chart("lws")
    # the chart's default image tag is "main": pin it to the chart version
    values: dict = {"image": {"manager": {"tag": f"v{chart['version']}"}}}
    if gang_scheduler:
        values["gangSchedulingManagement"] = {"schedulerProvider": gang_scheduler}
    return Install(name="lws", component=component, method="helm", version=chart["version"], namespace=NAMESPACE,
                   repo=chart["repo"], chart=chart["chart"], values=values,
                   provides=("leaderworkerset.x-k8s.io/*",))
