"""Hostile strings in free-text spec fields never change the structure of the output, and
arrive intact. Runs for every engine whose model layer is implemented, field by field: the
fields a spec may fill with any text (runtime args, env values, source revision, images) and
the URI paths their patterns leave open (no whitespace in object-store paths). Hugging Face repo
ids are restricted to the Hub's characters, so hostile ones are refused before any render."""

import copy
import json
from functools import cache

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from inferstack.engines import ENGINE_NAMES, get_engine
from inferstack.engines.base import EngineNotImplemented
from inferstack.render.pipeline import render_stack
from inferstack.render.writer import render_files
from inferstack.spec.validate import validate_text

from .conftest import ROOT, examples

QUICKSTART = yaml.safe_load((ROOT / "examples" / "quickstart-kind.yaml").read_text())
PLACEHOLDER = "PLACEHOLDER0VALUE"
BENCHMARKS = "manifests/50-benchmarks.yaml"
DERIVED = {"specHash"}  # a hash of the whole spec (a benchmark's run.json): differs with any value
HOSTILE = ['say "hi"', "it's", "two\nlines", "key: value", "{{ x }}", "{% raw %}", "---", "...", "# comment",
           "- item", "[a, b]", "{a: b}", "&anchor *alias", "!tag", "\\", "|", ">-", "ünï\u2028cødé 😀", "\t", "@`%"]
text = st.one_of(st.sampled_from(HOSTILE),
                 st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30))
# URI paths: the schema's patterns refuse whitespace
path_text = text.filter(lambda s: not any(c.isspace() for c in s))


def _model(doc: dict) -> dict:
    return doc["spec"]["models"][0]


def _free_text(doc: dict, value: str) -> None:
    model = _model(doc)
    model["runtime"]["args"] = ["--hostile-arg", value]
    model["runtime"]["env"] = {"HOSTILE_VALUE": value}
    model["source"]["revision"] = value


def _image(doc: dict, value: str) -> None:
    _model(doc)["runtime"]["image"] = f"registry.example/{value}:v1"


def _benchmark_image(doc: dict, value: str) -> None:
    doc["spec"]["benchmarks"][0]["image"] = f"registry.example/{value}:v1"


def _s3_path(doc: dict, value: str) -> None:
    model = _model(doc)
    model["runtime"]["name"] = "vllm"  # the simulator downloads nothing
    model["source"] = {"uri": f"s3://bucket/{value}"}


# field -> (how to set it, the values to try)
FIELDS = {
    "args-env-revision": (_free_text, text),
    "runtime-image": (_image, text),
    "benchmark-image": (_benchmark_image, text),
    "s3-path": (_s3_path, path_text),
}
# without the benchmark: it would render the same text again (free text), or cannot run (no Hub tokenizer for s3://)
NO_BENCHMARK = ("args-env-revision", "s3-path")


def spec_with(field: str, value: str) -> str:
    doc = copy.deepcopy(QUICKSTART)
    if field in NO_BENCHMARK:
        doc["spec"]["benchmarks"] = []
    FIELDS[field][0](doc, value)
    # escaped, not raw: PyYAML writes a raw NEL (U+0085) into a quoted scalar and reads it back as a space
    return yaml.safe_dump(doc, allow_unicode=False)


def render(engine: str, field: str, value: str) -> dict[str, str]:
    result = validate_text(spec_with(field, value), "hostile.yaml", engine=engine)
    assert result.ok, result.diagnostics
    return render_files(render_stack(result.stack))


@cache
def baseline(engine: str, field: str) -> dict[str, str]:
    """The render with the placeholder; skips engines that cannot express the field or render yet."""
    result = validate_text(spec_with(field, PLACEHOLDER), "hostile.yaml", engine=engine)
    if not result.ok:
        pytest.skip(f"{engine} cannot express {field}: {result.diagnostics[0].message}")
    try:
        return render_files(render_stack(result.stack))
    except EngineNotImplemented as exc:
        pytest.skip(str(exc))


def _yaml(text: str):
    return yaml.load(text, Loader=yaml.CSafeLoader)


