"""Model-server containers for the three runtimes (vLLM, SGLang, the CPU simulator).

Every engine that owns its pod templates builds them here, so the same spec yields the same
engine command line everywhere: served name, parallelism, multi-node wiring, LoRA, KV transfer,
KV offload, prefix caching, weights source, token Secret and cache volume.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import versions
from ..spec.model import Model, Parallelism

if TYPE_CHECKING:  # render.context loads Jinja2; validate imports this module for its runtime tables
    from ..render.context import Placement

CACHE_MOUNT = "/cache"
PVC_MOUNT_ROOT = "/mnt/models"
TOKEN_ENV = "HF_TOKEN"
SIM_TTFT = "50ms"  # simulated latencies, so benchmarks against the simulator show plausible curves
SIM_ITL = "10ms"

KV_CONNECTORS_VLLM = {"nixl": "NixlConnector", "lmcache": "LMCacheConnectorV1"}

# SGLang sizes its LoRA memory pool at start-up from the adapters in --lora-paths; without any (the
# engine loads them later through /load_lora_adapter, e.g. AIBrix's ModelAdapter controller) its
# server_args check requires both --max-lora-rank and --lora-target-modules. The spec has no rank, so
# runtime-loaded adapters get this ceiling: an adapter of a higher rank fails to load. "all" targets
# every module SGLang supports (q/k/v/o, gate/up/down projections), so no adapter fails on its modules.
SGLANG_RUNTIME_LORA_MAX_RANK = 64
SGLANG_RUNTIME_LORA_TARGET_MODULES = "all"

# Images that run as an unprivileged user (versions.IMAGES key -> uid): the simulator declares
# USER 65532; curl (benchmark preflight) only reads its script. vLLM and SGLang images run as root.
NON_ROOT_USERS = {"simulator": 65532, "curl": 65532}


@dataclass(frozen=True)
class MultiNode:
    """How a pod of a multi-node replica finds the others (values are env-var expansions like $(LWS_LEADER_ADDRESS))."""

    nodes: int
    leader_address: str
    rank: str  # "0" on the leader
    leader: bool


@dataclass(frozen=True)
class ServerOptions:
    port: int = 8000
    role: str | None = None  # prefill | decode when disaggregated
    kv_role: str | None = None  # vLLM kv_role override (kv_both by default; kv_producer/kv_consumer)
    multinode: MultiNode | None = None
    load_lora_modules: bool = True  # False when the engine loads adapters itself (e.g. AIBrix ModelAdapter)
    # Load the weights from this path instead of the spec source (engines whose agent pre-pulls the
    # weights to the node, e.g. OME's "$(MODEL_PATH)"); no hub revision or object-store streaming then.
    model_path: str | None = None
    extra_args: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)


def parallelism(model: Model, role: str | None) -> Parallelism:
    if role and model.disaggregation:
        return getattr(model.disaggregation, role).parallelism
    return model.parallelism


def image(model: Model, with_lmcache: bool = False) -> str:
    if model.image:
        return model.image
    if model.runtime == "vllm" and with_lmcache:
        return versions.image("vllm-lmcache")
    return versions.image(model.runtime)


def uses_lmcache(model: Model) -> bool:
    return bool(model.kv_offload) or bool(model.disaggregation and model.disaggregation.kv_connector == "lmcache")


def model_ref(model: Model) -> str:
    """What the engine loads: an HF id, an object-store URI, or a path on a mounted PVC."""
    scheme, rest = model.source_scheme, model.source_path
    if scheme == "hf":
        return rest
    if scheme == "pvc":
        claim, _, path = rest.partition("/")
        return f"{PVC_MOUNT_ROOT}/{claim}/{path}".rstrip("/")
    return model.uri  # s3://, gs:// streamed by vLLM's runai streamer


def kv_transfer_config(connector: str, kv_role: str = "kv_both") -> str:
    return json.dumps({"kv_connector": KV_CONNECTORS_VLLM[connector], "kv_role": kv_role}, separators=(",", ":"))


# the tensor / pipeline / data parallel flags of each runtime's server
PARALLELISM_FLAGS = {
    "vllm": ("--tensor-parallel-size", "--pipeline-parallel-size", "--data-parallel-size"),
    "sglang": ("--tp-size", "--pp-size", "--dp-size"),
}


def parallelism_args(runtime: str, p) -> list[str]:
    """The runtime's flags for the parallelism degrees above 1."""
    out: list[str] = []
    for flag, degree in zip(PARALLELISM_FLAGS[runtime], (p.tensor, p.pipeline, p.data), strict=True):
        if degree > 1:
            out += [flag, str(degree)]
    return out


