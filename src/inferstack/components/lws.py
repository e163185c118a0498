"""LeaderWorkerSet: the pinned controller install shared by engines that run multi-node replicas on it."""

from __future__ import annotations

from .. import versions
from ..render.result import Install

NAMESPACE = "lws-system"


def install(component: str = "engine") -> Install:
    chart = versions.chart("lws")
    # the chart's default image tag is "main": pin it to the chart version
    return Install(name="lws", component=component, method="helm", version=chart["version"], namespace=NAMESPACE,
                   repo=chart["repo"], chart=chart["chart"],
                   values={"image": {"manager": {"tag": f"v{chart['version']}"}}},
                   provides=("leaderworkerset.x-k8s.io/*",))
