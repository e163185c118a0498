"""The OpenAPI v3 (CRD) to JSON Schema translation, one rule at a time."""

from inferstack.check.openapi import translate_version

META = "https://example.test/defs#/ObjectMeta"


def translate(spec):
    schema, _ = translate_version({"type": "object", "properties": {"spec": spec}}, META)
    return schema["properties"]["spec"]


def test_objects_with_properties_are_strict():
    out = translate({"type": "object", "properties": {"a": {"type": "string"}}})
    assert out["additionalProperties"] is False


def test_preserve_unknown_fields_and_maps_stay_open():
    assert "additionalProperties" not in translate({"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    assert translate({"type": "object", "additionalProperties": {"type": "string"}})["additionalProperties"] == {
        "type": "string"}


def test_value_validation_branches_are_not_strict():
    out = translate({"type": "object", "properties": {"a": {}, "b": {}},
                     "anyOf": [{"properties": {"a": {"type": "string"}}}, {"required": ["b"]}]})
    assert "additionalProperties" not in out["anyOf"][0]


def test_nullable_int_or_string_and_enum():
    assert translate({"type": "string", "nullable": True, "enum": ["a"]}) | {} == {
        "type": ["string", "null"], "enum": ["a", None], "nullable": True}
    out = translate({"x-kubernetes-int-or-string": True, "nullable": True})
    assert out["anyOf"] == [{"type": "integer"}, {"type": "string"}, {"type": "null"}] and "type" not in out


def test_openapi_30_exclusive_bounds():
    assert translate({"type": "integer", "minimum": 0, "exclusiveMinimum": True}) == {
        "type": "integer", "exclusiveMinimum": 0}
    assert translate({"type": "integer", "maximum": 9, "exclusiveMaximum": False}) == {"type": "integer", "maximum": 9}


def test_root_metadata_is_object_meta_plus_name_constraints():
    schema, _ = translate_version({"type": "object", "properties": {
        "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 5}}}}}, META)
    assert schema["properties"]["metadata"] == {
        "allOf": [{"$ref": META}, {"properties": {"name": {"type": "string", "maxLength": 5}}}]}
    assert schema["additionalProperties"] is False
    assert schema["properties"]["apiVersion"] == {"type": "string"}


def test_embedded_resources_need_type_meta():
    out = translate({"type": "object", "x-kubernetes-embedded-resource": True,
                     "x-kubernetes-preserve-unknown-fields": True})
    assert out["required"] == ["apiVersion", "kind", "metadata"]
    assert out["properties"]["metadata"] == {"$ref": META}


def test_descriptions_are_dropped_but_fields_named_like_keywords_are_kept():
    out = translate({"type": "object", "description": "x", "properties": {
        "description": {"type": "string"}, "default": {"type": "string", "default": "d"}}})
    assert "description" not in out and set(out["properties"]) == {"description", "default"}
    assert out["properties"]["default"]["default"] == "d"


def test_cel_rules_keep_only_their_fields():
    out = translate({"type": "object", "x-kubernetes-validations": [
        {"rule": "self.a", "message": "m", "fieldPath": ".a", "reason": "FieldValueInvalid", "extra": 1}]})
    assert out["x-kubernetes-validations"] == [{"rule": "self.a", "message": "m", "fieldPath": ".a",
                                                "reason": "FieldValueInvalid"}]


def test_uncompilable_patterns_are_reported():
    _, dropped = translate_version({"type": "object", "properties": {"a": {"type": "string", "pattern": "\\p{L}"}}},
                                   META)
    assert dropped == ["\\p{L}"]
