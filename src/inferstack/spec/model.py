"""The typed, resolved spec: every default applied, every `auto` still visible as requested.

Built only from a document that passed the schema (with schema defaults filled in), so the
constructors can index without checks. Contextual defaults (namespace, node pool, pod
resources, taints) are resolved here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

API_VERSION = "inferstack.dev/v1alpha1"
KIND = "InferenceStack"

ENGINES = ("aibrix", "llm-d", "llmaz", "ome", "kthena", "kserve")
CLOUD_PROVIDERS = ("eks", "gke", "aks")
GPU_RESOURCE = {"nvidia": "nvidia.com/gpu", "amd": "amd.com/gpu"}
DEFAULT_TIER_LABEL = "topology.inferstack.dev/{name}"

# Pod resources when the spec gives none: GPU runtimes need room for weights and CUDA graphs.
DEFAULT_RESOURCES = {"simulator": ("500m", "512Mi"), "vllm": ("8", "32Gi"), "sglang": ("8", "32Gi")}


@dataclass(frozen=True)
class Taint:
    key: str
    effect: str
    value: str | None = None


@dataclass(frozen=True)
class Accelerator:
    vendor: str
    product: str
    count_per_node: int
    simulated: bool

    @property
    def resource(self) -> str:
        return GPU_RESOURCE[self.vendor]


@dataclass(frozen=True)
class NodePool:
    index: int
    name: str
    nodes: int | None
    min_nodes: int | None
    max_nodes: int | None
    instance_type: str | None
    accelerator: Accelerator | None
    labels: dict[str, str]
    taints: tuple[Taint, ...]
    topology: dict[str, tuple[str, ...] | str]

    @property
    def static(self) -> bool:
        """A cloud pool whose nodes exist without pending pods (minNodes = maxNodes > 0)."""
        return bool(self.min_nodes) and self.min_nodes == self.max_nodes

    @property
    def node_count(self) -> int:
        """Nodes the pool can hold at most: `nodes` on kind/existing, `maxNodes` on clouds."""
        return self.nodes if self.nodes is not None else (self.max_nodes or 0)

    @property
    def gpus_per_node(self) -> int:
        return self.accelerator.count_per_node if self.accelerator else 0

    def topology_value(self, tier: str, node_index: int) -> str | None:
        value = self.topology.get(tier)
        if value is None:
            return None
        if isinstance(value, tuple):
            return value[node_index] if node_index < len(value) else None
        return value


@dataclass(frozen=True)
class Tier:
    name: str
    node_label: str


@dataclass(frozen=True)
class NetworkTopology:
    tiers: tuple[Tier, ...]
    discovery: str  # resolved: static | labels
    discovery_requested: str
    mode: str
    highest_tier: str

    def tier_index(self, name: str) -> int:
        """1-based tier number (tier 1 = leaf)."""
        return [t.name for t in self.tiers].index(name) + 1


@dataclass(frozen=True)
class Volcano:
    queue_name: str
    queue_weight: int
    network_topology: NetworkTopology | None


@dataclass(frozen=True)
class Parallelism:
    tensor: int = 1
    pipeline: int = 1
    data: int = 1

    @property
    def gpus(self) -> int:
        return self.tensor * self.pipeline * self.data


@dataclass(frozen=True)
class Role:
    replicas: int
    parallelism: Parallelism


@dataclass(frozen=True)
class Disaggregation:
    prefill: Role
    decode: Role
    kv_connector: str


@dataclass(frozen=True)
class Adapter:
    name: str
    uri: str


@dataclass(frozen=True)
class Lora:
    max_adapters: int
    adapters: tuple[Adapter, ...]


@dataclass(frozen=True)
class Autoscaling:
    min_replicas: int
    max_replicas: int
    metric: str
    target: float


@dataclass(frozen=True)
class Cache:
    size: str
    storage_class: str | None
    retain: bool


@dataclass(frozen=True)
class KvOffload:
    backend: str
    cpu_gib: float


@dataclass(frozen=True)
class TokenSecret:
    name: str
    key: str


@dataclass(frozen=True)
class Model:
    index: int
    name: str
    uri: str
    revision: str | None
    token_secret: TokenSecret | None
    runtime: str
    image: str | None
    args: tuple[str, ...]
    env: dict[str, str]
    node_pool: str
    replicas: int
    parallelism: Parallelism
    nodes_per_replica: int
    cpu: str
    memory: str
    disaggregation: Disaggregation | None
    prefix_caching: bool
    kv_offload: KvOffload | None
    routing: str
    lora: Lora | None
    autoscaling: Autoscaling | None
    cache: Cache | None
    gpu_resource: str | None  # the extended resource its pods request; None on CPU pools

    @property
    def gpus_per_replica(self) -> int:
        """GPUs one serving replica needs (both roles when disaggregated count separately)."""
        return self.parallelism.gpus

    @property
    def gpus_per_pod(self) -> int:
        return self.parallelism.gpus // self.nodes_per_replica

    @property
    def adapter_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.lora.adapters) if self.lora else ()

    @property
    def uses_gpus(self) -> bool:
        """Pods request GPUs when the model's pool has accelerators (fake ones for the simulator on kind)."""
        return self.gpu_resource is not None

    @property
    def source_scheme(self) -> str:
        return self.uri.split("://", 1)[0]

    @property
    def source_path(self) -> str:
        return self.uri.split("://", 1)[1]

    @property
    def shares_cache(self) -> bool:
        """More than one pod mounts the model-cache volume: several replicas or nodes per replica, an
        autoscaler that can add replicas, or prefill and decode pods."""
        return self.replicas * self.nodes_per_replica > 1 or bool(self.autoscaling or self.disaggregation)

    @property
    def cache_access_mode(self) -> str:
        """The access mode of the model-cache PVC: one volume for all the model's pods."""
        return "ReadWriteMany" if self.shares_cache else "ReadWriteOnce"

    @property
    def max_replicas(self) -> int:
        """The most replicas the model can run: maxReplicas when autoscaled."""
        return self.autoscaling.max_replicas if self.autoscaling else self.replicas

    @property
    def fixed_replicas(self) -> int | None:
        """The replica count a workload object sets, or None when an autoscaler owns it: an applied
        `replicas` would fight the autoscaler's writes (and reset live replicas on the next apply)."""
        return None if self.autoscaling else self.replicas

    def total_gpus(self) -> int:
        """GPUs all replicas need at the upper bound (maxReplicas when autoscaled)."""
        if not self.uses_gpus:
            return 0
        return self.max_replicas * self.gpus_per_group

    @property
    def gpus_per_group(self) -> int:
        """GPUs of one replica; with disaggregation one replica is a prefill/decode group."""
        if self.disaggregation:
            d = self.disaggregation
            return d.prefill.replicas * d.prefill.parallelism.gpus + d.decode.replicas * d.decode.parallelism.gpus
        return self.parallelism.gpus


