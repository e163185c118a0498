"""Semantic rules: what the schema cannot say (references, arithmetic, provider fields, secrets).

Each check takes the loaded document (for positions) and the resolved Stack, and returns
diagnostics. They run only on schema-valid documents.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator

from .. import versions
from ..accelerators import PRODUCTS, provider_name
from ..errors import WARNING, Diagnostic
from ..k8s_names import label_key_problem, label_value_problem
from ..storage_classes import CLOUD_DEFAULT_CLASS, RWX_CHOICES, block_storage_class
from .loader import SourceDoc
from .model import CLOUD_PROVIDERS, Model, Stack

P = ("spec",)
DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
HOSTNAME = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

Check = Callable[[SourceDoc, Stack], Iterator[Diagnostic]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    CHECKS.append(fn)
    return fn


def run_semantic_checks(doc: SourceDoc, stack: Stack) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for fn in CHECKS:
        out.extend(fn(doc, stack))
    return out


# --- names -------------------------------------------------------------------------------


def _label_map(doc: SourceDoc, labels: dict, path: tuple) -> Iterator[Diagnostic]:
    for k, v in labels.items():
        problem = label_key_problem(k)
        if problem:
            yield doc.diag(path + (k,), "INF201", problem)
        problem = label_value_problem(v)
        if problem:
            yield doc.diag(path + (k,), "INF201", problem)


@check
def names(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    if not DNS1035.match(stack.name):
        yield doc.diag(("metadata", "name"), "INF201", f"stack name {stack.name!r} must start with a letter",
                       "it prefixes Service names, which are DNS-1035 labels")
    yield from _label_map(doc, stack.labels, ("metadata", "labels"))
    for pool in stack.node_pools:
        yield from _label_map(doc, pool.labels, P + ("cluster", "nodePools", pool.index, "labels"))
        for i, t in enumerate(pool.taints):
            problem = label_key_problem(t.key)
            if problem:
                yield doc.diag(P + ("cluster", "nodePools", pool.index, "taints", i, "key"), "INF201", problem.replace("label", "taint"))
            if t.value and label_value_problem(t.value):
                yield doc.diag(P + ("cluster", "nodePools", pool.index, "taints", i, "value"), "INF201",
                               label_value_problem(t.value).replace("label", "taint"))
    for pool in stack.node_pools:
        base = P + ("cluster", "nodePools", pool.index)
        # both end up as node-label values (kind labels, Karpenter requirements)
        if pool.instance_type and label_value_problem(pool.instance_type):
            yield doc.diag(base + ("instanceType",), "INF201", f"instanceType {pool.instance_type!r} is not a valid label value")
        if pool.accelerator and label_value_problem(pool.accelerator.product):
            yield doc.diag(base + ("accelerator", "product"), "INF201",
                           f"product {pool.accelerator.product!r} is not a valid label value", "e.g. H100-80GB")
    if stack.gateway_hostname and not HOSTNAME.match(stack.gateway_hostname):
        yield doc.diag(P + ("gateway", "hostname"), "INF201", f"{stack.gateway_hostname!r} is not a valid hostname",
                       "a DNS name, optionally starting with *.")
    for m in stack.models:
        if m.cache and m.cache.storage_class and not DNS1123_SUBDOMAIN.match(m.cache.storage_class):
            yield doc.diag(P + ("models", m.index, "cache", "storageClass"), "INF201",
                           f"storage class {m.cache.storage_class!r} is not a valid name")
        if not DNS1035.match(m.name):
            yield doc.diag(P + ("models", m.index, "name"), "INF201", f"model name {m.name!r} must start with a letter",
                           "engines name Services after models; Service names are DNS-1035 labels")
        for k in m.env:
            if not ENV_NAME.match(k):
                yield doc.diag(P + ("models", m.index, "runtime", "env", k), "INF201", f"{k!r} is not a valid environment variable name")
    if stack.volcano and stack.volcano.network_topology:
        for i, t in enumerate(stack.volcano.network_topology.tiers):
            problem = label_key_problem(t.node_label)
            if problem:
                yield doc.diag(P + ("scheduling", "volcano", "networkTopology", "tiers", i, "nodeLabel"), "INF201", problem)


@check
def duplicates(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    groups = [
        ("node pool", [(p.name, P + ("cluster", "nodePools", p.index, "name")) for p in stack.node_pools]),
        ("benchmark", [(b.name, P + ("benchmarks", b.index, "name")) for b in stack.benchmarks]),
    ]
    served = [(m.name, P + ("models", m.index, "name")) for m in stack.models]
    for m in stack.models:
        if m.lora:
            served += [(a.name, P + ("models", m.index, "lora", "adapters", i, "name")) for i, a in enumerate(m.lora.adapters)]
    groups.append(("served model or adapter", served))
    if stack.volcano and stack.volcano.network_topology:
        groups.append(("tier", [(t.name, P + ("scheduling", "volcano", "networkTopology", "tiers", i, "name"))
                                for i, t in enumerate(stack.volcano.network_topology.tiers)]))
    for what, items in groups:
        first: dict[str, tuple] = {}
        for name, path in items:
            if name in first:
                line = doc.position(first[name])[0]
                yield doc.diag(path, "INF203", f"duplicate {what} name {name!r} (first used on line {line})")
            else:
                first[name] = path


# --- references --------------------------------------------------------------------------


@check
def references(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    pools = [p.name for p in stack.node_pools]
    raw_models = doc.data["spec"]["models"]
    for m in stack.models:
        if "nodePool" in raw_models[m.index] and m.node_pool not in pools:
            yield doc.diag(P + ("models", m.index, "nodePool"), "INF211", f"node pool {m.node_pool!r} is not declared",
                           _choices_hint(m.node_pool, pools))
    served = {m.name for m in stack.models} | {a for m in stack.models for a in m.adapter_names}
    for b in stack.benchmarks:
        if b.model not in served:
            yield doc.diag(P + ("benchmarks", b.index, "model"), "INF212", f"{b.model!r} is not a model or LoRA adapter of this stack",
                           _choices_hint(b.model, sorted(served)))


def _choices_hint(value: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, choices, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"declared: {', '.join(choices)}" if choices else "nothing is declared"


@check
def topology(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    nt = stack.volcano.network_topology if stack.volcano else None
    tiers = [t.name for t in nt.tiers] if nt else []
    vpath = P + ("scheduling", "volcano", "networkTopology")
    raw_nt = ((doc.data["spec"].get("scheduling") or {}).get("volcano") or {}).get("networkTopology") or {}
    if nt and "highestTier" in raw_nt and nt.highest_tier not in tiers:
        yield doc.diag(vpath + ("highestTier",), "INF213", f"highestTier {nt.highest_tier!r} is not a declared tier",
                       _choices_hint(nt.highest_tier, tiers))
    for pool in stack.node_pools:
        ppath = P + ("cluster", "nodePools", pool.index, "topology")
        if not pool.topology:
            continue
        if not nt:
            yield doc.diag(ppath, "INF213", "the pool declares topology but no networkTopology tiers are declared",
                           "add scheduling.volcano.networkTopology.tiers (and scheduler: volcano)")
            continue
        for key, value in pool.topology.items():
            if key not in tiers:
                yield doc.diag(ppath + (key,), "INF213", f"{key!r} is not a declared tier", _choices_hint(key, tiers))
            elif isinstance(value, tuple) and pool.nodes is not None and len(value) != pool.nodes:
                yield doc.diag(ppath + (key,), "INF213",
                               f"{len(value)} value(s) for {pool.nodes} node(s); a list needs one value per node",
                               "or give one string for all nodes")
        missing = [t for t in tiers if t not in pool.topology]
        if missing:
            yield doc.diag(ppath, "INF213", f"the pool's topology lacks tier(s) {', '.join(missing)}",
                           "every node needs a value for every tier to sit in the HyperNode tree")


@check
def topology_tree(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    nt = stack.volcano.network_topology if stack.volcano else None
    if not nt:
        return
    tiers = [t.name for t in nt.tiers]
    parents: dict[tuple[str, str], dict[str, tuple]] = defaultdict(dict)
    for pool in stack.node_pools:
        if not pool.topology or any(t not in pool.topology for t in tiers) or any(k not in tiers for k in pool.topology):
            continue
        for n in range(pool.nodes or 0):
            for lower, upper in zip(tiers, tiers[1:], strict=False):
                child, parent = pool.topology_value(lower, n), pool.topology_value(upper, n)
                if child is None or parent is None:
                    continue
                seen = parents[(lower, child)]
                if parent not in seen:
                    seen[parent] = P + ("cluster", "nodePools", pool.index, "topology", upper)
                if len(seen) == 2:
                    first, second = list(seen.items())
                    yield doc.diag(second[1], "INF214",
                                   f"{lower} {child!r} sits under {upper} {first[0]!r} and {second[0]!r}; a HyperNode has one parent",
                                   f"give every node in {lower} {child!r} the same {upper}")


# --- GPU arithmetic ------------------------------------------------------------------------


def _sharing_factor(stack: Stack) -> int:
    return stack.sharing_replicas if stack.sharing_mode != "none" else 1


def _pod_demands(m) -> list[tuple[int, int]]:
    """(pods, GPUs per pod) of one replica."""
    if m.disaggregation:
        d = m.disaggregation
        return [(r.replicas * m.nodes_per_replica, r.parallelism.gpus // m.nodes_per_replica) for r in (d.prefill, d.decode)]
    return [(m.nodes_per_replica, m.parallelism.gpus // m.nodes_per_replica)]


@check
def parallelism_layout(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    raw_models = doc.data["spec"]["models"]
    for m in stack.models:
        base = P + ("models", m.index)
        if m.disaggregation:
            if "parallelism" in raw_models[m.index]:
                yield doc.diag(base + ("parallelism",), "INF225",
                               "with disaggregation, parallelism is set per role; this value would be ignored",
                               "move it to disaggregation.prefill.parallelism and disaggregation.decode.parallelism")
            roles = [("prefill", m.disaggregation.prefill), ("decode", m.disaggregation.decode)]
            for role, r in roles:
                if r.parallelism.gpus % m.nodes_per_replica:
                    yield doc.diag(base + ("disaggregation", role, "parallelism"), "INF225",
                                   f"{r.parallelism.gpus} GPUs per {role} replica do not split evenly over nodesPerReplica={m.nodes_per_replica}")
        elif m.parallelism.gpus % m.nodes_per_replica:
            yield doc.diag(base + ("nodesPerReplica",), "INF225",
                           f"{m.parallelism.gpus} GPUs per replica (tensor x pipeline x data) do not split evenly over {m.nodes_per_replica} nodes")


@check
def gpu_fit(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    pools = {p.name: p for p in stack.node_pools}
    share = _sharing_factor(stack)
    for m in stack.models:
        pool = pools.get(m.node_pool)
        if pool is None:
            continue
        base = P + ("models", m.index)
        if m.runtime != "simulator" and not pool.accelerator:
            yield doc.diag(base + ("runtime", "name"), "INF224",
                           f"runtime {m.runtime} needs GPUs but pool {pool.name!r} has no accelerator",
                           "put the model on an accelerator pool, or use runtime simulator")
            continue
        if not pool.accelerator:
            continue
        per_node = pool.accelerator.count_per_node * share
        for _pods, gpus in _pod_demands(m):
            if gpus > per_node:
                what = "prefill/decode role" if m.disaggregation else "replica"
                yield doc.diag(base + ("parallelism",) if not m.disaggregation else base + ("disaggregation",), "INF221",
                               f"a {what} needs {gpus} GPUs per pod but pool {pool.name!r} has {per_node} per node",
                               f"raise nodesPerReplica to spread {gpus * m.nodes_per_replica} GPUs over more nodes, or lower the parallelism")
        if m.nodes_per_replica > pool.node_count and pool.node_count:
            yield doc.diag(base + ("nodesPerReplica",), "INF221",
                           f"a replica spans {m.nodes_per_replica} nodes but pool {pool.name!r} has at most {pool.node_count}")


@check
def gpu_capacity(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    share = _sharing_factor(stack)
    for pool in stack.node_pools:
        if not pool.accelerator or not pool.node_count:
            continue
        per_node = pool.accelerator.count_per_node * share
        demands: list[int] = []
        last_model = None
        for m in stack.models:
            if m.node_pool != pool.name:
                continue
            replicas = m.max_replicas
            for pods, gpus in _pod_demands(m):
                if gpus > per_node:
                    break  # reported by gpu_fit
                demands += [gpus] * (pods * replicas)
            last_model = m
        if last_model is None:
            continue
        # first-fit decreasing into the pool's nodes
        nodes = [per_node] * pool.node_count
        unplaced = 0
        for d in sorted(demands, reverse=True):
            for i, free in enumerate(nodes):
                if free >= d:
                    nodes[i] -= d
                    break
            else:
                unplaced += d
        if unplaced:
            total = sum(demands)
            capacity = per_node * pool.node_count
            bound = "maxNodes" if pool.max_nodes is not None and pool.nodes is None else "nodes"
            yield doc.diag(P + ("models", last_model.index, "replicas"), "INF222",
                           f"the models on pool {pool.name!r} need {total} GPUs in whole pods; the pool holds {capacity} "
                           f"({pool.node_count} x {per_node}) and {unplaced} do not fit",
                           f"raise the pool's {bound} or lower replicas/parallelism")


@check
def replica_bounds(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for m in stack.models:
        a = m.autoscaling
        if not a:
            continue
        base = P + ("models", m.index)
        if a.min_replicas > a.max_replicas:
            yield doc.diag(base + ("autoscaling", "minReplicas"), "INF223",
                           f"minReplicas {a.min_replicas} is greater than maxReplicas {a.max_replicas}")
        elif not a.min_replicas <= m.replicas <= a.max_replicas:
            yield doc.diag(base + ("replicas",), "INF223",
                           f"replicas {m.replicas} is outside autoscaling bounds {a.min_replicas}..{a.max_replicas}")


@check
def routing_mismatch(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for m in stack.models:
        path = P + ("models", m.index, "routing", "strategy")
        if m.routing == "pd" and not m.disaggregation:
            yield doc.diag(path, "INF227", "routing strategy pd needs a prefill/decode split", "add disaggregation, or pick another strategy")
        elif m.disaggregation and m.routing not in ("auto", "pd"):
            yield doc.diag(path, "INF227", f"a disaggregated model routes prefill/decode pairs; {m.routing} cannot",
                           "use pd or auto")


@check
def runtime_source(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for m in stack.models:
        if m.runtime == "sglang" and m.source_scheme in ("s3", "gs"):
            yield doc.diag(P + ("models", m.index, "source", "uri"), "INF228",
                           f"SGLang cannot stream weights from {m.source_scheme}://",
                           "use runtime vllm, which streams object storage, or copy the weights to a PVC")


@check
def runtime_features(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for m in stack.models:
        if not m.kv_offload:
            continue
        path = P + ("models", m.index, "kvCache", "offload")
        if m.runtime != "vllm":
            yield doc.diag(path, "INF229", f"KV offload is vLLM's LMCache connector; runtime {m.runtime} has none",
                           "use runtime vllm, or remove kvCache.offload")
        elif m.disaggregation and m.disaggregation.kv_connector != "lmcache":
            yield doc.diag(path, "INF229",
                           f"a vLLM server takes one KV connector: prefill/decode already uses {m.disaggregation.kv_connector}",
                           "use kvConnector lmcache (it transfers and offloads), or remove kvCache.offload")


RESERVED_ARGS = {
    "--port": "the engine's port is fixed by inferstack",
    "--host": "the engine listens on all interfaces",
    "--served-model-name": "models[].name is the served name",
    "--model": "source.uri names the model",
    "--model-path": "source.uri names the model",
    "--tensor-parallel-size": "use parallelism.tensor",
    "--tp-size": "use parallelism.tensor",
    "--tp": "use parallelism.tensor",
    "--pipeline-parallel-size": "use parallelism.pipeline",
    "--pp-size": "use parallelism.pipeline",
    "--data-parallel-size": "use parallelism.data",
    "--dp-size": "use parallelism.data",
    "--enable-lora": "use lora",
    "--lora-modules": "use lora.adapters",
    "--max-loras": "use lora.maxAdapters",
    "--kv-transfer-config": "use disaggregation.kvConnector or kvCache.offload",
    "--enable-prefix-caching": "use kvCache.prefixCaching",
    "--no-enable-prefix-caching": "use kvCache.prefixCaching",
}


@check
def reserved_args(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for m in stack.models:
        for i, arg in enumerate(m.args):
            flag = arg.split("=", 1)[0].replace("_", "-")
            if flag in RESERVED_ARGS:
                yield doc.diag(P + ("models", m.index, "runtime", "args", i), "INF226",
                               f"{flag} is set by inferstack from the spec", RESERVED_ARGS[flag])


# --- provider fields ----------------------------------------------------------------------


@check
def provider_fields(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    prov = stack.provider
    for pool, raw in zip(stack.node_pools, doc.data["spec"]["cluster"]["nodePools"], strict=False):
        base = P + ("cluster", "nodePools", pool.index)
        if prov == "kind":
            for key in ("minNodes", "maxNodes", "instanceType"):
                if key in raw:
                    yield doc.diag(base + (key,), "INF231", f"{key} is not used on kind", "kind pools have a fixed node count: use nodes")
            if "nodes" not in raw:
                yield doc.diag(base, "INF232", f"pool {pool.name!r} needs nodes on kind", "the number of kind worker nodes")
        elif prov == "existing":
            for key in ("minNodes", "maxNodes"):
                if key in raw:
                    yield doc.diag(base + (key,), "INF231", f"{key} is not used with existing nodes", "give the node count as nodes")
            if "nodes" not in raw:
                yield doc.diag(base, "INF232", f"pool {pool.name!r} needs nodes", "the number of existing nodes the pool describes")
            if not pool.labels and any(m.node_pool == pool.name for m in stack.models):
                # inferstack labels the nodes it creates; existing nodes are selected by these labels only
                product = PRODUCTS.get(pool.accelerator.product) if pool.accelerator else None
                example = (f"nvidia.com/gpu.product: {product.gfd} (GPU Feature Discovery)"
                           if product and product.vendor == "nvidia" else "node.kubernetes.io/instance-type")
                yield doc.diag(base, "INF505", f"pool {pool.name!r} has no labels: its models' pods get no node "
                               "selector and may run on any node that fits them",
                               f"add labels that select the pool's nodes, e.g. {example}", severity=WARNING)
        else:
            if "nodes" in raw:
                yield doc.diag(base + ("nodes",), "INF231", f"nodes is not used on {prov}", "autoscaled pools take minNodes and maxNodes")
            if "maxNodes" not in raw:
                yield doc.diag(base, "INF232", f"pool {pool.name!r} needs maxNodes on {prov}")
            if pool.accelerator and "instanceType" not in raw:
                yield doc.diag(base, "INF232", f"accelerator pool {pool.name!r} needs instanceType on {prov}",
                               {"eks": "e.g. p5.48xlarge", "gke": "e.g. a3-highgpu-8g", "aks": "e.g. Standard_ND96isr_H100_v5"}[prov])
            elif prov == "gke" and "instanceType" not in raw:
                yield doc.diag(base, "INF232", f"pool {pool.name!r} needs instanceType on gke",
                               "the machine type its ComputeClass asks for, e.g. e2-standard-8")
            if pool.min_nodes is not None and pool.max_nodes is not None and pool.min_nodes > pool.max_nodes:
                yield doc.diag(base + ("minNodes",), "INF105", f"minNodes {pool.min_nodes} is greater than maxNodes {pool.max_nodes}")
            elif pool.min_nodes and prov == "gke":
                yield doc.diag(base + ("minNodes",), "INF231", "GKE ComputeClass pools scale from zero; minNodes cannot be kept",
                               "set minNodes: 0")
            elif pool.min_nodes and pool.min_nodes != pool.max_nodes:
                yield doc.diag(base + ("minNodes",), "INF231",
                               f"Karpenter on {prov} provisions on demand: a pool keeps either no minimum or a fixed size",
                               "set minNodes: 0, or minNodes = maxNodes for a static pool")


@check
def kubernetes_version(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    v = stack.kubernetes_version
    path = P + ("cluster", "kubernetesVersion")
    if v not in versions.KUBERNETES_SUPPORTED:
        yield doc.diag(path, "INF239", f"Kubernetes {v} is not supported",
                       f"supported: {', '.join(versions.KUBERNETES_SUPPORTED)}")
    elif stack.provider == "kind" and v not in versions.KIND["nodeImages"]:
        yield doc.diag(path, "INF239", f"no pinned kind node image for Kubernetes {v}",
                       f"kind node images are pinned for {', '.join(versions.KIND['nodeImages'])}")


@check
def simulated_gpus(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    accs = [(p, p.accelerator) for p in stack.node_pools if p.accelerator]
    sim = [p for p, a in accs if a.simulated]
    for p in sim:
        path = P + ("cluster", "nodePools", p.index, "accelerator", "simulated")
        if stack.provider != "kind":
            yield doc.diag(path, "INF233", f"simulated GPUs are only available on kind, not {stack.provider}")
        elif p.accelerator.vendor != "nvidia":
            yield doc.diag(path, "INF233", "simulated GPUs are NVIDIA only (fake-gpu-operator)")
    if sim and len(sim) != len(accs) and stack.provider == "kind":
        real = next(p for p, a in accs if not a.simulated)
        yield doc.diag(P + ("cluster", "nodePools", real.index, "accelerator"), "INF233",
                       "a kind cluster cannot mix simulated and real GPU pools", "mark every accelerator pool simulated: true")


@check
def device_plugin(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    dp = stack.device_plugin
    path = P + ("gpu", "devicePlugin")
    vendors = {p.accelerator.vendor for p in stack.accelerator_pools}
    sim = stack.simulated
    if dp == "fake-gpu-operator" and not sim:  # only reachable when set explicitly
        yield doc.diag(path, "INF234", "fake-gpu-operator needs kind pools with simulated: true")
    explicit = stack.device_plugin_requested != "auto"
    if explicit and dp in ("nvidia-device-plugin", "gpu-operator") and (sim or "nvidia" not in vendors):
        reason = "simulated GPUs need fake-gpu-operator" if sim else "no pool has NVIDIA GPUs"
        yield doc.diag(path, "INF234", f"{dp} does not fit this cluster: {reason}")
    if dp == "amd-device-plugin" and "amd" not in vendors:
        yield doc.diag(path, "INF234", "amd-device-plugin needs a pool with vendor: amd")
    if len(vendors) > 1 and stack.device_plugin_requested == "auto":
        yield doc.diag(path, "INF234", "pools mix NVIDIA and AMD GPUs; auto cannot pick one device plugin",
                       "install one yourself and set devicePlugin, or split the clusters")
    if dp == "fake-gpu-operator":
        for pool in stack.accelerator_pools:
            for i, t in enumerate(pool.taints):
                if t.key != "nvidia.com/gpu" or t.effect != "NoSchedule":
                    yield doc.diag(P + ("cluster", "nodePools", pool.index, "taints", i), "INF234",
                                   f"fake-gpu-operator's device plugin only tolerates nvidia.com/gpu:NoSchedule, not {t.key}:{t.effect}",
                                   "keep the default taint on simulated pools")
    if dp == "none" and vendors and stack.provider in ("kind", "eks", "aks"):
        yield doc.diag(path, "INF234", f"accelerator pools on {stack.provider} need a device plugin; none would leave GPUs unallocatable",
                       "use auto")


@check
def sharing(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    if stack.sharing_mode == "none":
        return
    ok = stack.device_plugin in ("nvidia-device-plugin", "gpu-operator") or (stack.provider == "gke" and stack.device_plugin == "none")
    if not ok:
        yield doc.diag(P + ("gpu", "sharing", "mode"), "INF238",
                       f"GPU sharing ({stack.sharing_mode}) is not available with device plugin {stack.device_plugin}",
                       "sharing needs nvidia-device-plugin, gpu-operator or GKE")


@check
def topology_provider(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    nt = stack.volcano.network_topology if stack.volcano else None
    if stack.provider in CLOUD_PROVIDERS:
        for pool in stack.node_pools:
            if pool.topology:
                yield doc.diag(P + ("cluster", "nodePools", pool.index, "topology"), "INF235",
                               f"static pool topology is not used on {stack.provider}: nodes come and go",
                               "let Volcano discover tiers from node labels (tiers[].nodeLabel, discovery: labels)")
        if nt and nt.discovery == "static":
            yield doc.diag(P + ("scheduling", "volcano", "networkTopology", "discovery"), "INF235",
                           f"discovery static needs fixed nodes (kind, existing), not {stack.provider}", "use labels or auto")
    elif nt and nt.discovery == "static" and not any(p.topology for p in stack.node_pools):
        yield doc.diag(P + ("scheduling", "volcano", "networkTopology"), "INF235",
                       "static discovery needs pool topology: no pool says where its nodes sit",
                       "add nodePools[].topology with a value per tier")


@check
def scheduler_config(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    sched = doc.data["spec"].get("scheduling") or {}
    if sched.get("volcano") is not None and stack.scheduler != "volcano":
        yield doc.diag(P + ("scheduling", "volcano"), "INF236", "volcano settings are ignored unless scheduler is volcano",
                       "set scheduling.scheduler: volcano, or remove this block")


@check
def accelerator_products(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for pool in stack.accelerator_pools:
        path = P + ("cluster", "nodePools", pool.index, "accelerator", "product")
        product = PRODUCTS.get(pool.accelerator.product)
        if product and product.vendor != pool.accelerator.vendor:
            yield doc.diag(path, "INF237", f"{product.name} is an {product.vendor.upper()} GPU, but vendor is {pool.accelerator.vendor}")
        if stack.provider in CLOUD_PROVIDERS:
            if product is None:
                yield doc.diag(path, "INF237", f"unknown accelerator product {pool.accelerator.product!r} on {stack.provider}",
                               f"known: {', '.join(PRODUCTS)}")
            elif provider_name(product.name, stack.provider) is None:
                offered = [p for p in PRODUCTS if provider_name(p, stack.provider)]
                yield doc.diag(path, "INF237", f"{product.name} is not offered on {stack.provider}",
                               f"{stack.provider} offers: {', '.join(offered)}")


def _cache_sharers(m: Model) -> str:
    if m.disaggregation:
        return "its prefill and decode pods"
    if m.autoscaling:
        return f"its autoscaled replicas (up to {m.autoscaling.max_replicas})"
    return f"its {m.replicas * m.nodes_per_replica} pods"


@check
def cache_storage_class(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    """A cache volume several pods mount is ReadWriteMany; block storage cannot be, so the claim and
    every pod of the model would stay Pending."""
    prov = stack.provider
    for m in stack.models:
        if not m.cache or not m.shares_cache:
            continue
        base = P + ("models", m.index, "cache")
        path = base + ("storageClass",) if "storageClass" in doc.data["spec"]["models"][m.index]["cache"] else base
        cls = m.cache.storage_class
        shared = f"model {m.name!r} mounts one cache volume from {_cache_sharers(m)}, so the claim is ReadWriteMany"
        what = block_storage_class(prov, cls)
        if what:
            named = f"{cls!r}" if cls else "the default class standard"
            yield doc.diag(path, "INF242", f"{shared}; {named} on {prov} is {what}, which cannot be ReadWriteMany: "
                           "the claim would stay Pending, and the model's pods with it", f"use {RWX_CHOICES[prov]}")
        elif cls is None and prov in CLOUD_DEFAULT_CLASS:
            yield doc.diag(path, "INF504", f"{shared}, and names no storageClass: the default class of {prov} "
                           f"clusters is usually {CLOUD_DEFAULT_CLASS[prov]}, which cannot be ReadWriteMany",
                           f"name a class: {RWX_CHOICES[prov]}", severity=WARNING)


@check
def benchmark_tools(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for b in stack.benchmarks:
        if b.tool != "inference-perf" and b.workload.dataset != "random":
            yield doc.diag(P + ("benchmarks", b.index, "workload", "dataset"), "INF241",
                           f"{b.tool} runs the random dataset only here, not {b.workload.dataset}",
                           "use tool inference-perf for sharegpt and shared-prefix")
        model = next((m for m in stack.models if m.name == b.base_model), None)
        if model and model.source_scheme != "hf":
            # every tool builds and counts prompts with the model's tokenizer, fetched from the Hub
            yield doc.diag(P + ("benchmarks", b.index, "model"), "INF241",
                           f"{b.tool} needs the tokenizer of model {model.name!r} from Hugging Face, but its weights come "
                           f"from {model.source_scheme}://, which the benchmark Job cannot read",
                           "benchmark a model served from hf://, or drop the benchmark")


# --- secrets and pins --------------------------------------------------------------------

TOKEN_PATTERNS = (
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), "a Hugging Face token"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b"), "an API key"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), "a GitHub token"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}\b"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"), "a GitLab token"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), "a Slack token"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"), "a JSON web token"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
)
# One search that tells whether any pattern matches (most strings match none); the first pattern in order names it.
ANY_TOKEN = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in TOKEN_PATTERNS))
SECRET_ENV_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|CREDENTIAL)", re.I)


def _strings(value, path=()):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


def find_literal_secret(text: str) -> str | None:
    if not ANY_TOKEN.search(text):
        return None
    for pattern, what in TOKEN_PATTERNS:
        if pattern.search(text):
            return what
    return None


@check
def literal_secrets(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for path, text in _strings(doc.data):
        what = find_literal_secret(text)
        if what:
            yield doc.diag(path, "INF401", f"this value looks like {what}; the spec must not hold credentials",
                           "store it in a Secret and reference it with source.tokenSecret")
    for m in stack.models:
        for k, v in m.env.items():
            if SECRET_ENV_NAME.search(k) and v and not find_literal_secret(v):
                yield doc.diag(P + ("models", m.index, "runtime", "env", k), "INF401",
                               f"{k} looks like a credential with a literal value",
                               "reference a Secret (source.tokenSecret) instead of an env value")


def image_pin_problem(ref: str) -> str | None:
    if "@sha256:" in ref:
        return None
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag"
    if last.rsplit(":", 1)[1] == "latest":
        return "uses the mutable tag latest"
    return None


@check
def image_pins(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for m in stack.models:
        if m.image and (problem := image_pin_problem(m.image)):
            yield doc.diag(P + ("models", m.index, "runtime", "image"), "INF502", f"image {m.image!r} {problem}",
                           "pin a version tag or a digest")
    for b in stack.benchmarks:
        if b.image and (problem := image_pin_problem(b.image)):
            yield doc.diag(P + ("benchmarks", b.index, "image"), "INF502", f"image {b.image!r} {problem}",
                           "pin a version tag or a digest")


@check
def advisories(doc: SourceDoc, stack: Stack) -> Iterator[Diagnostic]:
    for m in stack.models:
        if m.source_scheme == "hf" and not m.revision:
            yield doc.diag(P + ("models", m.index, "source", "uri"), "INF501",
                           f"model {m.name!r} has no pinned revision", "set source.revision to a commit for reproducible results",
                           severity=WARNING)
    for b in stack.benchmarks:
        if len(b.workload.rates) == 1:
            yield doc.diag(P + ("benchmarks", b.index, "workload", "rates"), "INF503",
                           f"benchmark {b.name!r} has one rate; no latency-throughput curve", "give several rates",
                           severity=WARNING)
