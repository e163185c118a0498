"""The compiled fast check and jsonschema agree: valid means no jsonschema error, and every object
the fast check rejects gets at least one explained error. Checked on mutations of valid objects."""

import copy
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferstack.check.checker import Checker
from inferstack.check.fastschema import NotCompilable, SchemaCompiler, json_equal
from inferstack.check.formats import FORMATS

from .conftest import VALID

OBJECTS = [d for p in VALID for d in yaml.safe_load_all(p.read_text())]
EXAMPLES = 1000 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 120

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(["", "500m", "2Gi", "1 core", "TCP", "In", "http", "-1", "a/b", "x" * 300]),
)
values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)), max_leaves=8)


def _containers(obj, path=()):
    yield path, obj
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for key, value in items:
        if isinstance(value, (dict, list)):
            yield from _containers(value, path + (key,))


@st.composite
def mutated(draw):
    original = draw(st.sampled_from(OBJECTS))
    obj = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        places = list(_containers(obj))
        _, container = draw(st.sampled_from(places))
        if isinstance(container, dict) and container:
            key = draw(st.sampled_from(sorted(container)))
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                container[key] = draw(values)
            elif action == "delete":
                del container[key]
            else:
                container[draw(st.text(min_size=1, max_size=8))] = draw(values)
        elif isinstance(container, list) and container:
            container[draw(st.integers(0, len(container) - 1))] = draw(values)
    return (original["apiVersion"], original["kind"]), obj


@pytest.fixture(scope="module")
def validators(checker: Checker):
    out = {}
    for obj in OBJECTS:
        target = checker._target(obj["apiVersion"], obj["kind"])
        checker.check_objects([obj])  # compiles the validator
        out[(obj["apiVersion"], obj["kind"])] = target.validator
    return out


def test_every_valid_kind_uses_the_compiled_check(validators):
    assert all(v.compiled for v in validators.values())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_fast_check_agrees_with_jsonschema(validators, case):
    key, obj = case
    validator = validators[key]
    fast = validator.is_valid_fast(obj)
    explained = validator.explain(obj)
    assert fast == (not explained), [e.message for e in explained]



def compile_(schema):
    return SchemaCompiler({}, FORMATS).compile(schema)


def test_keyword_semantics_follow_jsonschema():
    assert compile_({"enum": [1]})(1.0) and not compile_({"enum": [1]})(True)
    assert compile_({"type": "integer"})(2.0) and not compile_({"type": "integer"})(True)
    assert not compile_({"type": "number"})(False)
    assert compile_({"pattern": "b"})("abc")  # search, not match
    assert compile_({"minimum": 3})("not a number")  # keywords apply only to their types
    assert compile_({"uniqueItems": True})([1, True]) and not compile_({"uniqueItems": True})([1, 1.0])
    assert compile_({"format": "int32"})(2**31 - 1) and not compile_({"format": "int32"})(2**31)
    assert not compile_({"oneOf": [{"type": "integer"}, {"minimum": 0}]})(1)


def test_unhandled_keywords_fall_back_to_jsonschema():
    with pytest.raises(NotCompilable):
        compile_({"if": {"type": "string"}, "then": {"minLength": 1}})


def test_json_equal():
    assert json_equal({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not json_equal([True], [1]) and not json_equal("1", 1)


def test_a_subschema_that_cannot_be_compiled_falls_back_to_jsonschema():
    from inferstack.check.validators import SchemaSet

    schema = {"type": "object", "properties": {"a": {"if": {"type": "string"}, "then": {"minLength": 2}}}}
    validator = SchemaSet({}).validator(schema)
    assert validator.errors({"a": 1}) == []  # fine either way; the subschema is compiled lazily
    assert [e.validator for e in validator.errors({"a": "x"})] == ["minLength"]
    assert not validator.compiled