@dataclass(frozen=True)
class Workload:
    dataset: str
    input_tokens: int
    output_tokens: int
    rates: tuple[float, ...]
    duration_seconds: int


@dataclass(frozen=True)
class Slo:
    ttft_p95_ms: float | None
    tpot_p95_ms: float | None
    max_error_rate: float


@dataclass(frozen=True)
class Benchmark:
    index: int
    name: str
    model: str  # the name clients send (a model or adapter name)
    base_model: str  # the models[].name serving it
    tool: str
    image: str | None
    workload: Workload
    slo: Slo
    gpu_hourly_cost_usd: float | None


@dataclass(frozen=True)
class Stack:
    """The resolved spec."""

    name: str
    labels: dict[str, str]
    engine: str
    namespace: str
    provider: str
    cluster_name: str
    kubernetes_version: str
    kubernetes_version_requested: str | None
    node_pools: tuple[NodePool, ...]
    device_plugin: str  # resolved
    device_plugin_requested: str
    sharing_mode: str
    sharing_replicas: int
    scheduler: str
    volcano: Volcano | None
    gateway_implementation: str  # as requested; engines resolve `auto`
    gateway_port: int
    gateway_hostname: str | None
    gateway_tls_secret: str | None
    models: tuple[Model, ...]
    benchmarks: tuple[Benchmark, ...]
    prometheus: bool
    network_policy: bool = False  # spec.security.networkPolicy: default-deny ingress for the model namespace
    document: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def pool(self, name: str) -> NodePool:
        return next(p for p in self.node_pools if p.name == name)

    def model(self, name: str) -> Model:
        return next(m for m in self.models if m.name == name)

    @property
    def is_cloud(self) -> bool:
        return self.provider in CLOUD_PROVIDERS

    @property
    def accelerator_pools(self) -> tuple[NodePool, ...]:
        return tuple(p for p in self.node_pools if p.accelerator)

    @property
    def simulated(self) -> bool:
        return any(p.accelerator and p.accelerator.simulated for p in self.node_pools)

    def with_engine(self, engine: str) -> Stack:
        from dataclasses import replace

        return replace(self, engine=engine)


