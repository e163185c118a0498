"""The `q` filter's quoting: any string comes back exactly, on one line of printable ASCII."""

import yaml
from hypothesis import given
from hypothesis import strategies as st

from inferstack.render.quote import yaml_string, yaml_value

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
