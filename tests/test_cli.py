"""The command line: exit codes, output formats, and no tracebacks."""

import json
import subprocess
import sys

import pytest

from inferstack.cli import main

from .conftest import EXAMPLES, ROOT

INVALID = ROOT / "tests" / "specs" / "invalid"


def run(*argv):
    return subprocess.run([sys.executable, "-m", "inferstack.cli", *argv], capture_output=True, text=True, cwd=ROOT)


def test_valid_specs_exit_zero(capsys):
    assert main(["validate", str(EXAMPLES[0]), str(ROOT / "examples" / "eks-h100-pd.yaml")]) == 0
    out = capsys.readouterr()
    assert out.out == "" and "valid" in out.err


def test_invalid_spec_exits_one_with_the_diagnostic_line(capsys):
    spec = INVALID / "INF101-unknown-field.yaml"
    assert main(["validate", str(spec)]) == 1
    line = capsys.readouterr().out.strip()
    assert line == (f"{spec}:17:7: error[INF101] $.spec.models[0].replica: unknown field 'replica' "
                    "(did you mean 'replicas'?)")


def test_json_output_has_the_documented_keys(capsys):
    main(["validate", "-o", "json", str(INVALID / "INF104-invalid-choice.yaml")])
    [d] = json.loads(capsys.readouterr().out)
    assert set(d) == {"file", "line", "column", "severity", "rule", "path", "message", "hint"}
    assert (d["rule"], d["line"], d["column"]) == ("INF104", 16, 17)


def test_github_output_is_an_annotation(capsys):
    main(["validate", "-o", "github", str(INVALID / "INF101-unknown-field.yaml")])
    out = capsys.readouterr().out
    assert out.startswith("::error file=") and ",line=17,col=7,title=INF101::" in out


def test_warnings_pass_unless_strict(capsys):
    spec = str(INVALID / "INF501-unpinned-revision.yaml")
    assert main(["validate", spec]) == 0
    assert main(["validate", "--strict", spec]) == 1