def _vllm_args(model: Model, opts: ServerOptions) -> list[str]:
    p = parallelism(model, opts.role)
    args = [opts.model_path or model_ref(model), "--port", str(opts.port), "--served-model-name", model.name]
    if model.revision and model.source_scheme == "hf" and not opts.model_path:
        args += ["--revision", model.revision]
    if model.source_scheme in ("s3", "gs") and not opts.model_path:
        args += ["--load-format", "runai_streamer"]
    args += parallelism_args("vllm", p)
    if opts.multinode:
        mn = opts.multinode
        args += ["--nnodes", str(mn.nodes), "--node-rank", mn.rank, "--master-addr", mn.leader_address]
        if not mn.leader:
            args.append("--headless")
    if not model.prefix_caching:
        args.append("--no-enable-prefix-caching")
    if model.lora:
        args += ["--enable-lora", "--max-loras", str(model.lora.max_adapters)]
        modules = [f"{a.name}={a.uri.split('://', 1)[1]}" for a in model.lora.adapters if a.uri.startswith("hf://")]
        if opts.load_lora_modules and modules:
            args += ["--lora-modules", *modules]
    connector = None
    if model.disaggregation and opts.role:
        connector = model.disaggregation.kv_connector
    elif model.kv_offload:
        connector = "lmcache"
    if connector:
        args += ["--kv-transfer-config", kv_transfer_config(connector, opts.kv_role or "kv_both")]
    return args


def _sglang_args(model: Model, opts: ServerOptions) -> list[str]:
    p = parallelism(model, opts.role)
    args = ["--model-path", opts.model_path or model_ref(model), "--host", "0.0.0.0", "--port", str(opts.port),
            "--served-model-name", model.name, "--enable-metrics"]
    if model.revision and model.source_scheme == "hf" and not opts.model_path:
        args += ["--revision", model.revision]
    args += parallelism_args("sglang", p)
    if opts.multinode:
        mn = opts.multinode
        args += ["--nnodes", str(mn.nodes), "--node-rank", mn.rank, "--dist-init-addr", f"{mn.leader_address}:20000"]
    if not model.prefix_caching:
        args.append("--disable-radix-cache")
    if model.lora:
        args += ["--enable-lora", "--max-loras-per-batch", str(model.lora.max_adapters)]
        paths = [f"{a.name}={a.uri.split('://', 1)[1]}" for a in model.lora.adapters if a.uri.startswith("hf://")]
        if opts.load_lora_modules and paths:
            args += ["--lora-paths", *paths]
        else:
            args += ["--max-lora-rank", str(SGLANG_RUNTIME_LORA_MAX_RANK),
                     "--lora-target-modules", SGLANG_RUNTIME_LORA_TARGET_MODULES]
    if model.disaggregation and opts.role:
        args += ["--disaggregation-mode", opts.role,
                 "--disaggregation-transfer-backend", model.disaggregation.kv_connector]
    return args


def _simulator_args(model: Model, opts: ServerOptions) -> list[str]:
    # A made-up --model keeps the simulator's fast built-in tokenizer (no hub download).
    args = ["--model", model.name, "--served-model-name", model.name, "--port", str(opts.port),
            "--time-to-first-token", SIM_TTFT, "--inter-token-latency", SIM_ITL]
    if model.lora:
        args += ["--max-loras", str(model.lora.max_adapters)]
        if opts.load_lora_modules:
            args += ["--lora-modules", *[json.dumps({"name": a.name, "path": a.uri}, separators=(",", ":"))
                                         for a in model.lora.adapters]]
    return args


def command_and_args(model: Model, opts: ServerOptions = ServerOptions()) -> tuple[list[str] | None, list[str]]:
    """(command, args) for the model-server container; command None keeps the image entrypoint."""
    if model.runtime == "vllm":
        return ["vllm", "serve"], _vllm_args(model, opts) + list(model.args) + list(opts.extra_args)
    if model.runtime == "sglang":
        return ["python3", "-m", "sglang.launch_server"], _sglang_args(model, opts) + list(model.args) + list(opts.extra_args)
    return None, _simulator_args(model, opts) + list(model.args) + list(opts.extra_args)


