"""Hostile strings in free-text spec fields never change the structure of the output, and
arrive intact. Runs for every engine whose model layer is implemented."""

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferstack.engines import ENGINE_NAMES, get_engine
from inferstack.engines.base import EngineNotImplemented
from inferstack.render.pipeline import render_stack
from inferstack.render.writer import render_files
from inferstack.spec.validate import validate_text

from .conftest import ROOT

QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart-kind.yaml").read_text())
PLACEHOLDER = "PLACEHOLDER0VALUE"
HOSTILE = ['say "hi"', "it's", "two\nlines", "key: value", "{{ x }}", "{% raw %}", "---", "...", "# comment",
           "- item", "[a, b]", "{a: b}", "&anchor *alias", "!tag", "\\", "|", ">-", "ünï\u2028cødé 😀", "\t", "@`%"]
text = st.one_of(st.sampled_from(HOSTILE),
                 st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30))


def spec_with(value: str) -> str:
    doc = copy.deepcopy(QUICKSTART)
    model = doc["spec"]["models"][0]
    model["runtime"]["args"] = ["--hostile-arg", value]
    model["runtime"]["env"] = {"HOSTILE_VALUE": value}
    model["source"]["revision"] = value
    doc["spec"]["benchmarks"] = []
    # escaped, not raw: PyYAML writes a raw NEL (U+0085) into a quoted scalar and reads it back as a space
    return yaml.safe_dump(doc, allow_unicode=False)


def render(engine: str, value: str) -> dict[str, str]:
    result = validate_text(spec_with(value), "hostile.yaml", engine=engine)
    assert result.ok, result.diagnostics
    try:
        return render_files(render_stack(result.stack))
    except EngineNotImplemented as exc:
        pytest.skip(str(exc))


def swap(node, old: str, new: str):
    if isinstance(node, str):
        return node.replace(old, new)
    if isinstance(node, dict):
        return {swap(k, old, new): swap(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [swap(v, old, new) for v in node]
    return node


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(value=text)
def test_hostile_strings_keep_the_structure(engine, value):
    baseline = render(engine, PLACEHOLDER)
    hostile = render(engine, value)
    assert sorted(hostile) == sorted(baseline)
    written = get_engine(engine).spec_literal(value)  # what the engine's controller reads back as `value`
    found = False
    for name, body in hostile.items():
        if not name.endswith(".yaml"):
            continue
        docs = list(yaml.safe_load_all(body))
        expected = list(yaml.safe_load_all(baseline[name]))
        assert len(docs) == len(expected), name
        assert docs == [swap(d, PLACEHOLDER, written) for d in expected], name
        found = found or any(s == written for d in docs for s in strings(d))
    assert found, "the hostile env value did not arrive intact"
