"""Where the two sides of a diff come from: a spec file, `GITREF:path`, or every spec changed since a ref."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

SPEC_KIND = re.compile(rb"^kind:\s*InferenceStack\s*$", re.M)


@dataclass(frozen=True)
class Side:
    label: str  # what the user named (file path or REF:path)
    raw: bytes | None  # None: the spec does not exist on this side (added or deleted)


def _git(*args: str, cwd: Path | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", *args], capture_output=True, check=False, cwd=cwd)
    except FileNotFoundError:
        raise UsageError("git is not installed; GITREF:path and --base-ref need it") from None
    if proc.returncode:
        raise UsageError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def read_side(ref: str) -> Side:
    """A spec file path, or `REF:path` read from git (path relative to the current directory)."""
    path = Path(ref)
    if path.exists():
        try:
            return Side(ref, path.read_bytes())
        except IsADirectoryError:
            raise UsageError(f"{ref}: is a directory, not a spec file") from None
    if ":" in ref:
        rev, _, rel = ref.partition(":")
        if rev and rel:
            return Side(ref, _git("show", f"{rev}:./{rel}" if not rel.startswith("./") else f"{rev}:{rel}"))
    raise UsageError(f"{ref}: no such file (use a path or GITREF:path)")


def _exists_at(rev: str, rel: str, top: Path) -> bool:
    proc = subprocess.run(["git", "cat-file", "-e", f"{rev}:{rel}"], capture_output=True, check=False, cwd=top)
    return proc.returncode == 0


def changed_specs(base_ref: str) -> list[tuple[Side, Side]]:
    """Every InferenceStack spec that differs between `base_ref` and the working tree."""
    top = Path(_git("rev-parse", "--show-toplevel").decode().strip())
    names = _git("diff", "--name-only", "--no-renames", base_ref, "--", "*.yaml", "*.yml", cwd=top).decode().splitlines()
    untracked = _git("ls-files", "--others", "--exclude-standard", "--", "*.yaml", "*.yml", cwd=top).decode().splitlines()
    pairs = []
    for rel in sorted(set(names) | set(untracked)):
        head_path = top / rel
        head = head_path.read_bytes() if head_path.exists() else None
        base = _git("show", f"{base_ref}:{rel}", cwd=top) if _exists_at(base_ref, rel, top) else None
        if not any(raw and SPEC_KIND.search(raw) for raw in (base, head)):
            continue
        pairs.append((Side(f"{base_ref}:{rel}", base), Side(rel, head)))
    return pairs
