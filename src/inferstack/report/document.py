"""A tiny document model (headings, paragraphs, tables, lists, charts) written as Markdown or HTML."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Chart:
    name: str  # file stem under plots/
    title: str
    svg: str


Block = Heading | Para | Table | Bullets | Chart


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> tuple[str, dict[str, str]]:
    """(markdown text, {plots/<name>.svg: svg}) — charts are linked as files next to the report."""
    out: list[str] = []
    files: dict[str, str] = {}
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            out += [b.text, ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "---|" * len(b.headers))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, Bullets):
            out += [f"- {item}" for item in b.items] + [""]
        elif isinstance(b, Chart) and b.svg:
            path = f"plots/{b.name}.svg"
            files[path] = b.svg
            out += [f"![{b.title}]({path})", ""]
    return "\n".join(out).rstrip("\n") + "\n", files


def _inline(text: str) -> str:
    """Markdown's `code` spans as <code>; everything else escaped."""
    parts = text.split("`")
    return "".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p) for i, p in enumerate(parts))


CSS = """body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{background:#f6f6f6;padding:0 3px}td.native{background:#e6f4ea}td.generic{background:#fff4d6}
td.no{background:#fde2e1}figure{margin:1rem 0}"""

LEVEL_CLASS = {"native": "native", "generic": "generic", "no": "no"}


def to_html(title: str, blocks: list[Block]) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{escape(title)}</title>",
           f"<style>{CSS}</style></head><body>"]
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Table):
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(h)}</th>" for h in b.headers) + "</tr></thead><tbody>")
            for row in b.rows:
                cells = []
                for c in row:
                    first = c.split(" ", 1)[0]
                    cls = f' class="{LEVEL_CLASS[first]}"' if first in LEVEL_CLASS else ""
                    cells.append(f"<td{cls}>{_inline(c)}</td>")
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</tbody></table>")
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Chart) and b.svg:
            out.append(f"<figure>{b.svg}<figcaption>{escape(b.title)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
