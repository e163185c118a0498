"""Every diagnostic rule inferstack reports, with its stable id and a one-line doc.

Ids never change meaning once published; retired ids are not reused.
INF0xx: reading the file. INF1xx: schema. INF2xx: semantic rules. INF3xx: engine capabilities.
INF4xx: secrets. INF5xx: advisories (warnings).
CHKxxx: `inferstack check`, on Kubernetes objects (rendered or hand-written).
POLxxx: policies on Kubernetes objects (`check --policies`, `render`, the Pulumi CrossGuard pack in
policies/); severity `mandatory` (reported as an error) or `advisory` (a warning). Each has a page
policies/docs/<ID>.md with its rationale, how to fix it and an example.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    doc: str


_RULES = (
    # -- reading the file
    Rule("INF001", "yaml-syntax", "error", "The file is not valid YAML; the position is where the parser stopped."),
    Rule("INF002", "duplicate-key", "error", "A mapping repeats a key; YAML loaders would silently keep only one value."),
    Rule("INF003", "multiple-documents", "error", "A spec file holds exactly one YAML document; split the others into their own files."),
    Rule("INF004", "empty-document", "error", "The file has no content."),
    Rule("INF005", "not-a-mapping", "error", "The document (or a key) is not what a spec needs: a mapping with string keys."),
    Rule("INF006", "wrong-api-version", "error", "apiVersion must be inferstack.dev/v1alpha1."),
    Rule("INF007", "wrong-kind", "error", "kind must be InferenceStack."),
    Rule("INF008", "unsupported-yaml", "error", "A YAML feature the spec does not accept: custom tags, binary values, or alias expansion past the size limit."),
    Rule("INF009", "encoding", "error", "The file is not UTF-8 text."),
    # -- schema
    Rule("INF101", "unknown-field", "error", "A field the spec does not define (typos are reported with the closest known field)."),
    Rule("INF102", "wrong-type", "error", "A value has the wrong type (for example a number where a string is required)."),
    Rule("INF103", "missing-field", "error", "A required field is missing."),
    Rule("INF104", "invalid-choice", "error", "A value is not one of the allowed choices."),
    Rule("INF105", "out-of-range", "error", "A value breaks a constraint: minimum/maximum, length, pattern or uniqueness."),
    # -- semantic
    Rule("INF201", "invalid-name", "error", "Names and label keys/values must be valid Kubernetes names (DNS-1123 labels, label syntax)."),
    Rule("INF202", "name-too-long", "error", "A name the engine generates from spec names would exceed 63 characters."),
    Rule("INF203", "duplicate-name", "error", "Pool, model, adapter, benchmark and tier names must be unique."),
    Rule("INF211", "unknown-node-pool", "error", "models[].nodePool must name a declared node pool."),
    Rule("INF212", "unknown-benchmark-model", "error", "benchmarks[].model must name a model or one of its LoRA adapters."),
    Rule("INF213", "topology-reference", "error", "Pool topology keys, tiers and highestTier must refer to declared tiers; list values need one entry per node."),
    Rule("INF214", "topology-tree", "error", "Pool topology must form a tree: each tier value has exactly one parent in the tier above."),
    Rule("INF221", "gpu-fit", "error", "The GPUs one replica needs must fit on its nodes (countPerNode x nodesPerReplica)."),
    Rule("INF222", "gpu-capacity", "error", "All replicas of the models on a pool must fit in the pool's GPU capacity."),
    Rule("INF223", "replica-bounds", "error", "autoscaling.minReplicas <= replicas <= autoscaling.maxReplicas."),
    Rule("INF224", "gpu-runtime-placement", "error", "A GPU runtime (vllm, sglang) needs an accelerator pool; only the simulator runs on CPU pools."),
    Rule("INF225", "parallelism-layout", "error", "Parallelism and nodesPerReplica must divide evenly; with disaggregation, parallelism is set per role."),
    Rule("INF226", "reserved-arg", "error", "runtime.args must not set what the spec controls (port, served name, parallelism, LoRA, KV transfer)."),
    Rule("INF227", "routing-mismatch", "error", "routing.strategy pd needs disaggregation, and a disaggregated model routes with pd (or auto)."),
    Rule("INF228", "runtime-source", "error", "The runtime cannot load weights from this source (SGLang reads hf:// and pvc://; vLLM also streams s3:// and gs://)."),
    Rule("INF229", "runtime-feature", "error", "The runtime cannot do what the model asks: KV offload is vLLM's LMCache connector, one KV connector per server."),
    Rule("INF231", "provider-field", "error", "A pool field that the cluster provider does not accept (nodes on clouds, min/maxNodes or instanceType on kind)."),
    Rule("INF232", "provider-missing-field", "error", "A pool field the cluster provider requires (instanceType on cloud accelerator pools and on every GKE pool, nodes on kind)."),
    Rule("INF233", "simulated-gpus", "error", "simulated: true is only valid on kind, and simulated and real GPUs cannot be mixed in one cluster."),
    Rule("INF234", "device-plugin", "error", "The device plugin must match the provider and the accelerator vendor of the pools."),
    Rule("INF235", "topology-provider", "error", "Static topology (pool topology, discovery static) needs kind or existing; clouds discover tiers from node labels."),
    Rule("INF236", "scheduler-config", "error", "scheduling.volcano settings are only valid with scheduler: volcano."),
    Rule("INF237", "accelerator-product", "error", "The accelerator product must be known for the provider so that node pools can request it."),
    Rule("INF238", "gpu-sharing", "error", "GPU sharing needs an NVIDIA device plugin that implements it."),
    Rule("INF239", "kubernetes-version", "error", "The Kubernetes version must be one inferstack has schemas (and, on kind, a pinned node image) for."),
    Rule("INF241", "benchmark-tool", "error", "The benchmark tool cannot run the requested workload (vllm-bench and guidellm run the random dataset; every tool needs the model's Hugging Face tokenizer)."),
    Rule("INF242", "cache-access-mode", "error", "A model-cache volume that several pods mount is ReadWriteMany; its storageClass must not be the provider's block storage (EBS, Azure Disk, Persistent Disk) or kind's local-path."),
    # -- engine capabilities
    Rule("INF301", "engine-capability", "error", "The chosen engine cannot express a requested feature; the message names the engines that can."),
    Rule("INF302", "engine-constraint", "error", "A value the chosen engine's API rejects (e.g. too many roles, unsupported combination)."),
    # -- secrets
    Rule("INF401", "literal-secret", "error", "A value looks like a literal credential; reference a Secret instead."),
    # -- diff risk flags (reported by `diff`, never fail validation)
    Rule("RISK101", "stateful-removal", "high", "A stateful object (model-cache volume, retained data) is deleted."),
    Rule("RISK102", "stateful-replacement", "high", "A stateful object must be replaced because an immutable field changes: its data is lost."),
    Rule("RISK201", "replacement", "medium", "An object will be replaced: a field the API server treats as immutable changes."),
    Rule("RISK301", "engine-swap", "high", "The engine changes: every model is redeployed and endpoints change."),
    Rule("RISK302", "namespace-change", "high", "The model namespace changes: every namespaced object is recreated."),
    Rule("RISK401", "gpu-capacity", "medium", "The GPU capacity of the node pools changes."),
    Rule("RISK402", "gpu-request", "medium", "The number of GPUs the models request changes."),
    Rule("RISK501", "control-plane-version", "medium", "A control-plane install (chart, CRD bundle) changes version."),
    Rule("RISK502", "control-plane-removal", "medium", "A control-plane install is removed."),
    Rule("RISK601", "cluster-recreate", "high", "The kind cluster configuration changes: the cluster is recreated."),
    # -- advisories
    Rule("INF501", "unpinned-revision", "warning", "A model source without a pinned revision makes results irreproducible."),
    Rule("INF502", "unpinned-image", "error", "Images must be pinned to a tag or digest, never `latest` or untagged."),
    Rule("INF503", "single-stage-benchmark", "warning", "A benchmark with one rate gives no latency-throughput curve."),
    Rule("INF504", "cache-default-class", "warning", "A ReadWriteMany model-cache volume on a cloud cluster's default StorageClass, which is block storage there; name an RWX class."),
    Rule("INF505", "unlabelled-existing-pool", "warning", "A pool of existing nodes without labels: nothing but a GPU request keeps its models' pods on those nodes."),
    # -- check: Kubernetes objects
    Rule("CHK001", "yaml", "error", "The file cannot be read as YAML/JSON objects: syntax, encoding, duplicate keys, tags or non-string keys."),
    Rule("CHK002", "not-an-object", "error", "A document is not a Kubernetes object: not a mapping, or apiVersion/kind missing or not strings."),
    Rule("CHK003", "unknown-field", "error", "A field the kind's schema does not define (strict, like server-side field validation)."),
    Rule("CHK004", "wrong-type", "error", "A value has the wrong type for its field (for example a number where a string is required)."),
    Rule("CHK005", "missing-field", "error", "A field the kind's schema requires is missing."),
    Rule("CHK006", "invalid-value", "error", "A value breaks a schema constraint: enum, pattern, range, length, format, or duplicate list keys."),
    Rule("CHK007", "cel-rule", "error", "A CRD's x-kubernetes-validations CEL rule rejects the object; the message is the rule's own."),
    Rule("CHK008", "metadata", "error", "metadata is not valid ObjectMeta: a name (or generateName) in the kind's format, valid labels and annotations."),
    Rule("CHK009", "scope", "error", "metadata.namespace is set on a cluster-scoped kind."),
    Rule("CHK010", "duplicate-object", "error", "Two objects share group, kind, namespace and name; one would overwrite the other."),
    Rule("CHK011", "unknown-kind", "error", "No schema for the apiVersion/kind: not built into the Kubernetes version and not in the pinned CRDs."),
    Rule("CHK012", "unpinned-crd", "warning", "A kind a pinned install registers but whose CRD has no pinned copy: the object is not validated."),
    # -- policies: Kubernetes objects (check --policies, render, the CrossGuard pack)
    Rule("POL001", "image-pinned", "mandatory", "Every image is pinned to a tag or a digest, never `latest` or untagged."),
    Rule("POL002", "gpu-request-equals-limit", "mandatory", "A container that asks for GPUs requests and limits the same whole number of them."),
    Rule("POL003", "host-access-namespace", "mandatory", "Privileged containers, host paths, host namespaces, host ports and added capabilities only in namespaces labelled Pod Security `privileged`."),
    Rule("POL004", "namespace-pod-security", "mandatory", "Every Namespace carries a valid `pod-security.kubernetes.io/enforce` label (and valid audit/warn labels)."),
    Rule("POL005", "secret-reference", "mandatory", "Credentials reach containers only through Secret references: no literal tokens in env values, arguments or ConfigMaps."),
    Rule("POL006", "resource-requests", "mandatory", "Every container requests CPU and memory."),
    Rule("POL007", "readiness-probe", "mandatory", "Every model-server container that serves HTTP has a readiness probe."),
    Rule("POL008", "job-bounds", "mandatory", "Every Job (benchmarks included) has a deadline (`activeDeadlineSeconds`) and an explicit retry bound (`backoffLimit`)."),
    Rule("POL009", "cache-volume-retained", "advisory", "Model-cache volumes are retained (and protected in Pulumi), so weights are not downloaded again."),
    Rule("POL010", "network-policy", "advisory", "Namespaces that run model servers have a default-deny ingress NetworkPolicy (`spec.security.networkPolicy`)."),
    Rule("POL011", "container-hardening", "mandatory", "Containers set `allowPrivilegeEscalation: false`, drop ALL capabilities and use the `RuntimeDefault` (or a `Localhost`) seccomp profile."),
    Rule("POL012", "run-as-non-root", "advisory", "Containers run as a non-root user where the image allows it."),
    Rule("POL013", "service-account-token", "mandatory", "Pods that run as the default service account do not mount its API token (`automountServiceAccountToken: false`)."),
    Rule("POL014", "rbac-least-privilege", "mandatory", "Roles grant no wildcards, no escalate/bind/impersonate, no unnamed Secrets; bindings never grant cluster-admin, admin or edit."),
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
