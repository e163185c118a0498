"""CEL: rule classification, the Kubernetes library functions, and values as Kubernetes exposes them."""

import pytest

from inferstack.check.cel_functions import FUNCTIONS
from inferstack.check.cel_rules import (
    TRANSITION,
    UNSUPPORTED_FUNCTION,
    UNSUPPORTED_SYNTAX,
    CelCompiler,
    CelCounts,
)
from inferstack.check.cel_values import CelValues, escape


@pytest.fixture(scope="module")
def cel():
    return CelCompiler()


def evaluate(cel, rule, value):
    compiled = cel.compile(rule)
    assert compiled.skip_reason is None, compiled.detail
    return compiled.evaluate(value)


@pytest.mark.parametrize("rule, reason", [
    ("self.replicas == oldSelf.replicas", TRANSITION),
    ("!has(oldSelf.x) || has(self.x)", TRANSITION),
    ("quantity(self.memory).isLessThan(quantity('1Gi'))", UNSUPPORTED_FUNCTION),
    ("isURL(self.endpoint)", UNSUPPORTED_FUNCTION),
    ("self.?optional.orValue('x') == 'x'", UNSUPPORTED_SYNTAX),
    ("self.x ==", UNSUPPORTED_SYNTAX),
])
def test_rules_that_cannot_run_offline_are_classified(cel, rule, reason):
    assert cel.compile(rule).skip_reason == reason


def test_each_rule_text_is_compiled_once(cel):
    assert cel.compile("self.size() > 0") is cel.compile("self.size() > 0")


@pytest.mark.parametrize("rule, value, expected", [
    ("self.all(x, self.exists_one(y, y.name == x.name))", [{"name": "a"}, {"name": "b"}], True),
    ("self.filter(x, x.type == 'A').size() <= 1", [{"type": "A"}, {"type": "A"}], False),
    ("self.split('@')[0] in ['al2023', 'bottlerocket']", "al2023@latest", True),
    ("self.lowerAscii() == 'authorization'", "Authorization", True),
    ("self.find('^([^/]+)').endsWith('karpenter.sh')", "karpenter.sh/nodepool", True),
    ("self.findAll('[0-9]+').size() == 3", "a1b22c333", True),
    ("duration(self.timeout) < duration(self.interval)", {"timeout": "1s", "interval": "1m"}, True),
    ("int(self.split(' ')[1]) >= 32768", "1024 60999", True),
    ("size(dyn(self)) == 2", {"a": 1, "b": 2}, True),
    ("self.isSorted() && self.sum() == 6 && self.min() == 1 && self.max() == 3", [1, 2, 3], True),
    ("self.indexOf(2) == 1 && 'abcb'.lastIndexOf('b') == 3", [1, 2], True),
    ("sets.contains(self, [1]) && !sets.intersects(self, [9])", [1, 2], True),
    ("self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')", "valid-name", True),
    ("self.join('x') == 'axb'", ["a", "b"], True),
])
def test_kubernetes_cel_library(cel, rule, value, expected):
    assert evaluate(cel, rule, value) is expected


def test_function_table_entries_are_callable_from_cel(cel):
    assert set(FUNCTIONS) >= {"split", "lowerAscii", "find", "findAll", "isSorted", "sets.contains"}
    assert evaluate(cel, "self.substring(1, 3) == 'bc' && self.charAt(0) == 'a' && self.upperAscii() == 'ABCD'",
                    "abcd")


def test_a_runtime_failure_raises_for_the_caller_to_count(cel):
    with pytest.raises(Exception):  # noqa: B017 - the runtime's error types vary; any exception means "skipped"
        cel.compile("self.missing == 1").evaluate({})


@pytest.mark.parametrize("name, escaped", [
    ("namespace", "__namespace__"), ("in", "__in__"), ("a.b", "a__dot__b"), ("x-y", "x__dash__y"),
    ("a/b", "a__slash__b"), ("a__b", "a__underscores__b"), ("plain", "plain"), ("9lives", None), ("a b", None),
])
def test_property_names_are_escaped_as_kubernetes_does(name, escaped):
    assert escape(name) == escaped


def test_values_follow_the_schema():
    schema = {"type": "object", "properties": {
        "namespace": {"type": "string"}, "ratio": {"type": "number"}, "9bad": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}}}}
    values = CelValues()
    got = values.convert(schema, {"namespace": "a", "ratio": 2, "9bad": "x", "labels": {"a.b/c": "d"}})
    assert got == {"__namespace__": "a", "ratio": 2.0, "labels": {"a.b/c": "d"}}
    assert isinstance(got["ratio"], float)
    plain = {"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": False}
    value = {"name": "x"}
    assert values.convert(plain, value) is value  # nothing to convert: passed through


def test_root_metadata_exposes_only_name_and_generate_name():
    got = CelValues().convert({"properties": {}}, {"metadata": {"name": "a", "labels": {"x": "y"}}, "kind": "K"},
                              root=True)
    assert got == {"metadata": {"name": "a"}, "kind": "K"}


def test_counts_summary():
    counts = CelCounts(evaluated=412)
    counts.skipped.update({TRANSITION: 23, UNSUPPORTED_FUNCTION: 14})
    assert counts.summary() == "CEL: 412 evaluated, 37 skipped (23 transition rules, 14 unsupported functions)"
