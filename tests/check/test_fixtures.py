"""Every check rule has a fixture under tests/check/fixtures that triggers it; each file lists what it
must produce as `# expect: RULE PATH LINE COLUMN` comments at its end."""

import re

import pytest

from inferstack.rule_catalog import RULES

from .conftest import FIXTURES

EXPECT = re.compile(r"^# expect: (\S+) (.+) (\d+) (\d+)$", re.M)


def expectations(path):
    return sorted((r, p, int(line), int(col)) for r, p, line, col in EXPECT.findall(path.read_text()))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_reports_rule_path_and_position(checker, fixture):
    expected = expectations(fixture)
    assert expected, f"{fixture.name} has no '# expect:' lines"
    report = checker.check_paths([fixture])
    got = sorted((d.rule, d.path, d.line, d.column) for d in report.diagnostics)
    assert got == expected
    assert all(d.file == str(fixture) for d in report.diagnostics)


def test_every_check_rule_has_a_fixture():
    covered = {p.name.split("-", 1)[0] for p in FIXTURES}
    assert {r for r in RULES if r.startswith("CHK")} - covered == set()


def test_fixture_names_match_the_rule_they_trigger():
    for fixture in FIXTURES:
        assert fixture.name.split("-", 1)[0] in {r for r, _, _, _ in expectations(fixture)}, fixture.name


def test_the_fixture_folder_checked_at_once_has_no_cross_file_duplicates(checker):
    report = checker.check_paths([FIXTURES[0].parent])
    files = {d.file for d in report.diagnostics if d.rule == "CHK010"}
    assert files == {str(p) for p in FIXTURES if p.name.startswith("CHK010")}
