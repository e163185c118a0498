"""Read the figure tables of the shared samples' SOURCES.md (what each parser must reproduce).

Tables have the columns `figure | path in file | value` (values are Python reprs / JSON, or
`(absent)`), preceded by `### \\`<file>\\`` and, for GuideLLM, `Benchmark index N:`. vLLM sweep
files use one row per JSON line with a column per figure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ABSENT = object()


@dataclass(frozen=True)
class Figure:
    file: str  # path under the samples folder
    benchmark: int | None  # GuideLLM benchmark index
    line: int | None  # vLLM JSON Lines line (1-based)
    label: str
    path: str  # "path in file" as written (without backticks)
    raw: str  # the value cell as written

    @property
    def value(self) -> Any:
        text = self.raw.strip().strip("`")
        if text == "(absent)":
            return ABSENT
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text

    @property
    def test_id(self) -> str:
        where = f"benchmarks.{self.benchmark} " if self.benchmark is not None else ""
        where += f"line {self.line} " if self.line is not None else ""
        return f"{self.file}::{where}{self.label}"


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def read_figures(sources_md: Path) -> list[Figure]:
    figures: list[Figure] = []
    current = benchmark = header = None
    for line in sources_md.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^### `([^`]+)`", line)
        if m:
            current, benchmark, header = m[1], None, None
            continue
        m = re.match(r"^Benchmark index (\d+):", line)
        if m:
            benchmark = int(m[1])
            continue
        if not line.startswith("|"):
            header = None
            continue
        if current is None or set(line) <= set("|-: "):
            continue
        cells = _cells(line)
        if header is None:
            header = cells
        elif header[:3] == ["figure", "path in file", "value"]:
            figures.append(Figure(current, benchmark, None, cells[0], cells[1].strip("`"), cells[2]))
        elif header[0] == "line":
            n = int(cells[0])
            for column, value in zip(header[1:], cells[1:], strict=True):
                figures.append(Figure(current, None, n, column, column, value))
        else:
            raise ValueError(f"SOURCES.md: unknown table header {header} under {current}")
    return figures
