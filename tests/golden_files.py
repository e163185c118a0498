"""Golden-file comparison: a render's files against tests/golden/<name>/, or rewrite them."""

from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def compare_or_update(files: dict[str, str], directory: Path, update: bool) -> None:
    if update:
        if directory.exists():
            for old in sorted(directory.rglob("*"), reverse=True):
                old.unlink() if old.is_file() else old.rmdir()
        for rel, text in files.items():
            path = directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return
    assert directory.is_dir(), f"no golden files at {directory}: run pytest --update-goldens and review the diff"
    on_disk = {str(p.relative_to(directory)): p.read_text(encoding="utf-8") for p in directory.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(files), "rendered files differ from the golden file list"
    for rel in sorted(files):
        assert files[rel] == on_disk[rel], f"{directory.name}/{rel} differs from the golden file (pytest --update-goldens)"