def test_missing_file_is_a_usage_error(capsys):
    assert main(["validate", "does-not-exist.yaml"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_directory_is_a_usage_error(capsys):
    assert main(["validate", str(ROOT)]) == 2


def test_bad_flag_is_a_usage_error():
    r = run("validate", "--output", "xml", str(EXAMPLES[0]))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_engine_override_reports_capabilities(capsys):
    spec = next(e for e in EXAMPLES if e.name == "eks-h100-pd.yaml")
    assert main(["validate", "--engine", "llmaz", str(spec)]) == 1
    assert "error[INF301]" in capsys.readouterr().out


def test_rules_lists_every_rule(capsys):
    from inferstack.rule_catalog import RULES

    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert all(rule_id in out for rule_id in RULES)
    assert main(["rules", "INF999"]) == 2


def test_schema_command_prints_the_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"].endswith("inferencestack.v1alpha1.schema.json")


POLICY_FIXTURES = ROOT / "tests" / "policy" / "fixtures"


@pytest.mark.parametrize("command", [["validate", *map(str, EXAMPLES)], ["rules"],
                                     ["check", "--policies-only", str(POLICY_FIXTURES)]])
def test_offline_commands_do_not_import_pulumi(command):
    code = (f"import sys; from inferstack.cli import main; main({command!r}); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_kubernetes', 'jinja2')]; "
            "sys.stderr.write('LOADED:' + ','.join(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stderr.rsplit("LOADED:", 1)[1] == ""


def test_rules_doc_is_generated_from_the_catalog(capsys):
    main(["rules", "-o", "markdown"])
    table = capsys.readouterr().out
    assert table in (ROOT / "docs" / "rules.md").read_text(), "regenerate docs/rules.md: inferstack rules -o markdown"


def test_only_specs_skips_other_yaml(tmp_path, capsys):
    other = tmp_path / "values.yaml"
    other.write_text("replicaCount: 2\n")
    assert main(["validate", "--only-specs", str(other), str(EXAMPLES[0])]) == 0
    assert "1 spec(s) checked" in capsys.readouterr().err
    assert main(["validate", str(other)]) == 1


def test_pre_commit_hook_runs_validate_on_specs_only():
    import yaml

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"] == "inferstack validate --only-specs"


def test_workflow_previews_with_the_policy_pack_in_the_virtualenv_both_projects_name():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "inferstack.yml").read_text())
    steps = workflow["jobs"]["pulumi-preview"]["steps"]
    preview = next(s for s in steps if s.get("uses", "").startswith("pulumi/actions@"))
    assert preview["with"]["policyPacks"] == "${{ github.workspace }}/policies"
    install = next(s for s in steps if s.get("name") == "Install inferstack")
    assert "python -m venv .venv" in install["run"] and ".[policy]" in install["run"]
    for project in ("stacks/Pulumi.yaml", "policies/PulumiPolicy.yaml"):
        assert yaml.safe_load((ROOT / project).read_text())["runtime"]["options"]["virtualenv"] == "../.venv"


def test_render_checks_its_output_and_writes_nothing_on_findings(tmp_path, capsys, crds, monkeypatch):
    from inferstack.render import pipeline

    real = pipeline.render_stack

    def broken(stack, engine=None, **kw):
        rendered = real(stack, engine, **kw)
        rendered.objects[0].body["spec"] = {"bogus": True}
        return rendered

    monkeypatch.setattr(pipeline, "render_stack", broken)
    out = tmp_path / "out"
    assert main(["render", str(ROOT / "examples" / "llmaz-envoy-ai-gateway.yaml"), "--out", str(out),
                 "--crds", str(crds)]) == 1
    captured = capsys.readouterr()
    assert "do not pass check; nothing was written" in captured.err
    assert not out.exists()


def test_check_policies_adds_the_policy_findings_to_the_schema_check(capsys, crds):
    fixture = POLICY_FIXTURES / "POL001-image-pinned.yaml"
    assert main(["check", "--crds", str(crds), str(fixture)]) == 0
    capsys.readouterr()
    assert main(["check", "--policies", "--crds", str(crds), str(fixture)]) == 1
    out = capsys.readouterr()
    assert out.out.count("error[POL001]") == 2
    assert "checked, valid" in out.err and "policies: 1 object(s) in 1 file(s), 2 error(s)" in out.err


def test_advisory_policies_are_warnings_that_pass(capsys):
    assert main(["check", "--policies-only", str(POLICY_FIXTURES / "POL012-run-as-non-root.yaml")]) == 0
    assert "warning[POL012]" in capsys.readouterr().out


def test_check_policies_only_needs_no_crds_but_reports_unreadable_files(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INFERSTACK_CRD_DIR", str(tmp_path / "no-crds-here"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: [\n")
    assert main(["check", "--policies-only", str(POLICY_FIXTURES / "POL009-cache-volume-retained.yaml"),
                 str(broken)]) == 1
    out = capsys.readouterr().out
    assert "warning[POL009]" in out and "error[CHK001]" in out
    assert main(["check", str(broken)]) == 2  # the schema check needs the pinned CRDs


def test_render_refuses_output_that_breaks_a_mandatory_policy(tmp_path, capsys, monkeypatch):
    from inferstack.components import runtime

    monkeypatch.setattr(runtime, "security_context", lambda image: {})
    spec, out = str(ROOT / "examples" / "quickstart-kind.yaml"), tmp_path / "out"
    assert main(["render", spec, "--out", str(out), "--no-check"]) == 1
    captured = capsys.readouterr()
    assert "error[POL011]" in captured.out and f"{out}/manifests/30-models.yaml:" in captured.out
    assert "break mandatory policies; nothing was written" in captured.err
    assert not out.exists()
    assert main(["render", spec, "--out", str(out), "--no-check", "--no-policies"]) == 0
    assert (out / "manifests" / "30-models.yaml").exists()


@pytest.mark.parametrize(("command", "paused"), [("validate", True), ("rules", False)])
def test_the_cycle_collector_pauses_only_while_a_short_command_runs(command, paused, monkeypatch):
    import gc

    import inferstack.cli as cli

    seen = []
    monkeypatch.setattr(cli, f"cmd_{command}", lambda args: seen.append(gc.isenabled()) or 0)
    argv = [command, str(EXAMPLES[0])] if command == "validate" else [command]
    assert gc.isenabled() and main(argv) == 0
    assert seen == [not paused] and gc.isenabled()


def test_render_works_when_the_cache_folder_cannot_be_used(tmp_path, crds):
    """The caches (CRD schemas, kinds index, built-in schemas, compiled templates) are optional."""
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    env = {"PATH": "/usr/bin:/bin", "INFERSTACK_CACHE_DIR": str(blocked)}
    r = subprocess.run([sys.executable, "-m", "inferstack.cli", "render", str(EXAMPLES[0]), "--out", str(tmp_path / "out"),
                        "--crds", str(crds)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "summary.json").is_file()