def env(model: Model, opts: ServerOptions = ServerOptions()) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in sorted(model.env.items())]
    names = {e["name"] for e in out}

    def add(name: str, entry: dict[str, Any]) -> None:
        if name not in names:
            names.add(name)
            out.append({"name": name, **entry})

    if model.token_secret:
        add(TOKEN_ENV, {"valueFrom": {"secretKeyRef": {"name": model.token_secret.name, "key": model.token_secret.key}}})
    if model.cache:
        add("HF_HOME", {"value": CACHE_MOUNT})
    if model.runtime == "vllm" and model.lora:
        add("VLLM_ALLOW_RUNTIME_LORA_UPDATING", {"value": "True"})
    if model.runtime == "vllm" and model.kv_offload:
        add("LMCACHE_LOCAL_CPU", {"value": "True"})
        add("LMCACHE_MAX_LOCAL_CPU_SIZE", {"value": _gib(model.kv_offload.cpu_gib)})
        add("LMCACHE_CHUNK_SIZE", {"value": "256"})
    if model.runtime == "vllm" and model.disaggregation and model.disaggregation.kv_connector == "nixl":
        add("VLLM_NIXL_SIDE_CHANNEL_HOST", {"valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
    for k, v in sorted(opts.extra_env.items()):
        add(k, {"value": v})
    return out


def _gib(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def readiness_probe(model: Model, port: int) -> dict[str, Any]:
    path = "/ready" if model.runtime == "simulator" else "/health"
    return {"httpGet": {"path": path, "port": port}, "periodSeconds": 5, "failureThreshold": 3}


def startup_probe(model: Model, port: int) -> dict[str, Any]:
    # weights can take many minutes to load; the simulator starts at once
    failures = 6 if model.runtime == "simulator" else 180
    return {"httpGet": {"path": "/health", "port": port}, "periodSeconds": 10, "failureThreshold": failures}


def volume_mounts(model: Model) -> list[dict[str, Any]]:
    mounts = []
    if model.cache:
        mounts.append({"name": "model-cache", "mountPath": CACHE_MOUNT})
    if model.source_scheme == "pvc":
        claim = model.source_path.split("/", 1)[0]
        mounts.append({"name": "model-source", "mountPath": f"{PVC_MOUNT_ROOT}/{claim}", "readOnly": True})
    if model.runtime != "simulator":
        mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
    return mounts


def cache_claim_name(stack_name: str, model: Model) -> str:
    return f"{stack_name}-{model.name}-cache"


def volumes(stack_name: str, model: Model) -> list[dict[str, Any]]:
    out = []
    if model.cache:
        out.append({"name": "model-cache", "persistentVolumeClaim": {"claimName": cache_claim_name(stack_name, model)}})
    if model.source_scheme == "pvc":
        claim = model.source_path.split("/", 1)[0]
        out.append({"name": "model-source", "persistentVolumeClaim": {"claimName": claim, "readOnly": True}})
    if model.runtime != "simulator":
        out.append({"name": "dshm", "emptyDir": {"medium": "Memory"}})
    return out


def non_root_user(image_ref: str) -> int | None:
    """The uid an image runs as when it is known to run unprivileged, else None (root, or unknown)."""
    return next((uid for key, uid in NON_ROOT_USERS.items() if versions.image(key) == image_ref), None)


def security_context(image_ref: str) -> dict[str, Any]:
    """A hardened container security context: no privilege escalation, no capabilities, the runtime's
    default seccomp profile, and a non-root user where the image is known to allow it."""
    sc: dict[str, Any] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                          "seccompProfile": {"type": "RuntimeDefault"}}
    uid = non_root_user(image_ref)
    if uid is not None:
        sc.update({"runAsNonRoot": True, "runAsUser": uid})
    return sc


def container(model: Model, placement: Placement, *, name: str = "server",
              opts: ServerOptions = ServerOptions()) -> dict[str, Any]:
    """A complete model-server container: image, command, env, port, probes, resources, mounts,
    hardened security context."""
    command, args = command_and_args(model, opts)
    c: dict[str, Any] = {"name": name, "image": image(model, uses_lmcache(model))}
    if command:
        c["command"] = command
    c["args"] = args
    envs = env(model, opts)
    if envs:
        c["env"] = envs
    c["ports"] = [{"name": "http", "containerPort": opts.port, "protocol": "TCP"}]
    c["resources"] = placement.resources(model.cpu, model.memory)
    c["readinessProbe"] = readiness_probe(model, opts.port)
    c["startupProbe"] = startup_probe(model, opts.port)
    mounts = volume_mounts(model)
    if mounts:
        c["volumeMounts"] = mounts
    c["securityContext"] = security_context(c["image"])
    return c


def pod_spec(model: Model, placement: Placement, containers: list[dict[str, Any]], stack_name: str,
             init_containers: list[dict[str, Any]] | None = None,
             service_account: str | None = None) -> dict[str, Any]:
    """A pod spec around model-server containers with the pool placement applied. Model servers do not
    call the Kubernetes API: without `service_account` the pod mounts no service-account token; a pod
    whose sidecar calls the API gets its own ServiceAccount (with a least-privilege Role) instead."""
    spec: dict[str, Any] = {}
    if service_account:
        spec["serviceAccountName"] = service_account
    else:
        spec["automountServiceAccountToken"] = False
    spec.update(placement.pod_fields())
    if init_containers:
        spec["initContainers"] = init_containers
    spec["containers"] = containers
    vols = volumes(stack_name, model)
    if vols:
        spec["volumes"] = vols
    spec["terminationGracePeriodSeconds"] = 60
    return spec
