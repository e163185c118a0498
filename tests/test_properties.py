"""Property tests: no input makes validate raise; every problem is a diagnostic with a rule,
a JSON path and a position. `HYPOTHESIS_PROFILE=long` runs a longer profile on demand (the
profiles are registered in conftest.py)."""

import copy

import yaml
from hypothesis import given
from hypothesis import strategies as st

from inferstack.errors import Diagnostic
from inferstack.rule_catalog import RULES
from inferstack.spec.validate import validate_text

from .conftest import EXAMPLES

EXAMPLE_DOCS = [yaml.safe_load(e.read_text()) for e in EXAMPLES]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), st.sampled_from(["yes", "on", "~", "2024-01-01", "0x1f", "1e400", "{{ x }}", "---", "- a", ": b"]),
)
values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)), max_leaves=25)


def assert_clean(result):
    for d in result.diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.rule in RULES, d
        assert d.line >= 1 and d.column >= 1
        assert d.path.startswith("$")


@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw):
    assert_clean(validate_text(raw, "fuzz.yaml"))


@given(values)
def test_random_documents_never_raise(value):
    text = yaml.safe_dump(value, allow_unicode=True)
    assert_clean(validate_text(text, "fuzz.yaml"))


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


@st.composite
def mutated_examples(draw):
    doc = copy.deepcopy(draw(st.sampled_from(EXAMPLE_DOCS)))
    for _ in range(draw(st.integers(1, 4))):
        all_paths = [p for p in paths(doc) if p]
        path = draw(st.sampled_from(all_paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        key = path[-1]
        if action == "replace":
            parent[key] = draw(values)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(values)
        else:
            parent.append(draw(values))
        if not isinstance(doc, dict):
            break
    return doc


@given(mutated_examples())
def test_mutated_examples_never_raise(doc):
    assert_clean(validate_text(yaml.safe_dump(doc, allow_unicode=True), "mutated.yaml"))


@given(mutated_examples(), st.sampled_from(["kthena", "llm-d", "aibrix", "ome", "llmaz", "kserve"]))
def test_mutated_examples_never_raise_for_any_engine(doc, engine):
    assert_clean(validate_text(yaml.safe_dump(doc, allow_unicode=True), "mutated.yaml", engine=engine))


def test_huge_spec_is_handled():
    doc = copy.deepcopy(EXAMPLE_DOCS[0])
    doc["spec"]["models"] = [dict(doc["spec"]["models"][0], name=f"m{i}") for i in range(2000)]
    result = validate_text(yaml.safe_dump(doc), "huge.yaml")
    assert_clean(result)


@given(mutated_examples())
def test_the_compiled_spec_schema_agrees_with_jsonschema(doc):
    """`validate` skips jsonschema when the compiled schema accepts a spec: the two must agree."""
    from inferstack.spec.schema import _validator, is_valid_fast

    assert is_valid_fast(doc) == _validator().is_valid(doc)


def test_the_compiled_spec_schema_accepts_every_example():
    from inferstack.spec.schema import _fast_check, is_valid_fast

    assert _fast_check() is not None
    assert all(is_valid_fast(doc) for doc in EXAMPLE_DOCS)


TOKENS = ["hf_" + "a" * 34, "sk-" + "b" * 24, "AKIA" + "C" * 16, "ghp_" + "d" * 36, "github_pat_" + "e" * 40,
          "glpat-" + "f" * 20, "xoxb-" + "1" * 12, "eyJhbGciOiJI.eyJzdWIiOiIx.sig", "-----BEGIN RSA PRIVATE KEY-----"]


@given(st.one_of(st.text(max_size=60), st.builds(lambda a, t, b: a + t + b, st.text(max_size=8),
                                                 st.sampled_from(TOKENS), st.text(max_size=8))))
def test_the_credential_prefilter_finds_what_the_patterns_find(text):
    from inferstack.spec.semantic import TOKEN_PATTERNS, find_literal_secret

    assert find_literal_secret(text) == next((what for pattern, what in TOKEN_PATTERNS if pattern.search(text)), None)
