"""Helm post-rendering: apply an install's merge patches to the manifests its chart renders.

Used as `helm --post-renderer` (via `inferstack postrender`) and by the Pulumi program's Helm
releases, for chart settings a chart exposes no value for (see Install.patches).
"""

from __future__ import annotations

import json

import yaml

from ..errors import UsageError
from .result import ObjectPatch

try:
    _Loader, _Dumper = yaml.CSafeLoader, yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Loader, _Dumper = yaml.SafeLoader, yaml.SafeDumper


def apply_patches(manifests: str, patches: list[ObjectPatch]) -> str:
    """The manifests with every patch applied; a patch that matches no object is an error
    (the chart changed under us, and silently skipping would drop a setting)."""
    docs = [d for d in yaml.load_all(manifests, Loader=_Loader) if d is not None]
    used = [False] * len(patches)
    out = []
    for doc in docs:
        for i, patch in enumerate(patches):
            if isinstance(doc, dict) and patch.matches(doc):
                doc = patch.apply(doc)
                used[i] = True
        out.append(doc)
    missing = [p for p, u in zip(patches, used, strict=True) if not u]
    if missing:
        names = ", ".join(f"{p.kind} {p.namespace + '/' if p.namespace else ''}{p.name}" for p in missing)
        raise UsageError(f"post-render: the chart rendered no {names} to patch")
    return yaml.dump_all(out, Dumper=_Dumper, sort_keys=False, explicit_start=True, allow_unicode=True, width=4096)


def patches_from_dicts(items: list[dict]) -> list[ObjectPatch]:
    """ObjectPatches from installs.yaml's `patches` entries (Install.to_dict)."""
    out = []
    for item in items:
        t = item["target"]
        out.append(ObjectPatch(t["apiVersion"], t["kind"], t["name"], item["mergePatch"], t.get("namespace"),
                               item.get("reason", "")))
    return out


def patches_for(plan: dict, install: str) -> list[ObjectPatch]:
    for entry in plan.get("installs") or []:
        if entry.get("name") == install:
            return patches_from_dicts(entry.get("patches") or [])
    raise UsageError(f"installs.yaml has no install named {install!r}")


def patches_json(patches: list[ObjectPatch]) -> str:
    return json.dumps([p.to_dict() for p in patches], sort_keys=True, separators=(",", ":"))
