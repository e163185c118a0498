"""`check_rendered` and `policy_findings` check the objects in memory and dump a manifest only for a
finding's line: their reports must equal the checks of the written manifests' text, finding for
finding, line for line."""

import copy
import datetime

import pytest

from inferstack.check.checker import get_checker
from inferstack.check.objects import is_plain_json
from inferstack.engines import ENGINE_NAMES
from inferstack.errors import RenderRefused
from inferstack.policy import check_texts as policy_texts
from inferstack.policy import select
from inferstack.render.pipeline import render_stack
from inferstack.render.verify import check_rendered, manifest_texts, policy_findings
from inferstack.render.writer import render_files
from inferstack.spec.validate import validate_file

from .conftest import EXAMPLES, ROOT

PREFIX = "out/kthena"


def from_text(rendered, crds, prefix=PREFIX):
    """What check_rendered did before: dump every manifest, parse it back with positions, check."""
    texts = {f"{prefix}/{name}": text for name, text in render_files(rendered).items() if name.startswith("manifests/")}
    return get_checker(rendered.stack.kubernetes_version, str(crds)).check_texts(texts)


def same_report(rendered, crds):
    before = copy.deepcopy([o.body for o in rendered.objects])
    fast, slow = check_rendered(rendered, str(crds), prefix=PREFIX), from_text(rendered, crds)
    assert [d.text() for d in fast.diagnostics] == [d.text() for d in slow.diagnostics]
    assert (fast.objects, fast.files, fast.cel.evaluated, dict(fast.cel.skipped)) == \
        (slow.objects, slow.files, slow.cel.evaluated, dict(slow.cel.skipped))
    policies = policy_findings(rendered, prefix=PREFIX, advisory=True)
    texts = policy_texts(manifest_texts(rendered, PREFIX), select()).diagnostics
    assert [d.text() for d in policies] == [d.text() for d in texts]
    assert [o.body for o in rendered.objects] == before, "checking changed the objects render writes"
    return fast


def renders():
    for example in EXAMPLES:
        for engine in ENGINE_NAMES:
            result = validate_file(str(example), engine=engine)
            if result.ok:
                yield example, engine, result.stack


@pytest.mark.parametrize(("example", "engine", "stack"), list(renders()),
                         ids=[f"{e}-{x.stem}" for x, e, _ in renders()])
def test_every_example_reports_the_same_as_the_text_check(example, engine, stack, crds):
    try:
        rendered = render_stack(stack)
    except RenderRefused as exc:
        pytest.skip(str(exc))
    same_report(rendered, crds)


def quickstart():
    return render_stack(validate_file(str(ROOT / "examples" / "quickstart-kind.yaml")).stack)


def test_findings_get_the_lines_of_the_written_manifest(crds):
    rendered = quickstart()
    deployment = next(o for o in rendered.objects if o.kind in ("Deployment", "ModelServing"))
    deployment.body = copy.deepcopy(deployment.body)
    deployment.body["spec"]["replica"] = 2  # unknown field
    deployment.body["metadata"]["labels"] = {"bad label": "x"}
    twin = copy.deepcopy(deployment.body)  # a duplicate: its finding names the first one's line
    rendered.objects.append(type(deployment)(twin, deployment.component, deployment.phase))
    report = same_report(rendered, crds)
    rules = {d.rule for d in report.diagnostics}
    assert {"CHK003", "CHK008", "CHK010"} <= rules
    assert all(d.line > 1 for d in report.diagnostics)


def test_data_that_would_not_read_back_the_same_is_checked_from_the_text(crds):
    rendered = quickstart()
    obj = rendered.objects[-1]
    obj.body = dict(obj.body, metadata=dict(obj.body["metadata"], annotations={"when": datetime.date(2024, 1, 2)}))
    assert not is_plain_json(obj.body)
    report = same_report(rendered, crds)  # the YAML timestamp reads back as the string the file holds
    assert report.ok


@pytest.mark.parametrize(("value", "plain"), [
    ({"a": [1, 2.5, "x", True, None]}, True),
    ({"a": float("nan")}, False),
    ({1: "x"}, False),
    ({"a": (1, 2)}, False),
    ({"a": b"x"}, False),
    (type("S", (str,), {})("x"), False),
    ({"a": {"b": {"c": []}}}, True),
])
def test_is_plain_json(value, plain):
    assert is_plain_json(value) is plain


def test_deep_data_is_not_plain():
    deep: list = []
    node = deep
    for _ in range(300):
        node.append([])
        node = node[0]
    assert not is_plain_json(deep)
