"""`inferstack bench collect`: tool outputs and Job logs in, one BenchmarkResult document per run out.

Inputs are files, folders (searched recursively) and captured Job logs. Each file is recognised by
its content. Files of one run are grouped: every block of one Job log is one run (per tool and
side); in a folder, files whose names differ only in the tool's stage/summary part
(`stage_0_lifecycle_metrics.json`, `summary_lifecycle_metrics.json`, ...) form one run. Within a run,
the tool's richest export supplies the figures (e.g. AIPerf JSON over its CSV).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import UsageError
from . import parsers
from .evaluate import cost_per_million_output_tokens, slo_verdict
from .identity import API_VERSION
from .model import ParseError, Part, Stage
from .parsers import genai_bench
from .schema import first_error
from .sources import Source, is_log, read_log, read_text, walk

EMPTY_STACK = {"name": None, "engine": None, "engineVersion": None, "specHash": None, "versions": {},
               "gpuType": None, "gpuCount": None, "gpuHourlyCostUSD": None}
MALFORMED = (KeyError, TypeError, AttributeError, IndexError, ValueError)


@dataclass
class Container:
    """A folder or a Job log: the unit files are grouped in."""

    name: str
    sources: list[Source] = field(default_factory=list)
    identity: dict | None = None
    is_log: bool = False
    explicit: set[str] = field(default_factory=set)  # labels of files named on the command line


@dataclass
class Outcome:
    documents: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # errors: exit 1
    skipped: list[str] = field(default_factory=list)  # files that are no benchmark output
    written: list[Path] = field(default_factory=list)


def _add_file(path: Path, name: str, folder: Container, containers: list[Container], outcome: Outcome,
              explicit: bool) -> None:
    try:
        text = read_text(path)
    except (ParseError, OSError) as exc:
        outcome.problems.append(str(exc))
        return
    if is_log(text):
        log = read_log(str(path), text)
        outcome.problems += log.problems
        if not log.sources and not log.problems:
            outcome.problems.append(f"{path}: a Job log without result blocks (did the verdict step run?)")
        containers.append(Container(str(path), log.sources, log.identity, is_log=True))
        return
    folder.sources.append(Source(name=name, label=str(path), text=text, container=folder.name))
    if explicit:
        folder.explicit.add(str(path))


def read_inputs(paths: list[str], outcome: Outcome) -> list[Container]:
    containers: list[Container] = []
    folders: dict[str, Container] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            folder = Container(str(path))
            containers.append(folder)
            for file in walk(path):
                _add_file(file, file.relative_to(path).as_posix(), folder, containers, outcome, explicit=False)
        elif path.is_file():
            parent = str(path.parent)
            if parent not in folders:
                folders[parent] = Container(parent)
                containers.append(folders[parent])
            _add_file(path, path.name, folders[parent], containers, outcome, explicit=True)
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return containers


def _parse(src: Source, explicit: bool, outcome: Outcome) -> list[Part]:
    parser = parsers.detect(src)
    if parser is None:
        message = f"{src.label}: not the output of a supported benchmark tool"
        (outcome.problems if explicit else outcome.skipped).append(message)
        return []
    try:
        return parser.parse(src)
    except ParseError as exc:
        outcome.problems.append(f"{src.label}: {exc}")
    except MALFORMED as exc:
        outcome.problems.append(f"{src.label}: malformed {parser.TOOL} output ({type(exc).__name__}: {exc})")
    return []


def _ordered(stages: list[Stage]) -> list[tuple[int, Stage]]:
    """Stages with their index: the tool's own numbers when every stage has a distinct one, else run order."""
    indexes = [s.index for s in stages]
    if None not in indexes and len(set(indexes)) == len(indexes):
        return [(s.index, s) for s in sorted(stages, key=lambda s: s.index)]
    ordered = sorted(stages, key=lambda s: (s.index is None, s.index or 0, s.order))
    return list(enumerate(ordered))


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")[:60].strip("-")


def _image_tag(image: str | None) -> str | None:
    if not image or ":" not in image.rsplit("/", 1)[-1]:
        return None
    return image.rsplit(":", 1)[1]


@dataclass
class Group:
    container: Container
    parts: list[Part] = field(default_factory=list)
    metadata: list[Part] = field(default_factory=list)  # label-only parts (genai-bench experiment metadata)


