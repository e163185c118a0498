"""No input makes check raise: every problem is a diagnostic with a CHK rule, a JSON path and a position."""

import copy
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferstack.errors import Diagnostic
from inferstack.rule_catalog import RULES

from .conftest import VALID

OBJECTS = [d for p in VALID for d in yaml.safe_load_all(p.read_text())]
EXAMPLES = 1000 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 100
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

keys = st.one_of(st.text(max_size=10), st.integers(-3, 3), st.none(), st.booleans())
odd = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=20), st.binary(max_size=4),
    st.tuples(st.integers()), st.sampled_from(["", "-", "a" * 300, "0.5", "1e3", "\x00", "${x}"]),
)
values = st.recursive(odd, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=3)), max_leaves=10)


def assert_clean(report):
    for d in report.diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.rule in RULES and d.rule.startswith("CHK"), d
        assert d.line >= 1 and d.column >= 1 and d.path.startswith("$")


def _containers(obj):
    yield obj
    for value in (obj.values() if isinstance(obj, dict) else obj if isinstance(obj, list) else ()):
        if isinstance(value, (dict, list)):
            yield from _containers(value)


@SETTINGS
@given(data=st.data())
def test_mutated_objects_never_raise(checker, data):
    obj = copy.deepcopy(data.draw(st.sampled_from(OBJECTS)))
    for _ in range(data.draw(st.integers(1, 4))):
        container = data.draw(st.sampled_from(list(_containers(obj))))
        if isinstance(container, dict):
            container[data.draw(st.one_of(st.sampled_from(sorted(container, key=repr) or ["x"]), keys))] = data.draw(values)
        elif container:
            container[data.draw(st.integers(0, len(container) - 1))] = data.draw(values)
    assert_clean(checker.check_objects([obj]))


@SETTINGS
@given(value=values)
def test_arbitrary_documents_never_raise(checker, value):
    assert_clean(checker.check_objects([value]))


@SETTINGS
@given(raw=st.binary(max_size=600))
def test_arbitrary_files_never_raise(checker, tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("raw") / "x.yaml"
    path.write_bytes(raw)
    assert_clean(checker.check_paths([path]))