def _embedded(text: str):
    """(parser, value) when `text` holds a JSON or YAML document (an object or a list), else None."""
    if not (text.startswith(("{", "[")) or ("\n" in text and ": " in text)):
        return None
    for parse in (json.loads, _yaml):
        try:
            value = parse(text)
        except (ValueError, yaml.YAMLError):
            continue
        if isinstance(value, (dict, list)):
            return parse, value
    return None


def assert_matches(expected, actual, written: str, where: str) -> int:
    """`actual` is `expected` with the placeholder written as `written`: the same structure, and where
    the baseline embeds a JSON or YAML document in a string (an argument, a config file), the same
    document, whatever escaping the value needed there. Returns how many strings held the value."""
    if isinstance(expected, str):
        found = _embedded(expected) if expected != actual else None
        if found is None:
            assert actual == expected.replace(PLACEHOLDER, written), where
            return int(PLACEHOLDER in expected)
        parse, value = found
        assert isinstance(actual, str), where
        return assert_matches(value, parse(actual), written, f"{where} (embedded)")
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert [k.replace(PLACEHOLDER, written) for k in expected] == list(actual), where
        return sum(assert_matches(value, actual[key.replace(PLACEHOLDER, written)], written, f"{where}.{key}")
                   for key, value in expected.items() if key not in DERIVED)
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        return sum(assert_matches(e, a, written, f"{where}[{i}]")
                   for i, (e, a) in enumerate(zip(expected, actual, strict=True)))
    assert actual == expected and type(actual) is type(expected), where
    return 0


def assert_same_structure(engine: str, field: str, value: str) -> None:
    expected_files = baseline(engine, field)
    hostile = render(engine, field, value)
    assert sorted(hostile) == sorted(expected_files)
    literal = get_engine(engine).spec_literal(value)  # what the engine's controller reads back as `value`
    arrived = 0
    for name, body in hostile.items():
        if not name.endswith(".yaml"):
            continue
        written = value if name == BENCHMARKS else literal  # benchmark Jobs are no engine's to read
        arrived += assert_matches(list(yaml.safe_load_all(expected_files[name])), list(yaml.safe_load_all(body)),
                                  written, name)
    assert arrived, f"the hostile {field} value did not arrive in any manifest"


CASES = [(engine, field) for field in FIELDS for engine in ENGINE_NAMES]


@pytest.mark.parametrize(("engine", "field"), CASES, ids=[f"{e}-{f}" for e, f in CASES])
@settings(max_examples=examples(8, 200), deadline=None)
@given(data=st.data())
def test_hostile_strings_keep_the_structure(engine, field, data):
    baseline(engine, field)  # skips before drawing when the engine cannot express the field
    assert_same_structure(engine, field, data.draw(FIELDS[field][1]))


def allowed(field: str, value: str) -> bool:
    values = FIELDS[field][1]
    return values is text or (not any(c.isspace() for c in value) and (values is path_text or "/" not in value))


@pytest.mark.parametrize(("engine", "field"), CASES, ids=[f"{e}-{f}" for e, f in CASES])
def test_every_listed_hostile_string_at_once_keeps_the_structure(engine, field):
    """The hand-picked strings, all in one value (those the field's pattern allows)."""
    baseline(engine, field)
    assert_same_structure(engine, field, "".join(v for v in HOSTILE if allowed(field, v)))


@pytest.mark.parametrize("value", [v for v in HOSTILE if v.strip()])
def test_hostile_hugging_face_ids_are_refused_by_the_schema(value):
    # the id reaches tool arguments in key=value form (GuideLLM's --tokenizer): only the Hub's characters pass
    doc = copy.deepcopy(QUICKSTART)
    _model(doc)["source"]["uri"] = f"hf://org/{value}"
    _model(doc)["lora"] = {"adapters": [{"name": "adapter", "uri": f"hf://org/{value}"}]}
    diagnostics = validate_text(yaml.safe_dump(doc), "hostile.yaml").diagnostics
    paths = {d.path for d in diagnostics if d.severity == "error"}
    assert {"$.spec.models[0].source.uri", "$.spec.models[0].lora.adapters[0].uri"} <= paths, diagnostics
