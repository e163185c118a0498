"""The YAML loader: positions for every node, strictness, and no exception for any input."""

from inferstack.spec.loader import MAX_NODES, load_document


def load(text):
    return load_document(text, "spec.yaml")


def test_positions_of_keys_and_list_items():
    doc, diags = load("a:\n  b: 1\n  c:\n    - x\n    - {d: 2}\n")
    assert diags == []
    assert doc.key_pos[("a", "b")] == (2, 3)
    assert doc.value_pos[("a", "c", 1)] == (5, 7)
    assert doc.key_pos[("a", "c", 1, "d")] == (5, 8)
    assert doc.position(("a", "missing", "deeper")) == (1, 1)  # falls back to the nearest known ancestor


def test_duplicate_key_names_both_lines():
    doc, diags = load("a: 1\nb: 2\na: 3\n")
    assert [(d.rule, d.line, d.path) for d in diags] == [("INF002", 3, "$.a")]
    assert "line 1" in diags[0].message and "line 3" in diags[0].message


def test_dates_stay_the_strings_the_user_wrote():
    doc, _ = load("when: 2024-01-02\nversion: 1.10\n")
    assert doc.data == {"when": "2024-01-02", "version": 1.1}


def test_yes_no_keys_are_refused_with_a_quote_hint():
    _, diags = load("labels:\n  on: x\n")
    assert diags[0].rule == "INF005" and 'quote it: "on"' in diags[0].hint


def test_anchors_and_merge_keys():
    doc, diags = load("base: &b {cpu: 1, mem: 2}\nmodel:\n  <<: *b\n  cpu: 4\n")
    assert diags == []
    assert doc.data["model"] == {"cpu": 4, "mem": 2}


def test_alias_bomb_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i-1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    doc, diags = load("\n".join(lines) + "\n")
    assert doc is None
    assert diags[0].rule == "INF008" and str(MAX_NODES) in diags[0].message


def test_deep_nesting_is_a_diagnostic():
    doc, diags = load("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert doc is None and diags[0].rule in ("INF001", "INF008")


def test_binary_and_nul_bytes():
    assert load_document(b"\xff\xfe\x00a", "x")[1][0].rule == "INF009"
    assert load_document(b"a: 1\x00\n", "x")[1][0].rule == "INF009"


def test_utf8_bom_is_accepted():
    doc, diags = load_document("\ufeffa: 1\n".encode(), "x")
    assert diags == [] and doc.data == {"a": 1}


def test_non_finite_numbers_are_refused():
    _, diags = load("a: .nan\n")
    assert diags[0].rule == "INF008"
