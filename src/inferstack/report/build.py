"""The comparison report: feature matrix, what each engine renders, and (with results) measurements."""

from __future__ import annotations

from pathlib import Path

from .compare import Comparison, EngineColumn, footprint
from .document import Block, Bullets, Chart, Heading, Para, Table, to_html, to_markdown
from .svg import bar_chart, line_chart


def _ms(v) -> str:
    return "–" if v is None else f"{v:,.1f}"


def _count(v) -> str:
    return "–" if v is None else str(v)


def _num(v, digits: int = 2) -> str:
    return "–" if v is None else f"{v:,.{digits}f}"


def _status(col: EngineColumn) -> str:
    if col.ok:
        return "yes"
    if col.refused:
        return f"no — {col.refused}"
    rules = sorted({d.rule for d in col.diagnostics})
    return "no — not expressible (" + ", ".join(rules) + ")"


def feature_blocks(cmp: Comparison) -> list[Block]:
    engines = [c.engine for c in cmp.columns]
    blocks: list[Block] = [Heading(2, "Feature matrix"),
                           Para("What this spec asks for, per engine: **native** (the engine's own primitive), "
                                "**generic** (expressed with a generic Kubernetes primitive), **no** (not expressible).")]
    rows = []
    for f in cmp.features:
        rows.append([f.title, f"`{f.path}`"] + [f.cells[e][0] for e in engines])
    blocks.append(Table(["feature", "spec field"] + [c.title for c in cmp.columns], rows))
    details = []
    for f in cmp.features:
        for col in cmp.columns:
            level, how = f.cells[col.engine]
            if level != "native":
                details.append(f"{col.title} / {f.title}: {level} — {how}")
    if details:
        blocks += [Heading(3, "Reasons"), Bullets(details)]
    return blocks


def stack_blocks(cmp: Comparison) -> list[Block]:
    headers = ["", *[f"{c.title} {c.version}" for c in cmp.columns]]
    rows = [["renders"] + [_status(c) for c in cmp.columns]]
    prints = {c.engine: footprint(c.rendered) if c.ok else None for c in cmp.columns}

    def line(label: str, fn) -> None:
        rows.append([label] + [fn(c, prints[c.engine]) if c.ok else "–" for c in cmp.columns])

    line("control-plane installs", lambda c, p: str(len(p["installs"])))
    line("Helm releases / manifest bundles", lambda c, p: f"{p['helmReleases']} / {p['bundles']}")
    line("CRD groups installed", lambda c, p: str(len(p["crdGroups"])))
    line("objects rendered", lambda c, p: str(p["objects"]))
    line("GPUs requested / capacity", lambda c, p: f"{c.rendered.summary['gpus']['requested']} / {c.rendered.summary['gpus']['capacity']}")
    line("gateway", lambda c, p: c.rendered.summary["cluster"]["gateway"])
    models = sorted({m for c in cmp.columns if c.ok for m in c.rendered.summary["endpoints"]})
    for model in models:
        line(f"endpoint of {model}", lambda c, p, m=model: _endpoint(c, m))
    blocks: list[Block] = [Heading(2, "What each engine renders"), Table(headers, rows), Heading(3, "Pinned versions")]
    blocks.append(Table(["engine", "control-plane installs", "images"],
                        [[c.title, ", ".join(prints[c.engine]["installs"]) or "–",
                          ", ".join(f"`{i}`" for i in c.rendered.summary["versions"]["images"]) or "–"]
                         for c in cmp.columns if c.ok]))
    not_rendered = [c for c in cmp.columns if not c.ok]
    if not_rendered:
        items = []
        for c in not_rendered:
            if c.refused:
                items.append(f"{c.title}: {c.refused}")
            for d in c.diagnostics:
                items.append(f"{c.title}: `{d.path}` {d.message}")
        blocks += [Heading(3, "Why some engines cannot serve this spec"), Bullets(items)]
    return blocks


def _endpoint(col: EngineColumn, model: str) -> str:
    e = col.rendered.summary["endpoints"].get(model)
    if not e:
        return "–"
    headers = "; ".join(f"{k}: {v}" for k, v in e["headers"].items())
    return f"`{e['baseUrl']}`" + (f" (headers `{headers}`)" if headers else "")


