"""Small, deterministic SVG charts (no plotting dependency): line charts and grouped bar charts."""

from __future__ import annotations

import math
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
W, H = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 150, 40, 50


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    out, v = [], start
    while v <= hi + step * 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.0f}"
    return f"{v:.3g}"


def _frame(title: str, x_label: str, y_label: str, xs: list[float], ys: list[float]) -> tuple[list[str], callable, callable]:
    x_ticks, y_ticks = _ticks(min(xs + [0]), max(xs + [1])), _ticks(0, max(ys + [1]))
    x0, x1, y1 = x_ticks[0], x_ticks[-1], y_ticks[-1]
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(v: float) -> float:
        return LEFT + (v - x0) / ((x1 - x0) or 1) * pw

    def sy(v: float) -> float:
        return TOP + ph - v / (y1 or 1) * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
             'font-family="sans-serif" font-size="11">',
             f'<text x="{W / 2 - RIGHT / 2:.1f}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
             f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="#333"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + ph}" stroke="#333"/>']
    for t in y_ticks:
        parts.append(f'<line x1="{LEFT}" y1="{sy(t):.1f}" x2="{LEFT + pw}" y2="{sy(t):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    for t in x_ticks:
        parts.append(f'<text x="{sx(t):.1f}" y="{TOP + ph + 16}" text-anchor="middle">{_fmt(t)}</text>')
    parts.append(f'<text x="{LEFT + pw / 2:.1f}" y="{H - 10}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text transform="translate(16 {TOP + ph / 2:.1f}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>')
    return parts, sx, sy


def _legend(names: list[str]) -> list[str]:
    out = []
    for i, name in enumerate(names):
        y = TOP + 10 + i * 18
        out.append(f'<rect x="{W - RIGHT + 14}" y="{y - 9}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{W - RIGHT + 32}" y="{y + 1}">{escape(name)}</text>')
    return out


def line_chart(title: str, x_label: str, y_label: str, series: dict[str, list[tuple[float, float]]]) -> str:
    """One polyline with markers per series (points sorted by x)."""
    points = [p for pts in series.values() for p in pts]
    if not points:
        return ""
    parts, sx, sy = _frame(title, x_label, y_label, [p[0] for p in points], [p[1] for p in points])
    for i, (name, pts) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        pts = sorted(pts)
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        for x, y in pts:
            parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3.5" fill="{color}">'
                         f'<title>{escape(name)}: {_fmt(x)}, {_fmt(y)}</title></circle>')
    parts += _legend(list(series))
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart(title: str, y_label: str, groups: list[str], series: dict[str, list[float | None]]) -> str:
    """Grouped bars: one group per label in `groups`, one bar per series (None: no bar)."""
    values = [v for vals in series.values() for v in vals if v is not None]
    if not values or not groups:
        return ""
    y_ticks = _ticks(0, max(values))
    y1 = y_ticks[-1]
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
             'font-family="sans-serif" font-size="11">',
             f'<text x="{W / 2 - RIGHT / 2:.1f}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
             f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="#333"/>']
    for t in y_ticks:
        y = TOP + ph - t / y1 * ph
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    parts.append(f'<text transform="translate(16 {TOP + ph / 2:.1f}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>')
    group_w = pw / len(groups)
    bar_w = group_w * 0.8 / max(1, len(series))
    for g, label in enumerate(groups):
        gx = LEFT + g * group_w + group_w * 0.1
        parts.append(f'<text x="{LEFT + g * group_w + group_w / 2:.1f}" y="{TOP + ph + 16}" text-anchor="middle">{escape(label)}</text>')
        for i, (name, vals) in enumerate(series.items()):
            v = vals[g] if g < len(vals) else None
            if v is None:
                continue
            h = v / y1 * ph
            parts.append(f'<rect x="{gx + i * bar_w:.1f}" y="{TOP + ph - h:.1f}" width="{bar_w * 0.9:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(name)} {escape(label)}: {_fmt(v)}</title></rect>')
    parts += _legend(list(series))
    parts.append("</svg>")
    return "\n".join(parts)
