"""Write a Rendered stack to the output layout: summary.json, installs.yaml, kind-config.yaml, manifests/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from ..errors import UsageError
from .result import INSTALLS_AFTER, Rendered

try:
    _Dumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Dumper = yaml.SafeDumper

OWNED = ("summary.json", "installs.yaml", "kind-config.yaml", "manifests")


def safe_dump(data, **options) -> str:
    """`yaml.safe_dump` (same defaults) with libyaml's emitter: five times faster for the config files
    engines embed in ConfigMaps. The same text for ordinary configs; for long strings full of escapes
    libyaml folds lines (and writes keys) differently, which reads back as the same data."""
    return yaml.dump(data, Dumper=_Dumper, **options)


def dump_yaml(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)


def dump_documents(docs) -> str:
    return yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                         width=4096, explicit_start=True)


def render_files(rendered: Rendered) -> dict[str, str]:
    """The output files as {relative path: text}; deterministic for the same input."""
    files = {
        "summary.json": json.dumps(rendered.summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        "installs.yaml": dump_yaml({
            "apiVersion": "inferstack.dev/v1alpha1",
            "kind": "InstallPlan",
            "runAfter": f"manifests/{INSTALLS_AFTER}.yaml",
            "installs": [i.to_dict() for i in rendered.installs],
        }),
    }
    if rendered.kind_config is not None:
        files["kind-config.yaml"] = dump_yaml(rendered.kind_config)
    for phase, objs in rendered.by_phase().items():
        files[f"manifests/{phase}.yaml"] = dump_documents([o.body for o in objs])
    return files


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: exists and is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    for name in OWNED:  # clear what a previous render wrote; leave anything else alone
        path = directory / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write(rendered: Rendered, directory: Path) -> list[Path]:
    _prepare(directory)
    written = []
    for rel, text in render_files(rendered).items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
