"""Reading Kubernetes objects for the policy rules: pod specs and containers wherever they sit.

Engines nest pod templates in many places (Deployment `spec.template.spec`, LeaderWorkerSet
leader/worker templates, Kthena ModelServing entry/worker templates, KServe LLMInferenceService
`template`/`worker`/`prefill`, llmaz Service `workloadTemplate`, OME `runner` containers, AIBrix
StormService/RoleSet templates). Rather than a path per kind, the object is walked:

- a *container* is a mapping in a `containers`, `initContainers` or `ephemeralContainers` list, or
  any other mapping with a string `name` and `image` and one of `command`, `args`, `resources`,
  `ports`, `env` (OME's `runner`, for instance);
- a *pod spec* is the mapping that holds a container list or such a single container (it carries
  the pod-level fields: volumes, host namespaces, service account, security context).

A container without `image` is a *fragment*: engines (KServe) merge it into a container of their
own presets, so rules that need the whole container (requests, probes, hardening) skip it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
CONTAINER_FIELDS = ("command", "args", "resources", "ports", "env")
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
PSA_LEVELS = ("privileged", "baseline", "restricted")

# Commands (and image entrypoints) that start an OpenAI-compatible model server.
SERVER_COMMAND = re.compile(
    r"(?:^|[\s/])vllm\s+serve\b|vllm\.entrypoints\.openai\.api_server|sglang\.launch_server|llm-d-inference-sim")
# Images whose entrypoint is a model server when the container sets no command.
SERVER_IMAGES = ("vllm-openai", "llm-d-inference-sim")


def plain(value: Any, leaf: Callable[[Any], Any] | None = None) -> Any:
    """JSON data from any mapping/sequence (Pulumi's property proxies included); integral floats
    (Pulumi sends every number as a float) become ints. `leaf` maps other values first (Pulumi secrets)."""
    if leaf is not None:
        value = leaf(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v, leaf) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [plain(v, leaf) for v in value]
    return value


def items(value: Any) -> list:
    """A list field's items; nothing when the field is absent or not a list."""
    return value if isinstance(value, list) else []


def group_kind(obj: dict) -> str:
    api_version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else ""
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return f"{group}/{obj.get('kind')}"


def metadata(obj: dict) -> dict:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def labels(obj: dict) -> dict:
    found = metadata(obj).get("labels")
    return found if isinstance(found, dict) else {}


def name_of(obj: dict) -> str:
    name = metadata(obj).get("name")
    return name if isinstance(name, str) else "<unnamed>"


def is_cluster_scoped(obj: dict) -> bool:
    """Namespaces and the Cluster* kinds (ClusterRole, OME's ClusterServingRuntime, ...)."""
    kind = obj.get("kind")
    return isinstance(kind, str) and (kind == "Namespace" or kind.startswith("Cluster"))


def namespace_of(obj: dict) -> str | None:
    """The namespace the object's pods run in: metadata.namespace, `default` when a namespaced
    object leaves it out, None for cluster-scoped objects (templates whose pods run anywhere)."""
    if is_cluster_scoped(obj):
        return None
    ns = metadata(obj).get("namespace")
    return ns if isinstance(ns, str) and ns else "default"


@dataclass(frozen=True)
class Container:
    path: tuple  # where the container sits in the object
    data: dict
    pod: PodSpec
    init: bool  # an init (or ephemeral) container

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) else "<unnamed>"

    @property
    def fragment(self) -> bool:
        """No image: a patch merged into a container the engine's controller defines."""
        return not isinstance(self.data.get("image"), str)

    @property
    def security_context(self) -> dict:
        sc = self.data.get("securityContext")
        return sc if isinstance(sc, dict) else {}

    def describe(self) -> str:
        return f"{'init container' if self.init else 'container'} {self.name!r}"


@dataclass(frozen=True)
class PodSpec:
    path: tuple
    data: dict

    @property
    def security_context(self) -> dict:
        sc = self.data.get("securityContext")
        return sc if isinstance(sc, dict) else {}

    def volumes(self) -> Iterator[tuple[tuple, dict]]:
        vols = self.data.get("volumes")
        if isinstance(vols, list):
            for i, vol in enumerate(vols):
                if isinstance(vol, dict):
                    yield self.path + ("volumes", i), vol

    def describe(self) -> str:
        return "the pod spec" if not self.path else f"the pod spec at {render_path(self.path)}"


