"""Property tests of render: a spec that validates renders or is refused with a reason (never an
exception), renders the same files twice, and every object it renders passes `check`; renders are
byte-identical across PYTHONHASHSEED. Generated specs come from `spec_strategies.specs()` (examples
with their knobs turned) and from the mutated examples of test_properties.py."""

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from inferstack.cli import main
from inferstack.errors import RenderRefused
from inferstack.render.pipeline import render_stack
from inferstack.render.verify import check_rendered
from inferstack.render.writer import render_files
from inferstack.spec.validate import validate_text

from .conftest import ROOT, examples
from .spec_strategies import specs
from .test_properties import assert_clean, mutated_examples


def render_checked(text: str, crds) -> None:
    """Validate; when valid, render (or be refused), render again, check the objects."""
    result = validate_text(text, "generated.yaml")
    assert_clean(result)
    if not result.ok:
        event("invalid: " + ", ".join(sorted({d.rule for d in result.diagnostics if d.severity == "error"})))
        return
    try:
        rendered = render_stack(result.stack)
    except RenderRefused as exc:
        assert str(exc).strip(), "a refusal must say why"
        event("refused")
        return
    event(f"rendered by {rendered.engine}")
    files = render_files(rendered)
    assert render_files(render_stack(validate_text(text, "generated.yaml").stack)) == files
    report = check_rendered(rendered, str(crds))
    assert [d.text() for d in report.diagnostics if d.severity == "error"] == []
    assert report.objects == len(rendered.objects)


@settings(max_examples=examples(100, 2000))
@given(doc=specs())
def test_generated_specs_render_deterministically_and_pass_check(doc, crds):
    render_checked(yaml.safe_dump(doc, allow_unicode=False, sort_keys=False), crds)


@settings(max_examples=examples(40, 2000))
@given(doc=mutated_examples())
def test_mutated_examples_that_validate_render_or_are_refused(doc, crds):
    render_checked(yaml.safe_dump(doc, allow_unicode=False), crds)


@settings(max_examples=examples(20, 1000))
@given(doc=st.one_of(specs(), mutated_examples()))
def test_the_command_line_never_reports_an_internal_error(doc, crds, capsys):
    """validate, render (checked) and diff of any spec: exit 0, 1 or 2 with a message, never a crash."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(yaml.safe_dump(doc, allow_unicode=False), encoding="utf-8")
        for argv in (["validate", str(spec)], ["render", str(spec), "--out", str(Path(tmp) / "out"), "--crds", str(crds)],
                     ["diff", str(ROOT / "examples" / "quickstart-kind.yaml"), str(spec)]):
            assert main(argv) in (0, 1, 2)
            err = capsys.readouterr().err
            assert "internal error" not in err, (argv[0], err)


DIGEST = """
import hashlib, sys
from pathlib import Path
from inferstack.engines import ENGINE_NAMES
from inferstack.cli import main
from inferstack.errors import RenderRefused
from inferstack.render.pipeline import render_stack
from inferstack.render.writer import render_files
from inferstack.spec.validate import validate_text
h = hashlib.sha256()
for spec in sorted(Path("examples").glob("*.yaml")):
    for engine in ENGINE_NAMES:
        result = validate_text(spec.read_bytes(), str(spec), engine=engine)
        if not result.ok:
            continue
        try:
            files = render_files(render_stack(result.stack))
        except RenderRefused:
            continue
        for name, text in sorted(files.items()):
            h.update(f"{spec.name}/{engine}/{name}".encode()); h.update(text.encode())
print(h.hexdigest())
"""


def test_full_renders_are_byte_identical_across_hash_seeds():
    digests = {subprocess.run([sys.executable, "-c", DIGEST], cwd=ROOT, capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}).stdout
               for seed in ("0", "1", "4242")}
    assert len(digests) == 1 and all(len(d.strip()) == 64 for d in digests)


@pytest.mark.slow
@settings(max_examples=examples(300, 300))
@given(doc=specs())
def test_generated_specs_render_the_same_in_a_new_process(doc, tmp_path_factory):
    """Across processes (and hash seeds): what render writes does not depend on the process."""
    text = yaml.safe_dump(doc, allow_unicode=False, sort_keys=False)
    result = validate_text(text, "generated.yaml")
    if not result.ok:
        return
    try:
        files = render_files(render_stack(result.stack))
    except RenderRefused:
        return
    spec = tmp_path_factory.mktemp("spec") / "generated.yaml"
    spec.write_text(text, encoding="utf-8")
    code = ("import hashlib, sys; from inferstack.render.pipeline import render_stack; "
            "from inferstack.render.writer import render_files; from inferstack.spec.validate import validate_file\n"
            "files = render_files(render_stack(validate_file(sys.argv[1]).stack))\n"
            "print(hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code, str(spec)], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "random", "PATH": "/usr/bin:/bin"}).stdout.strip()
    assert other == hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
