"""Prometheus: the operator install, and PodMonitors/ServiceMonitors for model servers, gateways and GPUs."""

from __future__ import annotations

from dataclasses import dataclass

from .. import versions
from ..render.context import STACK_LABEL, RenderContext
from ..render.environment import render_object
from ..render.result import Install

COMPONENT = "observability"
PHASE = "40-observability"
NAMESPACE = "monitoring"


@dataclass(frozen=True)
class MetricsTarget:
    """Pods (or a Service) that expose Prometheus metrics."""

    name: str
    namespace: str
    match_labels: dict[str, str]
    port: str
    path: str = "/metrics"
    service: bool = False  # ServiceMonitor instead of PodMonitor


def default_model_targets(ctx: RenderContext) -> list[MetricsTarget]:
    """Model-server pods carrying inferstack's stack label and a port named http."""
    return [MetricsTarget(ctx.name("model-servers"), ctx.namespace, {STACK_LABEL: ctx.stack.name}, "http")]


def render(ctx: RenderContext) -> None:
    if not ctx.stack.prometheus:
        return
    chart = versions.chart("kube-prometheus-stack")
    ctx.install(Install(
        name="kube-prometheus-stack", component=COMPONENT, method="helm", version=chart["version"], namespace=NAMESPACE,
        repo=chart["repo"], chart=chart["chart"],
        # pick up monitors that do not carry the chart's release label
        values={"prometheus": {"prometheusSpec": {"serviceMonitorSelectorNilUsesHelmValues": False,
                                                  "podMonitorSelectorNilUsesHelmValues": False}}},
        provides=("monitoring.coreos.com/*",),
    ))
    targets = list(ctx.engine.metrics_targets(ctx))
    if ctx.stack.device_plugin == "fake-gpu-operator":
        targets.append(MetricsTarget(ctx.name("dcgm"), "gpu-operator", {"app": "nvidia-dcgm-exporter"}, "gpu-metrics",
                                     service=True))
    for t in targets:
        endpoint = {"port": t.port, "path": t.path, "interval": "15s"}
        if t.service:
            ctx.add(render_object("common/servicemonitor.yaml.j2", name=t.name, namespace=t.namespace,
                                  namespace_selector=None, match_labels=t.match_labels, endpoints=[endpoint]),
                    COMPONENT, PHASE)
        else:
            ctx.add(render_object("common/podmonitor.yaml.j2", name=t.name, namespace=t.namespace,
                                  match_labels=t.match_labels, endpoints=[endpoint]), COMPONENT, PHASE)
