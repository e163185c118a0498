"""The CRD cache: parsed once, reused by the next run, rebuilt when a CRD file changes."""

import json
import os
import shutil

import pytest

from inferstack.check.checker import Checker
from inferstack.errors import UsageError

VOLCANO = {"volcano": "v1.15.1"}


def hypernode(tier):
    return {"apiVersion": "topology.volcano.sh/v1alpha1", "kind": "HyperNode", "metadata": {"name": "rack"},
            "spec": {"tier": tier}}


@pytest.fixture
def crd_copy(crds, tmp_path):
    """The pinned HyperNode CRD, copied so the test may change it."""
    folder = tmp_path / "crds" / "volcano" / "v1.15.1"
    folder.mkdir(parents=True)
    shutil.copy(crds / "volcano" / "v1.15.1" / "hypernode.yaml", folder)
    return tmp_path / "crds"


def run(crd_dir, cache, *objects):
    return Checker("1.34", crd_dir, cache_dir=cache, pinned_crds=VOLCANO).check_objects(list(objects))


def test_second_run_reads_the_cache_and_a_changed_crd_is_parsed_again(crd_copy, tmp_path):
    cache = tmp_path / "cache"
    first = run(crd_copy, cache, hypernode(1))
    assert (first.crd_files_parsed, first.crd_cache_hits, first.ok) == (1, 0, True)
    entries = list((cache / "crd-schemas").glob("*/*/meta.json"))
    assert len(entries) == 1
    assert json.loads(entries[0].read_text())["kinds"][0]["kind"] == "HyperNode"

    second = run(crd_copy, cache, hypernode(1))
    assert (second.crd_files_parsed, second.crd_cache_hits, second.ok) == (0, 1, True)

    crd_file = crd_copy / "volcano" / "v1.15.1" / "hypernode.yaml"
    text = crd_file.read_text()
    tier = "HyperNode.\n                minimum: 0\n"  # spec.tier, after its description
    assert text.count(tier) == 1
    crd_file.write_text(text.replace(tier, tier.replace("minimum: 0", "minimum: 2")))
    os.utime(crd_file, ns=(crd_file.stat().st_atime_ns, crd_file.stat().st_mtime_ns + 10**9))
    third = run(crd_copy, cache, hypernode(1))
    assert (third.crd_files_parsed, third.crd_cache_hits) == (1, 0)
    assert [(d.rule, d.path) for d in third.diagnostics] == [("CHK006", "$.spec.tier")]


def test_a_cache_that_cannot_be_written_is_not_an_error(crd_copy, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    report = run(crd_copy, blocked, hypernode(1))
    assert report.ok and report.crd_files_parsed == 1


def test_missing_pinned_crds_name_the_folder_expected(tmp_path):
    (tmp_path / "volcano").mkdir()
    with pytest.raises(UsageError) as exc:
        Checker("1.34", tmp_path, cache_dir=tmp_path / "cache", pinned_crds={"volcano": "v1.15.1", "lws": "v0.10.0"})
    message = str(exc.value)
    assert str(tmp_path / "lws" / "v0.10.0") in message and str(tmp_path / "volcano" / "v1.15.1") in message


def test_only_the_pinned_version_folder_is_read(crd_copy, tmp_path):
    other = crd_copy / "volcano" / "v9.9.9"
    other.mkdir()
    (other / "hypernode.yaml").write_text("this: [is not read")
    assert run(crd_copy, tmp_path / "cache", hypernode(1)).ok


def test_all_pinned_sets_are_required_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("INFERSTACK_CRD_DIR", raising=False)
    monkeypatch.setenv("INFERSTACK_CACHE_DIR", str(tmp_path))
    with pytest.raises(UsageError, match=r"pinned CRDs not found in .*crds \(from the user cache"):
        Checker("1.34")


def test_the_kinds_index_is_kept_and_follows_changed_files(crd_copy, tmp_path, monkeypatch):
    from inferstack.check import crd_catalog

    cache = tmp_path / "cache"
    checker = Checker("1.34", crd_copy, cache_dir=cache, pinned_crds=VOLCANO)
    assert checker.crds.index() == {("topology.volcano.sh", "HyperNode"): crd_copy / "volcano" / "v1.15.1" / "hypernode.yaml"}
    saved = list((cache / "crd-schemas").glob("*/kinds-index.json"))
    assert len(saved) == 1

    def no_reading(path):
        raise AssertionError(f"{path} was read although the kinds index lists it")

    monkeypatch.setattr(crd_catalog, "header_kinds", no_reading)
    again = Checker("1.34", crd_copy, cache_dir=cache, pinned_crds=VOLCANO)
    assert again.crds.index() == checker.crds.index()

    monkeypatch.undo()
    crd_file = crd_copy / "volcano" / "v1.15.1" / "hypernode.yaml"
    crd_file.write_text(crd_file.read_text().replace("kind: HyperNode", "kind: HyperNet"))
    os.utime(crd_file, ns=(crd_file.stat().st_atime_ns, crd_file.stat().st_mtime_ns + 10**9))
    changed = Checker("1.34", crd_copy, cache_dir=cache, pinned_crds=VOLCANO)
    assert list(changed.crds.index()) == [("topology.volcano.sh", "HyperNet")]