def build_document(group: Group, identity: dict | None, digests: dict[str, str]) -> dict[str, Any]:
    parts = group.parts
    tool, side = parts[0].tool, parts[0].side
    best = max(p.priority for p in parts)
    used = [p for p in parts if p.priority == best]
    notes: list[str] = []
    for p in used:
        notes += [n for n in p.notes if n not in notes]
    unused = [p for p in parts if p.priority < best]
    if unused:
        notes.append(f"also read {', '.join(p.source for p in unused)} (the same run): figures taken from "
                     f"{', '.join(p.source for p in used)}")
    stages = [s for p in used for s in p.stages]
    aggregates = [p.aggregate for p in used if p.aggregate]
    aggregate = aggregates[0] if aggregates else None
    if len(aggregates) > 1:
        notes.append("several summary reports in one run: the first one is reported as the aggregate")
    if not stages:
        stages, aggregate = [aggregate], None
        notes.append("only the tool's summary over the whole run was found: it is reported as a single stage")

    stack = dict(EMPTY_STACK)
    bench = None
    slo = None
    if identity:
        stack.update(identity.get("stack") or {})
        bench = identity.get("benchmark")
        slo = identity.get("slo")
        notes += [n for n in identity.get("notes") or [] if n not in notes]
        if bench and bench.get("tool") and bench["tool"] != tool:
            notes.append(f"the benchmark was configured for {bench['tool']}, but its output is {tool}'s")
    labels: dict[str, str] = {}
    for p in used + group.metadata:
        for k, v in p.labels.items():
            labels.setdefault(k, v)
    tool_version = next((p.tool_version for p in used if p.tool_version), None)
    if tool_version is None and bench and bench.get("tool") == tool:
        tool_version = _image_tag(bench.get("image"))
    if side == "server":
        notes.append("server-side figures (the model server's metrics, not the load generator's timings): "
                     "no SLO verdict or cost")

    def stage_doc(index: int, stage: Stage) -> dict:
        doc = stage.to_doc(index)
        if side == "client":
            doc["slo"] = slo_verdict(doc, slo)
            doc["costPerMillionOutputTokensUSD"] = cost_per_million_output_tokens(doc, stack)
        return doc

    sources = [p.source for p in parts] + [m.source for m in group.metadata]
    run = {
        "id": "",
        "tool": tool,
        "toolVersion": tool_version,
        "sources": sources,
        "benchmark": bench.get("name") if bench else None,
        "model": (bench.get("model") if bench else None) or next((p.model for p in used if p.model), None),
        "side": side,
        "labels": labels,
        "notes": notes,
    }
    digest = hashlib.sha256("\n".join([tool, side, *sorted(digests[s] for s in sources)]).encode()).hexdigest()[:12]
    base = [stack["engine"], run["benchmark"]] if stack["engine"] or run["benchmark"] else [tool, _stem(parts)]
    run["id"] = "-".join(filter(None, [_slug("-".join(filter(None, base))), "server" if side == "server" else "", digest]))
    return {
        "apiVersion": API_VERSION,
        "kind": "BenchmarkResult",
        "run": run,
        "stack": stack,
        "slo": slo,
        "stages": [stage_doc(i, s) for i, s in _ordered(stages)],
        "aggregate": stage_doc(0, aggregate) if aggregate else None,
    }


def _stem(parts: list[Part]) -> str:
    key = parts[0].run_key.split("#", 1)[0].rsplit("/", 1)[-1]
    return re.sub(r"\.(json|jsonl|csv|ya?ml)$", "", key).strip("_-.") or parts[0].tool


def _borrow_server_load(docs: dict[tuple, dict]) -> None:
    """A server-side report has no load settings: take them from the client report of the same stage."""
    for key, doc in docs.items():
        if doc["run"]["side"] != "server":
            continue
        client = docs.get(key[:2] + ("client",) + tuple(k.split("#", 1)[0] for k in key[3:]))
        if not client:
            continue
        by_index = {s["index"]: s["load"] for s in client["stages"]}
        for stage in doc["stages"]:
            if stage["index"] in by_index:
                stage["load"] = dict(by_index[stage["index"]], achievedRate=None)


def collect_documents(paths: list[str], identity: dict | None = None) -> Outcome:
    """Parse, group and normalise; every document is checked against the published schema."""
    outcome = Outcome()
    containers = read_inputs(paths, outcome)
    groups: dict[tuple, Group] = {}
    digests: dict[str, str] = {}
    for c in containers:
        metadata: list[Part] = []
        for src in c.sources:
            digests[src.label] = hashlib.sha256(src.text.encode()).hexdigest()
            for part in _parse(src, src.label in c.explicit, outcome):
                if part.metadata is not None:
                    metadata.append(part)
                    continue
                key = (c.name, part.tool, part.side) + (() if c.is_log else (part.run_key,))
                groups.setdefault(key, Group(c)).parts.append(part)
        for key, group in groups.items():
            if key[0] == c.name and key[1] == genai_bench.TOOL:
                _attach_metadata(group, metadata)
    docs: dict[tuple, dict] = {}
    for key, group in groups.items():
        docs[key] = build_document(group, group.container.identity or identity, digests)
    _borrow_server_load(docs)
    for doc in docs.values():
        error = first_error(doc)
        if error:
            outcome.problems.append(f"{', '.join(doc['run']['sources'])}: normalised result fails the schema at {error}")
        else:
            outcome.documents.append(doc)
    if not docs and not outcome.problems:
        outcome.problems.append("no benchmark results found in " + ", ".join(paths))
    return outcome


def _attach_metadata(group: Group, metadata: list[Part]) -> None:
    for meta in metadata:
        if any(genai_bench.metadata_matches(meta.metadata, p) for p in group.parts):
            scenario = next((p.labels.get("scenario") for p in group.parts if p.labels.get("scenario")), None)
            group.metadata = [replace(meta, labels=genai_bench.labels_from_metadata(meta.metadata, scenario))]
            return


def write(outcome: Outcome, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for doc in outcome.documents:
        path = out / f"{doc['run']['id']}.json"
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
        outcome.written.append(path)