def render_path(path: tuple) -> str:
    from ..errors import json_path

    return json_path(path)


def _looks_like_container(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("name"), str) and isinstance(value.get("image"), str)
            and any(f in value for f in CONTAINER_FIELDS))


def _walk(node: Any, path: tuple, out: list[Container], pods: dict[tuple, PodSpec]) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, path + (i,), out, pods)
        return
    if not isinstance(node, dict):
        return
    holds = False
    for key, value in node.items():
        if key in CONTAINER_LISTS and isinstance(value, list):
            items = [(i, c) for i, c in enumerate(value) if isinstance(c, dict)]
            if items:
                holds = True
                pod = pods.setdefault(path, PodSpec(path, node))
                out.extend(Container(path + (key, i), c, pod, key != "containers") for i, c in items)
        elif _looks_like_container(value):
            holds = True
            pod = pods.setdefault(path, PodSpec(path, node))
            out.append(Container(path + (key,), value, pod, False))
    for key, value in node.items():
        if holds and (key in CONTAINER_LISTS or _looks_like_container(value)):
            continue
        _walk(value, path + (key,), out, pods)


def containers(obj: dict) -> list[Container]:
    """Every container of every pod spec in the object, in document order."""
    out: list[Container] = []
    _walk(obj, (), out, {})
    return out


def pod_specs(obj: dict) -> list[PodSpec]:
    seen: dict[tuple, PodSpec] = {}
    for c in containers(obj):
        seen.setdefault(c.pod.path, c.pod)
    return list(seen.values())


def strings(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, path + (i,))


def images(obj: dict) -> Iterator[tuple[tuple, str]]:
    """Every image reference: string `image` fields anywhere. A sibling `version` (llmaz
    BackendRuntime keeps the tag there) completes an image written without a tag."""
    def walk(node: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
        if isinstance(node, dict):
            ref = node.get("image")
            if isinstance(ref, str):
                version = node.get("version")
                if isinstance(version, str) and version and not has_tag_or_digest(ref):
                    ref = f"{ref}:{version}"
                yield path + ("image",), ref
            for k, v in node.items():
                yield from walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, path + (i,))

    yield from walk(obj, ())


def has_tag_or_digest(ref: str) -> bool:
    return "@" in ref or ":" in ref.rsplit("/", 1)[-1]


def image_name(ref: str) -> str:
    """The last path segment of an image reference without tag or digest: `vllm-openai`."""
    last = ref.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def _argv(container: dict) -> tuple[list[str], list[str]]:
    command = [a for a in items(container.get("command")) if isinstance(a, str)]
    args = [a for a in items(container.get("args")) if isinstance(a, str)]
    return command, args


def is_model_server(container: dict) -> bool:
    """A container that starts vLLM, SGLang or the llm-d inference simulator: by its command and
    arguments, or, without a command, by an image whose entrypoint is one of them."""
    command, args = _argv(container)
    if SERVER_COMMAND.search(" ".join(command + args)):
        return True
    ref = container.get("image")
    return not command and isinstance(ref, str) and image_name(ref) in SERVER_IMAGES


def is_headless_rank(container: dict) -> bool:
    """A worker rank of a multi-node server: it serves no HTTP (vLLM --headless, --node-rank other than 0)."""
    command, args = _argv(container)
    argv = command + args
    if "--headless" in argv:
        return True
    for i, arg in enumerate(argv):
        if arg == "--node-rank" and i + 1 < len(argv):
            return argv[i + 1] != "0"
        if arg.startswith("--node-rank="):
            return arg.split("=", 1)[1] != "0"
    return False


GPU_RESOURCE = re.compile(r"^(nvidia\.com/(gpu|mig-.+)|amd\.com/gpu|gpu\.intel\.com/.+)$")


def is_gpu_resource(name: str) -> bool:
    """nvidia.com/gpu (and MIG slices), amd.com/gpu, gpu.intel.com/*, and any vendor's */...gpu...."""
    return bool(GPU_RESOURCE.match(name)) or ("/" in name and "gpu" in name.rsplit("/", 1)[1].lower())
