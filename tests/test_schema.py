"""The published JSON Schema: valid 2020-12, documented, closed."""

from jsonschema import Draft202012Validator

from inferstack.spec.schema import apply_defaults, spec_schema


def walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def test_schema_is_valid_draft_2020_12_with_an_id():
    schema = spec_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]


def test_every_object_is_closed():
    for path, node in walk(spec_schema()):
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False, path


def test_every_field_has_a_description():
    missing = []
    for path, node in walk(spec_schema()):
        for name, prop in node.get("properties", {}).items() if isinstance(node.get("properties"), dict) else []:
            target = prop
            if "$ref" in prop and "description" not in prop:
                ref = prop["$ref"].split("/")[-1]
                target = spec_schema()["$defs"][ref]
            if "description" not in target:
                missing.append(path + ("properties", name))
    assert missing == []


def test_defaults_fill_nested_objects_without_touching_the_input():
    doc = {"spec": {"models": [{"name": "m", "source": {"uri": "hf://a/b"}}]}}
    filled = apply_defaults(doc)
    assert "runtime" not in doc["spec"]["models"][0]
    m = filled["spec"]["models"][0]
    assert m["runtime"] == {"name": "vllm", "image": None, "args": [], "env": {}}
    assert m["parallelism"] == {"tensor": 1, "pipeline": 1, "data": 1}
    assert filled["spec"]["gpu"] == {"devicePlugin": "auto", "sharing": {"mode": "none", "replicas": 1}}