def default_node_pool(pools: list[dict]) -> str:
    for p in pools:
        if p.get("accelerator"):
            return p["name"]
    return pools[0]["name"]


def _taints(pool: dict) -> tuple[Taint, ...]:
    if "taints" in pool:
        return tuple(Taint(t["key"], t["effect"], t.get("value")) for t in pool["taints"])
    acc = pool.get("accelerator")
    if acc:
        return (Taint(GPU_RESOURCE[acc["vendor"]], "NoSchedule", "present"),)
    return ()


def resolve_device_plugin(requested: str, provider: str, pools: list[dict]) -> str:
    if requested != "auto":
        return requested
    accs = [p["accelerator"] for p in pools if p.get("accelerator")]
    if not accs:
        return "none"
    if provider == "kind" and any(a["simulated"] for a in accs):
        return "fake-gpu-operator"
    if all(a["vendor"] == "amd" for a in accs):
        return "amd-device-plugin"
    if provider == "gke":
        return "none"  # GKE installs the NVIDIA device plugin on GPU nodes itself
    return "nvidia-device-plugin"


def resolve_discovery(requested: str, provider: str) -> str:
    if requested != "auto":
        return requested
    return "labels" if provider in CLOUD_PROVIDERS else "static"


def build_stack(doc: dict, default_kubernetes_version: str) -> Stack:
    """Build the typed Stack from a schema-valid document with defaults applied."""
    meta, spec = doc["metadata"], doc["spec"]
    cluster = spec["cluster"]
    provider = cluster["provider"]
    pools_doc = cluster["nodePools"]
    pools = []
    for i, p in enumerate(pools_doc):
        acc = p.get("accelerator")
        topo = {k: (tuple(v) if isinstance(v, list) else v) for k, v in (p.get("topology") or {}).items()}
        pools.append(
            NodePool(
                index=i,
                name=p["name"],
                nodes=p.get("nodes"),
                min_nodes=p.get("minNodes"),
                max_nodes=p.get("maxNodes"),
                instance_type=p.get("instanceType"),
                accelerator=Accelerator(acc["vendor"], acc["product"], acc["countPerNode"], acc["simulated"]) if acc else None,
                labels=dict(p["labels"]),
                taints=_taints(p),
                topology=topo,
            )
        )

    sched = spec["scheduling"]
    volcano = None
    if sched["scheduler"] == "volcano":
        vdoc = sched.get("volcano") or {}
        q = vdoc.get("queue", {"name": "inference", "weight": 1})
        nt = None
        if vdoc.get("networkTopology"):
            ntd = vdoc["networkTopology"]
            tiers = tuple(Tier(t["name"], t.get("nodeLabel") or DEFAULT_TIER_LABEL.format(name=t["name"])) for t in ntd["tiers"])
            nt = NetworkTopology(
                tiers=tiers,
                discovery=resolve_discovery(ntd["discovery"], provider),
                discovery_requested=ntd["discovery"],
                mode=ntd["mode"],
                highest_tier=ntd.get("highestTier") or tiers[0].name,
            )
        volcano = Volcano(q["name"], q["weight"], nt)

    default_pool = default_node_pool(pools_doc)
    pool_gpu = {p.name: p.accelerator.resource for p in pools if p.accelerator}
    models = []
    for i, m in enumerate(spec["models"]):
        rt = m["runtime"]
        default_cpu, default_mem = DEFAULT_RESOURCES[rt["name"]]
        res = m["resources"]
        cpu = res.get("cpu", default_cpu)
        dis = m.get("disaggregation")
        lora = m.get("lora")
        auto = m.get("autoscaling")
        cache = m.get("cache")
        offload = m["kvCache"].get("offload")
        tok = m["source"].get("tokenSecret")
        models.append(
            Model(
                index=i,
                name=m["name"],
                uri=m["source"]["uri"],
                revision=m["source"].get("revision"),
                token_secret=TokenSecret(tok["name"], tok["key"]) if tok else None,
                runtime=rt["name"],
                image=rt.get("image"),
                args=tuple(rt["args"]),
                env=dict(rt["env"]),
                node_pool=m.get("nodePool") or default_pool,
                replicas=m["replicas"],
                parallelism=Parallelism(**m["parallelism"]),
                nodes_per_replica=m["nodesPerReplica"],
                cpu=str(cpu),
                memory=res.get("memory", default_mem),
                disaggregation=Disaggregation(
                    Role(dis["prefill"]["replicas"], Parallelism(**dis["prefill"]["parallelism"])),
                    Role(dis["decode"]["replicas"], Parallelism(**dis["decode"]["parallelism"])),
                    dis["kvConnector"],
                ) if dis else None,
                prefix_caching=m["kvCache"]["prefixCaching"],
                kv_offload=KvOffload(offload["backend"], offload["cpuGiB"]) if offload else None,
                routing=m["routing"]["strategy"],
                lora=Lora(lora["maxAdapters"], tuple(Adapter(a["name"], a["uri"]) for a in lora["adapters"])) if lora else None,
                autoscaling=Autoscaling(auto["minReplicas"], auto["maxReplicas"], auto["metric"], auto["target"]) if auto else None,
                cache=Cache(cache["size"], cache.get("storageClass"), cache["retain"]) if cache else None,
                gpu_resource=pool_gpu.get(m.get("nodePool") or default_pool),
            )
        )

    served_by = {}
    for m in models:
        served_by[m.name] = m.name
        for a in m.adapter_names:
            served_by.setdefault(a, m.name)
    benchmarks = []
    for i, b in enumerate(spec["benchmarks"]):
        w, s = b["workload"], b["slo"]
        benchmarks.append(
            Benchmark(
                index=i,
                name=b["name"],
                model=b["model"],
                base_model=served_by.get(b["model"], b["model"]),
                tool=b["tool"],
                image=b.get("image"),
                workload=Workload(w["dataset"], w["inputTokens"], w["outputTokens"], tuple(w["rates"]), w["durationSeconds"]),
                slo=Slo(s.get("ttftP95Ms"), s.get("tpotP95Ms"), s["maxErrorRate"]),
                gpu_hourly_cost_usd=b.get("gpuHourlyCostUSD"),
            )
        )

    gw = spec["gateway"]
    requested_dp = spec["gpu"]["devicePlugin"]
    return Stack(
        name=meta["name"],
        labels=dict(meta["labels"]),
        engine=spec["engine"],
        namespace=spec.get("namespace") or meta["name"],
        provider=provider,
        cluster_name=cluster.get("name") or meta["name"],
        kubernetes_version=cluster.get("kubernetesVersion") or default_kubernetes_version,
        kubernetes_version_requested=cluster.get("kubernetesVersion"),
        node_pools=tuple(pools),
        device_plugin=resolve_device_plugin(requested_dp, provider, pools_doc),
        device_plugin_requested=requested_dp,
        sharing_mode=spec["gpu"]["sharing"]["mode"],
        sharing_replicas=spec["gpu"]["sharing"]["replicas"],
        scheduler=sched["scheduler"],
        volcano=volcano,
        gateway_implementation=gw["implementation"],
        gateway_port=gw["port"],
        gateway_hostname=gw.get("hostname"),
        gateway_tls_secret=gw["tls"].get("secretName"),
        models=tuple(models),
        benchmarks=tuple(benchmarks),
        prometheus=spec["observability"]["prometheus"],
        network_policy=spec["security"]["networkPolicy"],
        document=doc,
    )