def results_blocks(cmp: Comparison) -> list[Block]:
    if not cmp.results:
        return []
    blocks: list[Block] = [Heading(2, "Measured"),
                           Para("Latencies in milliseconds; TPOT excludes the first token. SLO: the stage's p95 TTFT and "
                                "p95 TPOT within the objectives and its error rate at most maxErrorRate.")]
    curve: dict[str, list[tuple[float, float]]] = {}
    ttft_bars: dict[str, list[float | None]] = {}
    tpot_bars: dict[str, list[float | None]] = {}
    cost: dict[str, list[float | None]] = {}
    for engine in sorted(cmp.results):
        rows = []
        for doc in cmp.results[engine]:
            server = doc["run"].get("side") == "server"
            label = (doc["run"].get("benchmark") or doc["run"]["tool"]) + (" (server-side)" if server else "")
            for s in doc["stages"]:
                lat, thr = s["latencyMs"], s["throughput"]
                rate = s["load"].get("requestedRate")
                conc = s["load"].get("concurrency")
                slo = (s.get("slo") or {}).get("met")
                rows.append([label,
                             _num(rate) if rate is not None else (f"c={conc}" if conc else "–"),
                             _count(s["requests"].get("ok")), _count(s["requests"].get("failed")),
                             _ms(_get(lat, "ttft", "p50")), _ms(_get(lat, "ttft", "p95")),
                             _ms(_get(lat, "tpot", "p50")), _ms(_get(lat, "tpot", "p95")), _ms(_get(lat, "e2e", "p95")),
                             _num(thr.get("requestsPerSecond")), _num(thr.get("outputTokensPerSecond"), 1),
                             {True: "met", False: "missed", None: "–"}[slo],
                             _num(s.get("costPerMillionOutputTokensUSD"))])
                x = thr.get("outputTokensPerSecond")
                y = _get(lat, "ttft", "p95")  # the plot says p95: stages without one are left out
                if x is not None and y is not None and not server:
                    curve.setdefault(engine, []).append((x, y))
            if server:
                continue  # the server's own population of requests: tables only
            last = doc["stages"][-1]["latencyMs"]
            ttft_bars[engine] = [_get(last, "ttft", p) for p in ("p50", "p90", "p99")]
            tpot_bars[engine] = [_get(last, "tpot", p) for p in ("p50", "p90", "p99")]
            costs = [s.get("costPerMillionOutputTokensUSD") for s in doc["stages"] if s.get("costPerMillionOutputTokensUSD")]
            if costs:
                cost[engine] = [min(costs)]
        blocks += [Heading(3, engine),
                   Table(["benchmark", "rate (req/s)", "ok", "failed", "TTFT p50", "TTFT p95", "TPOT p50", "TPOT p95",
                          "E2E p95", "req/s", "output tok/s", "SLO", "$ / 1M output tokens"], rows)]
    blocks.append(Heading(2, "Plots"))
    blocks.append(Chart("latency-throughput", "TTFT p95 against output throughput, per engine",
                        line_chart("TTFT p95 vs output throughput", "output tokens/s", "TTFT p95 (ms)", curve)))
    blocks.append(Chart("ttft-percentiles", "TTFT percentiles at the highest load stage",
                        bar_chart("TTFT percentiles (last stage)", "ms", ["p50", "p90", "p99"], ttft_bars)))
    blocks.append(Chart("tpot-percentiles", "TPOT percentiles at the highest load stage",
                        bar_chart("TPOT percentiles (last stage)", "ms", ["p50", "p90", "p99"], tpot_bars)))
    if cost:
        blocks.append(Chart("cost", "Lowest cost per million output tokens",
                            bar_chart("Cost per million output tokens", "USD", ["best stage"], cost)))
    return blocks


def _get(latency: dict, metric: str, stat: str):
    dist = latency.get(metric)
    return dist.get(stat) if dist else None


def blocks(cmp: Comparison) -> list[Block]:
    engines = ", ".join(c.title for c in cmp.columns)
    out: list[Block] = [Heading(1, f"inferstack compare: {cmp.stack_name}"),
                        Para(f"Spec `{cmp.spec}`, rendered offline for: {engines}.")]
    return out + feature_blocks(cmp) + stack_blocks(cmp) + results_blocks(cmp)


def write(cmp: Comparison, out: Path) -> list[Path]:
    doc = blocks(cmp)
    markdown, plots = to_markdown(doc)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in {"report.md": markdown, "report.html": to_html(f"inferstack compare: {cmp.stack_name}", doc), **plots}.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
