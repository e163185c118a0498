"""YAML text the renderer writes: the `q` filter's quoting (any string comes back exactly, on one
line of printable ASCII), and config files dumped with libyaml's emitter (the same data as PyYAML's)."""

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from inferstack.render.quote import yaml_string, yaml_value
from inferstack.render.writer import safe_dump

ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def reference(text: str) -> str:
    """The quoting rule, one character at a time."""
    out = ['"']
    for ch in text:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


@given(st.text())
def test_quoting_follows_the_rule(text):
    assert yaml_string(text) == reference(text)


@given(st.text(st.characters(blacklist_categories=("Cs",))))
def test_quoted_strings_read_back_exactly(text):
    quoted = yaml_string(text)
    assert all(" " <= ch <= "~" for ch in quoted)
    assert yaml.load(quoted, Loader=yaml.CSafeLoader) == text
    assert yaml.safe_load(quoted) == text


def test_values_nest_in_flow_style():
    value = {"a": [1, 2.5, True, None, "x: y"], "b\n": {"c": "ü"}}
    assert yaml_value(value) == '{"a": [1, 2.5, true, null, "x: y"], "b\\n": {"c": "\\u00fc"}}'
    assert yaml.safe_load(yaml_value(value)) == value


data = st.recursive(
    st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)),
    max_leaves=8)


@settings(max_examples=300)
@given(data)
def test_config_text_reads_back_as_pyyaml_safe_dump_does(value):
    """libyaml folds long escaped strings and writes long keys as `? key` where PyYAML's emitter does
    not; the data is the same (and for every example the text is too: the golden files)."""
    ours = safe_dump(value, sort_keys=False)
    assert yaml.safe_load(ours) == yaml.safe_load(yaml.safe_dump(value, sort_keys=False)) == value


def test_config_text_is_pyyaml_text_for_plain_configs():
    config = {"apiVersion": "v1", "plugins": [{"name": "a", "args": {"x": 1, "y": [True, None, 0.5]}}], "e": {}}
    assert safe_dump(config, sort_keys=False) == yaml.safe_dump(config, sort_keys=False)
