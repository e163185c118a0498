"""What a CRD schema means beyond JSON Schema, on a CRD written for the test (no pinned CRDs needed)."""

import pytest

from inferstack.check.checker import Checker

from .widget_crd import widget, write_widget_crd


@pytest.fixture(scope="module")
def widgets(tmp_path_factory):
    root = write_widget_crd(tmp_path_factory.mktemp("crds"))
    return Checker("1.34", root, cache_dir=root / "cache", pinned_crds={"demo": "v1"})


def findings(widgets, *objects):
    report = widgets.check_objects(list(objects))
    return [(d.rule, d.path, d.message) for d in report.diagnostics], report


def rules(widgets, *objects):
    return [(r, p) for r, p, _ in findings(widgets, *objects)[0]]


def test_defaults_fill_required_fields_and_cel_sees_them(widgets):
    found, report = findings(widgets, widget())
    assert found == []
    # the root rule, minReplicas <= maxReplicas (defaults 1 and 4), the labels and ratio rules
    assert report.cel.evaluated == 4
    assert dict(report.cel.skipped) == {"transition rules": 1, "unsupported functions": 1}


def test_cel_violation_is_reported_at_the_field_path_with_the_rule_message(widgets):
    found, _ = findings(widgets, widget(minReplicas=5))
    assert found == [("CHK007", "$.spec.minReplicas", "minReplicas must not exceed maxReplicas")]


def test_message_expression_is_evaluated(widgets):
    found, _ = findings(widgets, widget(labels={"tier": "silver"}))
    assert found == [("CHK007", "$.spec", "tier must be gold, not silver")]


def test_a_failing_evaluation_is_skipped_not_reported(widgets):
    found, report = findings(widgets, widget(labels={"zone": "a"}))  # self.labels['tier'] has no such key
    assert found == []
    assert report.cel.skipped["evaluation errors"] == 1


def test_root_rule_sees_metadata_name_and_crd_name_constraint_applies(widgets):
    assert rules(widgets, widget(name="bolt")) == [("CHK007", "$")]
    assert rules(widgets, widget(name="w" * 13)) == [("CHK006", "$.metadata.name")]


def test_numbers_reach_cel_as_doubles(widgets):
    assert rules(widgets, widget(ratio=2)) == []
    assert rules(widgets, widget(ratio=3)) == [("CHK007", "$.spec")]


def test_nulls_are_pruned_or_defaulted_unless_nullable(widgets):
    assert rules(widgets, widget(mode=None, memory=None, ratio=None)) == []


def test_int_or_string(widgets):
    assert rules(widgets, widget(port=8080), widget("wide", port="http")) == []
    found, _ = findings(widgets, widget(port=1.5))
    assert found == [("CHK004", "$.spec.port", "expected integer or string, got number 1.5")]


def test_openapi_boolean_exclusive_maximum_and_int32(widgets):
    assert rules(widgets, widget(weight=99)) == []
    assert rules(widgets, widget(weight=100)) == [("CHK006", "$.spec.weight")]
    found, _ = findings(widgets, widget(maxReplicas=2**31))
    assert found == [("CHK006", "$.spec.maxReplicas", "2147483648 is not a 32-bit integer")]


def test_object_without_properties_accepts_no_fields_but_preserve_unknown_does(widgets):
    assert rules(widgets, widget(empty={"a": 1})) == [("CHK003", "$.spec.empty.a")]
    assert rules(widgets, widget(config={"anything": {"nested": [1, 2]}})) == []


def test_embedded_resource_needs_type_meta_and_valid_object_meta(widgets):
    good = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"any": "thing"}}
    assert rules(widgets, widget(template=good)) == []
    bad = {"kind": "Pod", "metadata": {"labels": {"bad key": "x"}}}
    assert rules(widgets, widget(template=bad)) == [
        ("CHK005", "$.spec.template.apiVersion"), ("CHK008", '$.spec.template.metadata.labels["bad key"]')]


def test_list_map_keys_are_unique_after_defaulting(widgets):
    ok = widget(ports=[{"name": "http", "protocol": "TCP"}, {"name": "http", "protocol": "UDP"}])
    assert rules(widgets, ok) == []
    dup = widget(ports=[{"name": "http"}, {"name": "http", "protocol": "TCP"}])  # protocol defaults to TCP
    found, _ = findings(widgets, dup)
    assert found == [("CHK006", "$.spec.ports[1]", "duplicate entry for key name='http', protocol='TCP' (also at index 0)")]


def test_list_set_items_are_unique(widgets):
    assert rules(widgets, widget(tags=["a", "b", "a"])) == [("CHK006", "$.spec.tags[2]")]


def test_escaped_property_names_in_cel(widgets):
    refs = [{"namespace": "kube-system", "name": "x"}, {"my-field": "y"}, {"namespace": "ok", "my-field": "xy"}]
    assert rules(widgets, widget(refs=refs)) == [("CHK007", "$.spec.refs[0]"), ("CHK007", "$.spec.refs[1]")]


def test_a_pattern_python_cannot_compile_is_dropped_not_fatal(widgets):
    assert rules(widgets, widget(letters="abc")) == []
    crd = widgets.crds.find("demo.inferstack.dev", "Widget")
    entry = widgets.crds._kinds[(crd.group, crd.kind)][1]
    assert entry.dropped_patterns == ["^\\p{L}+$"]


def test_value_validation_branches_are_not_made_strict(widgets):
    assert rules(widgets, widget(choice={"a": "x"})) == []
    found, _ = findings(widgets, widget(choice={}))
    assert found == [("CHK005", "$.spec.choice", "needs one of the fields: a, b")]


def test_blocking_schema_errors_skip_cel(widgets):
    found, report = findings(widgets, widget(minReplicas=5, weight="heavy"))
    assert [r for r, _, _ in found] == ["CHK004"]
    assert report.cel.evaluated == 0 and dict(report.cel.skipped) == {"blocked by schema errors": 6}


def test_unserved_version_is_an_unknown_kind(widgets):
    obj = widget()
    obj["apiVersion"] = "demo.inferstack.dev/v0"
    found, _ = findings(widgets, obj)
    assert found == [("CHK011", "$.kind", "demo.inferstack.dev/v0 Widget is not served by the pinned Widget CRD")]


def test_the_input_object_is_not_modified(widgets):
    obj = widget(mode=None, ports=[{"name": "a"}])
    before = repr(obj)
    widgets.check_objects([obj])
    assert repr(obj) == before
