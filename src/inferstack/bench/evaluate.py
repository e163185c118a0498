"""Per-stage SLO verdict, goodput and cost, from normalised stage documents.

The verdict is three-valued: a stage misses its SLO when any objective is known to fail; it meets
it when every objective set is known to hold; otherwise (an objective's figure is missing, e.g. a
tool that reported no p95) it is null. p95 is never estimated from other percentiles.
"""

from __future__ import annotations

from typing import Any

SECONDS_PER_HOUR = 3600


def _p95(stage: dict, metric: str) -> float | None:
    dist = stage["latencyMs"].get(metric)
    return dist.get("p95") if dist else None


def _within(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def slo_verdict(stage: dict, slo: dict | None) -> dict[str, Any] | None:
    """{"met", "goodputRequestsPerSecond", "checks"} for one stage, or None without objectives."""
    if not slo:
        return None
    checks: dict[str, bool | None] = {}
    if slo.get("ttftP95Ms") is not None:
        checks["ttftP95"] = _within(_p95(stage, "ttft"), slo["ttftP95Ms"])
    if slo.get("tpotP95Ms") is not None:
        checks["tpotP95"] = _within(_p95(stage, "tpot"), slo["tpotP95Ms"])
    if slo.get("maxErrorRate") is not None:
        checks["errorRate"] = _within(stage["requests"].get("errorRate"), slo["maxErrorRate"])
    if not checks:
        return None
    if any(v is False for v in checks.values()):
        met: bool | None = False
    elif any(v is None for v in checks.values()):
        met = None
    else:
        met = True
    rps = stage["throughput"].get("requestsPerSecond")
    goodput = None if met is None else (0.0 if met is False else rps)
    return {"met": met, "goodputRequestsPerSecond": goodput, "checks": checks}


def cost_per_million_output_tokens(stage: dict, stack: dict) -> float | None:
    """GPUs x hourly price / output tokens per hour x 1e6 (None when a factor is unknown)."""
    gpus, price = stack.get("gpuCount"), stack.get("gpuHourlyCostUSD")
    tokens_per_second = stage["throughput"].get("outputTokensPerSecond")
    if not gpus or price is None or not tokens_per_second:
        return None
    return gpus * price / (tokens_per_second * SECONDS_PER_HOUR) * 1e6
