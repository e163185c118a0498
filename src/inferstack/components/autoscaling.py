"""Autoscaling on model-server metrics with a standard HorizontalPodAutoscaler.

The HPA asks the custom-metrics API for a per-pod metric; prometheus-adapter (pinned) serves it from
the stack's Prometheus, so these stacks need `observability.prometheus: true`. Engines whose own
autoscaler does this natively (Kthena, AIBrix, OME) do not use this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import versions
from ..render.result import Install
from ..spec.model import Model

if TYPE_CHECKING:  # render.context loads Jinja2; validate imports this module for its metric tables
    from ..render.context import RenderContext

NAMESPACE = "monitoring"
PROMETHEUS_URL = "http://kube-prometheus-stack-prometheus.monitoring.svc"


@dataclass(frozen=True)
class Metric:
    api_name: str  # the custom-metrics API name the HPA asks for
    series: str  # the Prometheus series prometheus-adapter reads
    rate: bool  # a counter turned into a per-second rate


# The simulator exports vLLM's metric names.
METRICS = {
    ("vllm", "kv-cache-usage"): Metric("vllm_kv_cache_usage_perc", "vllm:kv_cache_usage_perc", False),
    ("vllm", "queue-depth"): Metric("vllm_num_requests_waiting", "vllm:num_requests_waiting", False),
    ("vllm", "requests-per-second"): Metric("vllm_requests_per_second", "vllm:request_success_total", True),
    ("sglang", "kv-cache-usage"): Metric("sglang_token_usage", "sglang:token_usage", False),
    ("sglang", "queue-depth"): Metric("sglang_num_queue_reqs", "sglang:num_queue_reqs", False),
    ("sglang", "requests-per-second"): Metric("sglang_requests_per_second", "sglang:num_requests_total", True),
}


def metric_family(model: Model) -> str:
    return "sglang" if model.runtime == "sglang" else "vllm"


def metric(model: Model) -> Metric:
    return METRICS[(metric_family(model), model.autoscaling.metric)]


def adapter_rule(m: Metric) -> dict:
    query = ("sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)" if m.rate
             else "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)")
    return {
        "seriesQuery": f'{{__name__="{m.series}",namespace!="",pod!=""}}',
        "resources": {"overrides": {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}},
        "name": {"matches": f"^{m.series}$", "as": m.api_name},
        "metricsQuery": query,
    }


def prometheus_adapter(models: list[Model], component: str = "engine") -> Install:
    chart = versions.chart("prometheus-adapter")
    metrics = sorted({metric(m) for m in models if m.autoscaling}, key=lambda m: m.api_name)
    values = {
        "prometheus": {"url": PROMETHEUS_URL, "port": 9090},
        "rules": {"default": False, "custom": [adapter_rule(m) for m in metrics]},
    }
    return Install(name="prometheus-adapter", component=component, method="helm", version=chart["version"],
                   namespace=NAMESPACE, repo=chart["repo"], chart=chart["chart"], values=values)


def quantity(value: float) -> str:
    """A Kubernetes quantity for an HPA target: whole numbers as they are, fractions in milli-units."""
    if float(value).is_integer():
        return str(int(value))
    return f"{round(value * 1000)}m"


def render_hpa(ctx: RenderContext, model: Model, *, name: str, target: dict, component: str,
               phase: str = "30-models") -> None:
    """An autoscaling/v2 HPA on `target` ({apiVersion, kind, name}: anything with a scale subresource)."""
    ctx.render("common/hpa.yaml.j2", component, phase, name=name, namespace=ctx.namespace,
               labels=ctx.model_labels(model), target=target, min_replicas=model.autoscaling.min_replicas,
               max_replicas=model.autoscaling.max_replicas, metric=metric(model).api_name,
               average=quantity(model.autoscaling.target))


def missing_prometheus_problem(stack) -> str | None:
    if any(m.autoscaling for m in stack.models) and not stack.prometheus:
        return ("autoscaling reads model-server metrics from Prometheus through prometheus-adapter; "
                "this stack runs no Prometheus")
    return None
