"""Inputs of `bench collect`: result files, folders of them, and captured benchmark Job logs.

A Job log (`kubectl logs job/<name>`) holds the verdict step's marker blocks: the run identity
between `=== inferstack-run ===` and `=== inferstack-run-end ===`, and every result file between
`=== inferstack-result <file> ===` and `=== inferstack-result-end ===`. Everything else in the log
(preflight lines, tool progress output) is ignored. Lines may carry the prefixes `kubectl logs
--prefix` and `--timestamps` add.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .model import ParseError

RESULT_BEGIN = re.compile(r"^(?P<prefix>.*?)=== inferstack-result (?P<name>.+?) ===\s*$")
RESULT_END = "=== inferstack-result-end ==="
RUN_BEGIN = re.compile(r"^(?P<prefix>.*?)=== inferstack-run ===\s*$")
RUN_END = "=== inferstack-run-end ==="
_TIMESTAMP = r"\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2}) "
CANDIDATE_SUFFIXES = (".json", ".jsonl", ".csv", ".yaml", ".yml", ".log", ".txt")


@dataclass
class Source:
    """One result document: a file, or one marker block of a Job log."""

    name: str  # path relative to its container (grouping and run keys use it)
    label: str  # how run.sources names it
    text: str
    container: str  # the folder or the log it came from

    @property
    def basename(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        return self.name.rsplit("/", 1)[0] if "/" in self.name else ""

    @cached_property
    def json(self) -> Any:
        """The parsed JSON document, or None when the text is not one JSON document."""
        try:
            return json.loads(self.text)
        except (json.JSONDecodeError, RecursionError):
            return None

    @cached_property
    def json_lines(self) -> list[dict] | None:
        """JSON Lines (one object per line), or None. A single JSON object counts as one line."""
        if isinstance(self.json, dict):
            return [self.json]
        if self.json is not None:
            return None
        lines = [line for line in self.text.splitlines() if line.strip()]
        if not lines:
            return None
        out = []
        for line in lines:
            try:
                doc = json.loads(line)
            except json.JSONDecodeError:
                return None
            if not isinstance(doc, dict):
                return None
            out.append(doc)
        return out

    @cached_property
    def yaml(self) -> Any:
        """The parsed YAML document for .yaml/.yml sources (or text that starts like a YAML mapping)."""
        if not (self.basename.endswith((".yaml", ".yml")) or re.match(r"\s*(#.*\n\s*)*version:\s", self.text)):
            return None
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            return yaml.load(self.text, Loader=loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            return None

    @property
    def data(self) -> Any:
        """The JSON document, else the YAML one (tools that write either, e.g. GuideLLM)."""
        return self.json if self.json is not None else self.yaml

    @cached_property
    def csv_tables(self) -> list[list[list[str]]] | None:
        """Blank-line separated CSV tables (AIPerf's export), or None when the text is no such CSV."""
        if not self.text.lstrip().startswith("Metric,"):
            return None
        tables: list[list[list[str]]] = []
        block: list[str] = []
        for line in self.text.splitlines() + [""]:  # splitlines also removes the CR of CRLF
            if line.strip():
                block.append(line)
            elif block:
                tables.append([row for row in csv.reader(block)])
                block = []
        return tables


@dataclass
class Log:
    """A captured Job log: its run identity (run.json block) and its result blocks."""

    path: str
    identity: dict | None = None
    sources: list[Source] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_log(text: str) -> bool:
    return "=== inferstack-result " in text or "=== inferstack-run ===" in text


def _prefix_pattern(prefix: str) -> re.Pattern:
    """Match the prefix kubectl put before a marker on every line of its block (timestamps vary)."""
    pattern, pos = "", 0
    for m in re.finditer(_TIMESTAMP, prefix):
        pattern += re.escape(prefix[pos:m.start()]) + _TIMESTAMP
        pos = m.end()
    return re.compile("^" + pattern + re.escape(prefix[pos:]))


def _block(lines: list[str], start: int, prefix: str, end_marker: str) -> tuple[list[str], int | None]:
    """Lines after `start` up to the end marker, prefixes removed; (lines, index of the end marker)."""
    strip = _prefix_pattern(prefix)
    body: list[str] = []
    for i in range(start + 1, len(lines)):
        m = strip.match(lines[i])
        if prefix and not m:
            continue  # another container's line (kubectl logs --all-containers --prefix)
        line = lines[i][m.end():] if m else lines[i]
        if line.rstrip() == end_marker:
            return body, i
        body.append(line)
    return body, None


def read_log(path: str, text: str) -> Log:
    log = Log(path)
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        run = RUN_BEGIN.match(lines[i])
        result = RESULT_BEGIN.match(lines[i]) if not run else None
        if not (run or result):
            i += 1
            continue
        marker = run or result
        body, end = _block(lines, i, marker["prefix"], RUN_END if run else RESULT_END)
        if end is None:
            what = "run identity" if run else f"result {marker['name']}"
            log.problems.append(f"{path}: the {what} block has no end marker (truncated log?)")
            break
        if run:
            try:
                log.identity = json.loads("\n".join(body))
            except json.JSONDecodeError as exc:
                log.problems.append(f"{path}: the run identity block is not JSON ({exc})")
        else:
            name = marker["name"].strip()
            log.sources.append(Source(name=name, label=f"{path}#{name}", text="\n".join(body) + "\n", container=path))
        i = end + 1
    return log


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{path}: not UTF-8 text ({exc.reason})") from None


def walk(root: Path) -> list[Path]:
    """Candidate result files under a folder, in a stable order (hidden entries skipped)."""
    out = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if p.name.lower().endswith(CANDIDATE_SUFFIXES):
            out.append(p)
    return out
