"""Every rule has a spec under tests/specs/invalid that triggers it; each file lists what it must
produce as `# expect: RULE PATH LINE` comments at its end."""

import re

import pytest

from inferstack.rule_catalog import RULES
from inferstack.spec.validate import validate_file

from .conftest import INVALID_SPECS

EXPECT = re.compile(rb"^# expect: (\S+) (\S+) (\d+)$", re.M)


def expectations(path):
    return sorted((r.decode(), p.decode(), int(n)) for r, p, n in EXPECT.findall(path.read_bytes()))


@pytest.mark.parametrize("spec", INVALID_SPECS, ids=lambda p: p.name)
def test_invalid_spec_reports_rule_path_and_line(spec):
    expected = expectations(spec)
    assert expected, f"{spec.name} has no '# expect:' lines"
    result = validate_file(str(spec))
    got = sorted((d.rule, d.path, d.line) for d in result.diagnostics)
    assert got == expected


def test_every_rule_has_an_invalid_spec():
    covered = {p.name.split("-", 1)[0] for p in INVALID_SPECS}
    spec_rules = {r for r in RULES if r.startswith("INF")}
    assert spec_rules - covered == set()


def test_file_names_match_the_rule_they_trigger():
    for spec in INVALID_SPECS:
        rule = spec.name.split("-", 1)[0]
        assert rule in {r for r, _, _ in expectations(spec)}, spec.name
