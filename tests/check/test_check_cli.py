"""`inferstack check` on the command line: exit codes, output formats, summary, no tracebacks."""

import json
import subprocess
import sys

import pytest

from inferstack.cli import main

from ..conftest import ROOT
from .conftest import FIXTURES, VALID

UNKNOWN_FIELD = next(p for p in FIXTURES if p.name.startswith("CHK003-unknown-field-deployment"))


def run(*argv, env=None):
    return subprocess.run([sys.executable, "-m", "inferstack.cli", *argv], capture_output=True, text=True, cwd=ROOT,
                          env=env)


def test_valid_files_exit_zero_with_a_summary(crds, capsys):
    builtins = next(p for p in VALID if p.name == "builtins.yaml")
    cel = next(p for p in FIXTURES if p.name.startswith("CHK007-cel-hypernode"))
    assert main(["check", "--crds", str(crds), str(builtins)]) == 0
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("16 object(s) in 1 file(s) checked, valid; CEL: 0 evaluated, 0 skipped; ")
    assert main(["check", "--crds", str(crds), str(cel)]) == 1
    assert "1 object(s) in 1 file(s) checked, 1 error(s); CEL: 2 evaluated, 0 skipped; " in capsys.readouterr().err


def test_findings_exit_one_in_the_validate_format(crds, capsys):
    assert main(["check", "--crds", str(crds), str(UNKNOWN_FIELD)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"{UNKNOWN_FIELD}:7:3: error[CHK003] $.spec.replica: unknown field 'replica' "
                        "(did you mean 'replicas'?)")


def test_json_and_github_formats(crds, capsys):
    main(["check", "--crds", str(crds), "-o", "json", str(UNKNOWN_FIELD)])
    found = json.loads(capsys.readouterr().out)
    assert {d["rule"] for d in found} == {"CHK003"}
    assert set(found[0]) == {"file", "line", "column", "severity", "rule", "path", "message", "hint"}
    main(["check", "--crds", str(crds), "-o", "github", str(UNKNOWN_FIELD)])
    out = capsys.readouterr()
    assert out.out.startswith("::error file=") and ",line=7,col=3,title=CHK003::" in out.out
    assert out.err == ""  # the summary is for text output only


def test_crds_from_the_environment(crds, capsys, monkeypatch):
    monkeypatch.setenv("INFERSTACK_CRD_DIR", str(crds))
    assert main(["check", str(VALID[0])]) == 0


@pytest.mark.parametrize("argv, message", [
    (["does-not-exist.yaml"], "no such file or directory"),
    (["--kubernetes-version", "1.12", "{valid}"], "unsupported Kubernetes version '1.12'"),
    (["--crds", "{empty}", "{valid}"], "pinned CRDs not found in"),
])
def test_usage_errors_exit_two(crds, tmp_path, capsys, argv, message):
    argv = [a.format(valid=VALID[0], empty=tmp_path) for a in argv]
    if "--crds" not in argv:
        argv = ["--crds", str(crds), *argv]
    assert main(["check", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_directory_without_manifests_is_a_usage_error(crds, tmp_path, capsys):
    assert main(["check", "--crds", str(crds), str(tmp_path)]) == 2
    assert "no *.yaml, *.yml, *.json files" in capsys.readouterr().err


def test_no_traceback_for_bad_input(crds, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe garbage: [\n")
    r = run("check", "--crds", str(crds), str(bad))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "error[CHK001]" in r.stdout


def test_the_cli_imports_nothing_heavy_and_validate_does_not_import_check():
    code = ("import sys; from inferstack.cli import main; import inferstack.spec.validate;"
            "heavy = [m for m in ('jsonschema', 'cel', 'cel.cel', 'inferstack.check', 'kubernetes_validate')"
            " if m in sys.modules]; print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip() == "[]", r.stderr
