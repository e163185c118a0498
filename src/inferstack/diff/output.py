"""Diff output: text (coloured on a terminal), markdown for PR comments, JSON."""

from __future__ import annotations

import json
from typing import Any

from .compute import SpecDiff

SYMBOL = {"add": "+", "remove": "-", "change": "~", "replace": "!"}
VERB = {"add": "added", "remove": "removed", "change": "changed", "replace": "replaced"}
COLOR = {"add": "32", "remove": "31", "change": "33", "replace": "35", "high": "31", "medium": "33"}
MARKER = "<!-- inferstack-diff -->"  # lets a workflow find and update its own PR comment


def _v(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= 120 else text[:117] + "..."


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def format_text(diffs: list[SpecDiff], color: bool = False) -> str:
    lines: list[str] = []
    for d in diffs:
        engines = d.head_engine if d.base_engine == d.head_engine else f"{d.base_engine} -> {d.head_engine}"
        c = d.counts()
        lines.append(f"{d.label} ({engines}): {c['add']} added, {c['remove']} removed, {c['change']} changed, "
                     f"{c['replace']} replaced, {len(d.installs)} install change(s)")
        if not d.has_changes:
            lines.append("  no changes")
        for r in d.risks:
            lines.append("  " + _paint(f"[{r.id}] {r.severity}: {r.message}", COLOR[r.severity], color))
        for i in d.installs:
            version = f"{i.old_version} -> {i.new_version}" if i.old_version != i.new_version else i.new_version
            lines.append(f"  install {SYMBOL[i.action]} {i.name} {version}")
            for f in i.fields:
                if f.path != "$.version":
                    lines.append(f"      {f.path}: {_v(f.old)} -> {_v(f.new)}")
        if d.kind_config:
            lines.append("  " + _paint("! kind cluster config (recreated)", COLOR["replace"], color))
            for f in d.kind_config:
                lines.append(f"      {f.path}: {_v(f.old)} -> {_v(f.new)}")
        for o in d.objects:
            lines.append("  " + _paint(f"{SYMBOL[o.action]} {o.ref}", COLOR[o.action], color))
            for f in o.fields:
                lines.append(f"      {f.path}: {_v(f.old)} -> {_v(f.new)}")
        for s in d.summary:
            lines.append(f"  summary: {s.name}: {_v(s.old)} -> {_v(s.new)}")
    return "\n".join(lines) + "\n" if lines else "no specs to compare\n"


def _md_cell(value: Any) -> str:
    return "`" + _v(value).replace("`", "'").replace("|", "\\|") + "`"


def format_markdown(diffs: list[SpecDiff]) -> str:
    out = [MARKER, "## inferstack preview-diff", ""]
    if not diffs:
        return "\n".join(out + ["No InferenceStack spec changed.", ""])
    out += ["| spec | engine | added | removed | changed | replaced | installs | risks |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    for d in diffs:
        c = d.counts()
        engines = d.head_engine if d.base_engine == d.head_engine else f"{d.base_engine} → {d.head_engine}"
        out.append(f"| `{d.label}` | {engines} | {c['add']} | {c['remove']} | {c['change']} | {c['replace']} | "
                   f"{len(d.installs)} | {len(d.risks)} |")
    for d in diffs:
        out += ["", f"### `{d.label}`", ""]
        if not d.has_changes:
            out.append("No changes.")
            continue
        if d.risks:
            out.append("**Risk flags**")
            out.append("")
            for r in d.risks:
                icon = "🔴" if r.severity == "high" else "🟠"
                out.append(f"- {icon} `{r.id}` {r.message}")
            out.append("")
        if d.summary:
            out += ["| summary | before | after |", "|---|---|---|"]
            out += [f"| {s.name} | {_md_cell(s.old)} | {_md_cell(s.new)} |" for s in d.summary]
            out.append("")
        if d.installs:
            out += ["| install | change | version |", "|---|---|---|"]
            for i in d.installs:
                version = f"{i.old_version} → {i.new_version}" if i.old_version != i.new_version else i.new_version
                out.append(f"| `{i.name}` | {VERB.get(i.action, i.action)} | {version} |")
            out.append("")
        if d.kind_config:
            out.append(f"<details><summary>kind cluster config ({len(d.kind_config)} field(s))</summary>")
            out.append("")
            out += [f"- `{f.path}`: {_md_cell(f.old)} → {_md_cell(f.new)}" for f in d.kind_config]
            out += ["", "</details>", ""]
        out.append(f"<details><summary>Objects ({len(d.objects)})</summary>")
        out.append("")
        for o in d.objects:
            out.append(f"- **{VERB[o.action]}** `{o.ref}`")
            for f in o.fields:
                out.append(f"  - `{f.path}`: {_md_cell(f.old)} → {_md_cell(f.new)}")
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def format_json(diffs: list[SpecDiff]) -> str:
    return json.dumps([d.to_dict() for d in diffs], indent=2, ensure_ascii=False) + "\n"
