"""The normalised shapes parsers produce: one Stage per load level, Parts that collect() groups into runs.

Units here are the normalised ones: latencies in milliseconds, rates per second. A statistic a
tool did not report stays None; nothing is estimated from other statistics.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MS_PER_SECOND = 1000
LATENCIES = ("ttft", "tpot", "itl", "e2e", "ntpot")
STATS = ("mean", "p50", "p90", "p95", "p99")


class ParseError(ValueError):
    """A file that looks like a tool's output but lacks what the format requires."""


def number(value: Any, what: str = "value") -> float | int | None:
    """A JSON/YAML number; None, NaN and infinities (a tool's "no data") become None; anything else
    is a ParseError."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParseError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def scaled(value: Any, factor: float, what: str = "value") -> float | int | None:
    """value x factor, None-safe; factor 1 returns the value untouched."""
    v = number(value, what)
    if v is None or factor == 1:
        return v
    return v * factor


def integer(value: Any, what: str = "count") -> int | None:
    """A request count: integral numbers (AIPerf writes 89.0) become int."""
    v = number(value, what)
    if v is None:
        return None
    if isinstance(v, float):
        if not v.is_integer():
            raise ParseError(f"{what}: expected a whole number, got {v!r}")
        return int(v)
    return v


def distribution(obj: Any, keys: Mapping[str, str], factor: float = 1, what: str = "") -> dict | None:
    """Pick the normalised statistics (mean, p50, p90, p95, p99) out of a tool's summary object.

    `keys` maps a normalised statistic to the tool's key; statistics not in `keys` (or absent from
    `obj`) are None. Returns None when the tool reported none of them.
    """
    if not isinstance(obj, Mapping):
        return None
    out = {stat: scaled(obj.get(keys[stat]), factor, f"{what}.{keys[stat]}") if stat in keys else None
           for stat in STATS}
    return out if any(v is not None for v in out.values()) else None


def _lerp(a: float, b: float, t: float) -> float:
    """numpy's linear interpolation (the same rounding, so results match numpy-based tools)."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def percentile(sorted_values: list[float], p: float) -> float:
    """Linear-interpolation percentile (numpy's default method) of already sorted values."""
    rank = p / 100 * (len(sorted_values) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(sorted_values) - 1)
    return _lerp(sorted_values[lo], sorted_values[hi], rank - lo)


def mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def from_samples(values: Iterable[float], factor: float = 1) -> dict | None:
    """Statistics of raw per-request (or pooled per-gap) samples in the tool's unit, then x factor
    (so a mean converts exactly as the tool's own mean would)."""
    data = sorted(values)
    if not data:
        return None
    out = {"mean": mean(data)}
    for stat, p in (("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99)):
        out[stat] = percentile(data, p)
    return {k: scaled(v, factor) for k, v in out.items()}


@dataclass
class Stage:
    """One load level of a run, in normalised units."""

    index: int | None = None  # the stage number the tool recorded (None: order by `order`)
    order: tuple = ()  # sort key among stages without an index (e.g. concurrency)
    requested_rate: float | None = None
    achieved_rate: float | None = None
    concurrency: int | None = None
    load_type: str | None = None
    burstiness: float | None = None
    duration: float | None = None
    total: int | None = None
    ok: int | None = None
    failed: int | None = None  # errored + incomplete
    incomplete: int | None = None
    errors: dict[str, int] | None = None
    latency: dict[str, dict | None] = field(default_factory=dict)
    throughput: dict[str, float | None] = field(default_factory=dict)
    tokens: dict[str, float | None] | None = None
    native: dict[str, Any] = field(default_factory=dict)

    def error_rate(self) -> float | None:
        if self.ok is None or self.failed is None or self.ok + self.failed == 0:
            return None
        return self.failed / (self.ok + self.failed)

    def to_doc(self, index: int) -> dict[str, Any]:
        requests: dict[str, Any] = {"total": self.total, "ok": self.ok, "failed": self.failed,
                                    "incomplete": self.incomplete, "errorRate": self.error_rate()}
        if self.errors:
            requests["errorsByType"] = dict(sorted(self.errors.items()))
        doc: dict[str, Any] = {
            "index": index,
            "load": {"requestedRate": self.requested_rate, "achievedRate": self.achieved_rate,
                     "concurrency": self.concurrency, "type": self.load_type, "burstiness": self.burstiness},
            "durationSeconds": self.duration,
            "requests": requests,
            "latencyMs": {name: self.latency.get(name) for name in LATENCIES},
            "throughput": {key: self.throughput.get(key) for key in
                           ("requestsPerSecond", "outputTokensPerSecond", "totalTokensPerSecond", "inputTokensPerSecond")},
        }
        if self.tokens:
            doc["tokens"] = {"input": self.tokens.get("input"), "output": self.tokens.get("output")}
        if self.native:
            doc["native"] = self.native
        return doc


@dataclass
class Part:
    """What one file (or one Job-log block) contributes to a run."""

    tool: str
    source: str  # file name, or "<log>#<block>"
    run_key: str  # files with the same key (in the same folder or log) form one run
    side: str = "client"
    priority: int = 1  # within a run, only the parts with the highest priority supply figures
    stages: list[Stage] = field(default_factory=list)
    aggregate: Stage | None = None  # the tool's own summary over all stages
    tool_version: str | None = None
    model: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    metadata: dict[str, Any] | None = None  # label-only parts (genai-bench experiment metadata)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
