"""One rule set: the catalogue, the rule functions and the doc pages agree."""

import re

from inferstack.policy import POLICY_RULES
from inferstack.rule_catalog import RULES

from ..conftest import ROOT

DOCS = ROOT / "policies" / "docs"


def test_the_catalogue_and_the_rule_functions_list_the_same_rules():
    catalogued = {r.id: r for r in RULES.values() if r.id.startswith("POL")}
    assert [r.id for r in POLICY_RULES] == sorted(catalogued)
    for rule in POLICY_RULES:
        entry = catalogued[rule.id]
        assert (rule.name, rule.severity, rule.doc) == (entry.name, entry.severity, entry.doc)
        assert rule.severity in ("mandatory", "advisory")


def test_every_rule_has_a_doc_page_with_rationale_fix_and_example():
    assert {p.stem for p in DOCS.glob("*.md")} == {r.id for r in POLICY_RULES}
    for rule in POLICY_RULES:
        text = (DOCS / f"{rule.id}.md").read_text()
        title = text.splitlines()[0]
        assert title.startswith(f"# {rule.id} {rule.name} ({rule.severity}"), title
        assert rule.doc in " ".join(text.split())  # the one-line doc opens the page
        headings = re.findall(r"^## (.+)$", text, re.M)
        assert headings == ["Rationale", "How to fix", "Example"], (rule.id, headings)
        assert "```yaml" in text.split("## Example", 1)[1]
        cross = "cross-object" in title
        assert cross == rule.cross_object, rule.id
