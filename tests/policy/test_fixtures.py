"""Every policy rule has a failing fixture under tests/policy/fixtures; each file lists everything the
policies must report as `# expect: RULE PATH LINE COLUMN` comments at its end. Runner 1 (`check
--policies`) and runner 2 (the CrossGuard pack's functions) must flag the same fixtures."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from inferstack.cli import main
from inferstack.policy import POLICY_RULES, check_paths
from inferstack.rule_catalog import RULES

from .harness import resources_of, run_pack

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("POL*.yaml"))
EXPECT = re.compile(r"^# expect: (\S+) (.+) (\d+) (\d+)$", re.M)
VIOLATION = re.compile(r"^\[(POL\d{3})\] (\S+) (\S+) (\$\S*): (.+)$")


def expectations(path):
    return sorted((r, p, int(line), int(col)) for r, p, line, col in EXPECT.findall(path.read_text()))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_reports_rule_path_and_position(fixture):
    expected = expectations(fixture)
    assert expected, f"{fixture.name} has no '# expect:' lines"
    report = check_paths([fixture])
    assert sorted((d.rule, d.path, d.line, d.column) for d in report.diagnostics) == expected
    assert all(d.file == str(fixture) for d in report.diagnostics)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_findings_show_the_id_a_message_and_a_hint(fixture, capsys):
    rule = fixture.name.split("-", 1)[0]
    severity = "error" if RULES[rule].severity == "mandatory" else "warning"
    code = main(["check", "--policies-only", str(fixture)])
    out = capsys.readouterr().out.splitlines()
    assert code == (1 if severity == "error" else 0)
    mine = [line for line in out if f"{severity}[{rule}]" in line]
    assert mine, out
    for line in mine:
        message = line.split(f"{severity}[{rule}] ", 1)[1]
        path, _, rest = message.partition(": ")
        assert path.startswith("$") and len(rest) > 20 and rest.endswith(")"), line  # message (hint)


def test_every_policy_rule_has_a_fixture():
    assert {f.name.split("-", 1)[0] for f in FIXTURES} == {r.id for r in POLICY_RULES}


def test_fixture_names_match_the_rule_they_trigger():
    for fixture in FIXTURES:
        rule_id = fixture.name.split("-", 1)[0]
        assert fixture.name.removesuffix(".yaml").split("-", 1)[1] == RULES[rule_id].name
        assert {r for r, _, _, _ in expectations(fixture)} == {rule_id}, fixture.name


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixtures_are_valid_kubernetes(fixture, checker):
    """Only the policies object: the schema check (built-in kinds, pinned CRDs) finds nothing."""
    report = checker.check_paths([fixture])
    assert [d.text() for d in report.diagnostics] == []


def _objects(fixture):
    return [d for d in yaml.safe_load_all(fixture.read_text()) if d]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_the_crossguard_pack_flags_the_same_fixtures(fixture):
    """Same rules, same objects, same JSON paths: the pack's resource and stack policies on the
    fixture's objects (through Pulumi's wire format) report what `check --policies` reports."""
    expected = Counter((r, p) for r, p, _, _ in expectations(fixture))
    violations = run_pack(resources_of(_objects(fixture)), config={"scope": "all"})
    got = Counter()
    for v in violations:
        match = VIOLATION.match(v.message)
        assert match, v.message
        assert match.group(1) == v.rule
        got[(v.rule, match.group(4))] += 1
        assert v.message.endswith(f"see policies/docs/{v.rule}.md")
    assert got == expected


def test_the_pack_judges_only_inferstack_objects_by_default():
    fixture = next(f for f in FIXTURES if f.name.startswith("POL001"))
    objects = _objects(fixture)
    assert run_pack(resources_of(objects)) == []
    for obj in objects:
        obj["metadata"]["labels"] = {"app.kubernetes.io/managed-by": "inferstack"}
    assert {v.rule for v in run_pack(resources_of(objects))} == {"POL001"}


def test_the_pack_flags_a_retained_volume_that_pulumi_does_not_protect():
    from .harness import Resource

    fixture = next(f for f in FIXTURES if f.name.startswith("POL009"))
    retained = [o for o in _objects(fixture) if o["metadata"]["labels"]["inferstack.dev/retain"] == "true"]
    resources = [Resource(r.type, r.name, r.props, protect=False) for r in resources_of(retained)]
    [violation] = run_pack(resources, config={"scope": "all"})
    assert violation.rule == "POL009" and "is not protected" in violation.message
    assert run_pack(resources_of(retained), config={"scope": "all"}) == []
