"""ObjectMeta rules the API server applies beyond the schema's types: names, labels, annotations.

`object_meta_problems` runs on every ObjectMeta the schema reaches (nested pod templates too);
`name_problems` runs on each object's own metadata, where the name format depends on the kind.
"""

from __future__ import annotations

from collections.abc import Callable

from ..k8s_names import (
    ANNOTATIONS_TOTAL_MAX,
    annotation_key_problem,
    dns1035_label_problem,
    dns_label_problem,
    dns_subdomain_problem,
    label_key_problem,
    label_value_problem,
    path_segment_problem,
)

Problem = tuple[tuple, str]  # (path relative to the metadata mapping, message)

# Built-in kinds whose names follow a stricter (or looser) rule than a DNS subdomain.
_NAME_RULES: dict[tuple[str, str], Callable[[str], str | None]] = {
    ("", "Namespace"): dns_label_problem,
    ("", "Service"): dns1035_label_problem,
    **{("rbac.authorization.k8s.io", k): path_segment_problem
       for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")},
}


def name_rule(group: str, kind: str) -> Callable[[str], str | None]:
    return _NAME_RULES.get((group, kind), dns_subdomain_problem)


def object_meta_problems(meta: object) -> list[Problem]:
    """Label, annotation, namespace and generateName syntax inside one ObjectMeta mapping."""
    if not isinstance(meta, dict):
        return []
    out: list[Problem] = []
    namespace = meta.get("namespace")
    if isinstance(namespace, str) and namespace:
        problem = dns_label_problem(namespace)
        if problem:
            out.append((("namespace",), f"namespace {problem}"))
    generate = meta.get("generateName")
    if isinstance(generate, str) and generate:
        # a prefix may end in '-': the server masks one trailing dash before checking
        problem = dns_subdomain_problem(generate[:-1] + "a" if generate.endswith("-") else generate)
        if problem:
            out.append((("generateName",), f"generateName {problem}"))
    labels = meta.get("labels")
    if isinstance(labels, dict):
        for key, value in labels.items():
            problem = label_key_problem(key)
            if problem:
                out.append((("labels", key), problem))
            if isinstance(value, str):
                problem = label_value_problem(value)
                if problem:
                    out.append((("labels", key), problem))
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        total = 0
        for key, value in annotations.items():
            problem = annotation_key_problem(key)
            if problem:
                out.append((("annotations", key), problem))
            total += len(key) + (len(value) if isinstance(value, str) else 0)
        if total > ANNOTATIONS_TOTAL_MAX:
            out.append((("annotations",), f"annotations total {total} bytes, more than the {ANNOTATIONS_TOTAL_MAX} allowed"))
    return out


def object_meta_ok(meta: object) -> bool:
    return not object_meta_problems(meta)


def name_problems(obj: dict, group: str, kind: str) -> list[tuple[tuple, str, str | None]]:
    """The object's own name: present (or generateName) and in the kind's format. (path, message, hint)."""
    meta = obj.get("metadata")
    if meta is None:
        return [(("metadata",), "metadata is missing; every object needs metadata.name",
                 "add metadata: {name: ...}")]
    if not isinstance(meta, dict):
        return []  # a type error, reported by the schema
    name = meta.get("name")
    if name is None or name == "":
        if isinstance(meta.get("generateName"), str) and meta["generateName"]:
            return []
        return [(("metadata", "name"), "metadata.name is required (or metadata.generateName)", None)]
    if not isinstance(name, str):
        return []
    problem = name_rule(group, kind)(name)
    return [(("metadata", "name"), f"name {problem}", None)] if problem else []
