"""Correct objects of many kinds, built-in and custom, pass; CEL rules on them are evaluated."""

import pytest

from .conftest import VALID


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_objects_pass(checker, path):
    report = checker.check_paths([path])
    assert [d.text() for d in report.diagnostics] == []
    assert report.objects >= 16 and report.files == 1


def test_custom_resources_evaluate_cel_rules(checker):
    report = checker.check_paths([p for p in VALID if p.name == "custom-resources.yaml"])
    assert report.ok
    assert report.cel.evaluated > 100
    # only transition rules (oldSelf) are skipped on these objects: nothing offline to compare with
    assert set(report.cel.skipped) <= {"transition rules"}


def test_every_valid_kind_is_distinct(checker):
    import yaml

    kinds = [(d["apiVersion"], d["kind"]) for p in VALID for d in yaml.safe_load_all(p.read_text())]
    assert len(kinds) == len(set(kinds)) >= 40
