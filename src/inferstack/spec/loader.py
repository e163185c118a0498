"""Load one YAML spec document into plain data plus the position of every node.

The node walking lives in `inferstack.yaml_source` (shared with `check`); this module adds what
a spec needs: exactly one document, and that document a mapping. It never raises for bad input:
every problem becomes a Diagnostic.
"""

from __future__ import annotations

from ..errors import ERROR, Diagnostic
from ..yaml_source import (
    MAX_DEPTH,
    MAX_NODES,
    PARSE_ERRORS,
    ReadRules,
    SourceDoc,
    build_document,
    compose_nodes,
    decode,
    syntax_diagnostic,
)

__all__ = ["MAX_DEPTH", "MAX_NODES", "SPEC_READ_RULES", "SourceDoc", "load_document"]

SPEC_READ_RULES = ReadRules(syntax="INF001", duplicate_key="INF002", unsupported="INF008", key_type="INF005",
                            encoding="INF009")


def load_document(raw: bytes | str, file: str) -> tuple[SourceDoc | None, list[Diagnostic]]:
    """Parse one spec file. Returns (doc, diagnostics); doc is None when nothing usable was read."""
    if isinstance(raw, bytes):
        text, diags = decode(raw, file, SPEC_READ_RULES)
        if text is None:
            return None, diags
    else:
        text = raw
    try:
        nodes = list(compose_nodes(text))
    except PARSE_ERRORS as exc:
        return None, [syntax_diagnostic(exc, file, SPEC_READ_RULES)]
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None, [Diagnostic(file, 1, 1, ERROR, "INF004", "$", "the file is empty; expected an InferenceStack spec")]
    if len(nodes) > 1:
        second = nodes[1]
        line = second.start_mark.line + 1
        return None, [Diagnostic(file, line, 1, ERROR, "INF003", "$",
                                 f"the file holds {len(nodes)} YAML documents; a spec is exactly one",
                                 "split them into one file each")]
    doc, diags = build_document(nodes[0], file, text, SPEC_READ_RULES)
    if doc is None:
        return None, diags
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__ if doc.data is not None else "null"
        return None, diags + [Diagnostic(file, 1, 1, ERROR, "INF005", "$",
                                         f"the document is a {kind}, not a mapping",
                                         "a spec starts with apiVersion: inferstack.dev/v1alpha1")]
    return doc, diags
