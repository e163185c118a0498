"""cert-manager: the pinned install for engines whose webhooks take their certificates from it."""

from __future__ import annotations

from .. import versions
from ..render.result import Install

NAMESPACE = "cert-manager"


def install(component: str = "engine") -> Install:
    chart = versions.chart("cert-manager")
    return Install(name="cert-manager", component=component, method="helm", version=chart["version"], namespace=NAMESPACE,
                   repo=chart["repo"], chart=chart["chart"], values={"crds": {"enabled": True}},
                   provides=("cert-manager.io/*", "acme.cert-manager.io/*"))
