"""The Python API that `render` calls: in-memory objects, positions, reports, a reusable Checker."""

import json
import statistics
import time

from inferstack.check import SourcedObject, check_objects, get_checker
from inferstack.check.objects import CHECK_READ_RULES
from inferstack.errors import Diagnostic
from inferstack.yaml_source import load_documents

from .conftest import VALID


def config_map(name="settings", **extra):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "serving"}, **extra}


def test_plain_dicts_are_reported_under_the_source_name_at_line_one(checker):
    report = checker.check_objects([config_map(data={"k": 1})], source="<rendered>/manifests/10-config.yaml")
    assert report.diagnostics == [Diagnostic("<rendered>/manifests/10-config.yaml", 1, 1, "error", "CHK004",
                                             "$.data.k", "expected string, got integer 1", 'quote it: "1"')]
    assert (report.objects, report.files) == (1, 0)


def test_sourced_objects_carry_file_and_positions(checker):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: serving\ndata:\n  k: 1\n"
    docs, _ = load_documents(text, "rendered.yaml", CHECK_READ_RULES)
    report = checker.check_objects([SourcedObject(docs[0].data, "rendered.yaml", docs[0])])
    [d] = report.diagnostics
    assert (d.file, d.line, d.column, d.path) == ("rendered.yaml", 7, 3, "$.data.k")


def test_a_v1_list_is_checked_item_by_item_with_positions(checker, tmp_path):
    listing = {"apiVersion": "v1", "kind": "List", "items": [config_map("a"), config_map("b", data={"k": []})]}
    path = tmp_path / "list.json"
    path.write_text(json.dumps(listing, indent=2))
    report = checker.check_paths([path])
    assert report.objects == 2
    [d] = report.diagnostics
    assert (d.rule, d.path, d.line) == ("CHK004", "$.data.k", 21)


def test_json_that_yaml_cannot_read_is_still_checked(checker, tmp_path):
    # YAML refuses keys longer than 1024 characters; JSON does not. Without positions: line 1.
    obj = config_map(data={"k": 2})
    obj["metadata"]["annotations"] = {"k" * 1100: "v"}
    path = tmp_path / "long-key.json"
    path.write_text(json.dumps(obj))
    report = checker.check_paths([path])
    assert sorted((d.rule, d.path[:28], d.line) for d in report.diagnostics) == [
        ("CHK004", "$.data.k", 1), ("CHK008", "$.metadata.annotations.kkkkk", 1)]


def test_empty_documents_are_skipped(checker, tmp_path):
    path = tmp_path / "sparse.yaml"
    path.write_text("---\n---\n# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n")
    report = checker.check_paths([path])
    assert report.ok and report.objects == 1


def test_directories_are_searched_recursively_in_a_stable_order(checker, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.yml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: Bad_Name}\n")
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: Also_Bad}\n")
    (tmp_path / "notes.txt").write_text("not a manifest")
    report = checker.check_paths([tmp_path])
    assert report.files == 2
    assert [d.file for d in report.diagnostics] == [str(tmp_path / "a.yaml"), str(tmp_path / "b" / "two.yml")]


def test_the_report_counts_and_summarises(checker):
    report = checker.check_paths(VALID)
    assert report.ok and report.errors == 0 and report.elapsed > 0
    assert report.summary().startswith(f"{report.objects} object(s) in 2 file(s) checked, valid; CEL: ")


def test_the_module_functions_share_one_checker(crds):
    first = get_checker("1.34", crds)
    assert get_checker("v1.34.0", crds) is first
    report = check_objects([config_map()], kubernetes_version="1.34", crd_dir=crds)
    assert report.ok


def test_the_kubernetes_version_selects_the_built_in_schemas(crds, temporary_cache):
    from inferstack.check.checker import Checker

    slice_v1 = {"apiVersion": "resource.k8s.io/v1", "kind": "DeviceClass", "metadata": {"name": "gpu"}, "spec": {}}
    assert Checker("1.34", crds).check_objects([slice_v1]).ok
    [d] = Checker("1.33", crds).check_objects([slice_v1]).diagnostics
    assert d.rule == "CHK011" and "resource.k8s.io/v1beta" in d.hint


def test_a_warm_deployment_checks_in_well_under_a_millisecond(checker):
    import yaml

    deployment = next(d for p in VALID for d in yaml.safe_load_all(p.read_text()) if d["kind"] == "Deployment")
    checker.check_objects([deployment])
    times = []
    for _ in range(50):
        start = time.perf_counter()
        checker.check_objects([deployment])
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.001


def test_rendered_text_is_checked_with_real_lines(checker):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: serving\ndata:\n  k: 1\n---\n- x\n"
    report = checker.check_texts({"<rendered>/manifests/10-config.yaml": text})
    assert [(d.file, d.line, d.rule, d.path) for d in report.diagnostics] == [
        ("<rendered>/manifests/10-config.yaml", 7, "CHK004", "$.data.k"),
        ("<rendered>/manifests/10-config.yaml", 9, "CHK002", "$")]
    assert (report.objects, report.files) == (2, 1)


def test_unknown_kind_hints(checker):
    def hint(api_version, kind):
        [d] = checker.check_objects([{"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}]).diagnostics
        assert d.rule == "CHK011"
        return d.hint

    assert hint("apps/v1", "Deploymnet") == "did you mean 'Deployment'?"
    assert hint("autoscaling/v2beta2", "HorizontalPodAutoscaler") == (
        "HorizontalPodAutoscaler exists as apiVersion autoscaling/v1, autoscaling/v2")
    assert hint("topology.volcano.sh/v1alpha1", "HyperNodes") == "did you mean 'HyperNode'?"
    # a kind from another group is not suggested: the group itself is unknown
    assert hint("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy") == (
        "no built-in kind or pinned CRD has the group 'gateway.envoyproxy.io'")


def test_kinds_of_unpinned_crds_are_warnings_not_errors(checker):
    [d] = checker.check_objects([{"apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "Backend",
                                  "metadata": {"name": "x"}}]).diagnostics
    assert (d.rule, d.severity) == ("CHK012", "warning")
    assert "envoy-gateway" in d.message
