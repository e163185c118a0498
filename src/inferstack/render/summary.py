"""summary.json: what was rendered, for people, for benchmark jobs, and for diff/compare."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from .. import __version__
from ..engines.features import FEATURES, features_used
from ..errors import json_path
from .result import Rendered


def spec_hash(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _images(rendered: Rendered) -> list[str]:
    found: set[str] = set()

    def walk(node: Any, key: str | None = None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif key == "image" and isinstance(node, str):
            found.add(node)

    for o in rendered.objects:
        walk(o.body)
    return sorted(found)


def gpu_totals(rendered: Rendered) -> dict[str, Any]:
    stack = rendered.stack
    by_pool: dict[str, Any] = {}
    for pool in stack.accelerator_pools:
        requested = sum(m.total_gpus() for m in stack.models if m.node_pool == pool.name)
        by_pool[pool.name] = {
            "product": pool.accelerator.product,
            "vendor": pool.accelerator.vendor,
            "simulated": pool.accelerator.simulated,
            "perNode": pool.accelerator.count_per_node,
            "nodes": pool.node_count,
            "capacity": pool.node_count * pool.accelerator.count_per_node,
            "requested": requested,
        }
    return {
        "requested": sum(p["requested"] for p in by_pool.values()),
        "capacity": sum(p["capacity"] for p in by_pool.values()),
        "byPool": by_pool,
    }


def token_secrets(stack, engine) -> set[tuple[str, str, str]]:
    """(name, key, namespace) of every token Secret: where the engine reads it, and the model namespace
    when benchmark Jobs (which fetch the tokenizer) run against the model."""
    out = set()
    for m in stack.models:
        if not m.token_secret:
            continue
        namespaces = set(engine.token_secret_namespaces(stack))
        if any(b.base_model == m.name for b in stack.benchmarks):
            namespaces.add(stack.namespace)
        out.update((m.token_secret.name, m.token_secret.key, ns) for ns in namespaces)
    return out


def summarize(rendered: Rendered, engine) -> dict[str, Any]:
    stack = rendered.stack
    features = []
    for use in features_used(stack):
        support = engine.support(use.feature)
        features.append({"feature": use.feature, "title": FEATURES[use.feature].title, "path": json_path(use.path),
                         "support": support.level, "how": support.how})
    by_phase = Counter(o.phase for o in rendered.objects)
    by_kind = Counter(f"{o.api_version}/{o.kind}" for o in rendered.objects)
    secrets = sorted(token_secrets(stack, engine))
    if stack.gateway_tls_secret:
        secrets.append((stack.gateway_tls_secret, "tls.crt/tls.key", stack.namespace))
    return {
        "apiVersion": "inferstack.dev/v1alpha1",
        "kind": "RenderSummary",
        "generator": f"inferstack {__version__}",
        "stack": stack.name,
        "specHash": spec_hash(stack.document),
        "engine": {"name": engine.name, "title": engine.title, "version": engine.version},
        "namespace": stack.namespace,
        "cluster": {
            "provider": stack.provider,
            "name": stack.cluster_name,
            "kubernetesVersion": stack.kubernetes_version,
            "devicePlugin": stack.device_plugin,
            "scheduler": stack.scheduler,
            "gateway": engine.gateway(stack),
            "topologyDiscovery": stack.volcano.network_topology.discovery
            if stack.volcano and stack.volcano.network_topology else None,
        },
        "versions": {
            "installs": {i.name: i.version for i in rendered.installs},
            "images": _images(rendered),
        },
        "endpoints": {e.model: e.to_dict() for e in rendered.endpoints},
        "gpus": gpu_totals(rendered),
        "features": features,
        "objects": {"total": len(rendered.objects), "byPhase": dict(sorted(by_phase.items())),
                    "byKind": dict(sorted(by_kind.items()))},
        "secretsRequired": [{"name": n, "key": k, "namespace": ns} for n, k, ns in secrets],
        "retainedVolumes": sorted(o.name for o in rendered.objects if o.retain),
        "notes": list(rendered.notes),
    }
