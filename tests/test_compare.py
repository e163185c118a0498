"""inferstack compare: feature matrix from the capability table, footprint, measured tables and plots."""

import json

import pytest

from inferstack.cli import main
from inferstack.engines import ENGINE_NAMES, get_engine
from inferstack.errors import UsageError
from inferstack.report.compare import build, load_results

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "results"
QUICKSTART = ROOT / "examples" / "quickstart-kind.yaml"
EKS = ROOT / "examples" / "eks-h100-pd.yaml"


def test_feature_matrix_matches_the_capability_table():
    cmp = build(EKS.read_bytes(), str(EKS), list(ENGINE_NAMES))
    assert [f.feature for f in cmp.features][:3] == ["runtime:vllm", "disaggregation", "kv-connector:nixl"]
    for row in cmp.features:
        for engine in ENGINE_NAMES:
            support = get_engine(engine).support(row.feature)
            assert row.cells[engine] == (support.level, support.how)
    llmaz = next(c for c in cmp.columns if c.engine == "llmaz")
    assert not llmaz.ok and {d.rule for d in llmaz.diagnostics} == {"INF301"}


def test_results_are_validated_and_grouped_by_engine(tmp_path):
    grouped = load_results(FIXTURES)
    assert sorted(grouped) == ["kthena", "llm-d"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "BenchmarkResult", "apiVersion": "inferstack.dev/v1alpha1"}))
    with pytest.raises(UsageError, match="not a valid BenchmarkResult"):
        load_results(tmp_path)


def test_report_with_results_has_tables_and_self_contained_plots(tmp_path, capsys):
    assert main(["compare", str(QUICKSTART), "--engines", "all", "--out", str(tmp_path), "--results", str(FIXTURES)]) == 0
    md = (tmp_path / "report.md").read_text()
    html = (tmp_path / "report.html").read_text()
    assert "## Feature matrix" in md and "## Measured" in md and "### llm-d" in md
    for plot in ("latency-throughput", "ttft-percentiles", "tpot-percentiles", "cost"):
        assert f"(plots/{plot}.svg)" in md
        assert (tmp_path / "plots" / f"{plot}.svg").read_text().startswith("<svg")
    assert html.count("<svg") == 4
    assert "src=" not in html and "<link" not in html  # self-contained
    assert "| smoke | 4.00 | 120 | 0 |" in md


def test_report_without_results_shows_the_rendered_side_only(tmp_path):
    assert main(["compare", str(QUICKSTART), "--engines", "kthena,llm-d", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "report.md").read_text()
    assert "## What each engine renders" in md and "## Measured" not in md
    assert not (tmp_path / "plots").exists()


def test_unknown_engine_is_a_usage_error(tmp_path):
    assert main(["compare", str(QUICKSTART), "--engines", "vllm", "--out", str(tmp_path)]) == 2


def test_an_invalid_spec_gets_its_diagnostics_and_exit_code_1(tmp_path, capsys):
    bad = ROOT / "tests" / "specs" / "invalid" / "INF101-unknown-field.yaml"
    assert main(["compare", str(bad), "--out", str(tmp_path / "report")]) == 1
    out = capsys.readouterr().out
    assert "error[INF101]" in out and not (tmp_path / "report").exists()
