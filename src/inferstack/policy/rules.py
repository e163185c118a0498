"""The policy rules: one function per rule id of the catalogue (`POL…` in rule_catalog.py).

Each function takes one Kubernetes object (a plain dict) and a Context, and yields Findings with
the JSON path of what is wrong. Cross-object rules read `ctx.inventory` (the objects checked
together). Every runner — `inferstack check --policies`, `render`, the Pulumi CrossGuard pack —
calls these same functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..rule_catalog import RULES
from . import objects as k8s
from .model import Context, Finding, PolicyRule

# --- data: what the rules know about particular kinds ------------------------------------------

# Presets: merged by the engine's controller under workloads that carry their own requests and probes,
# so POL006/POL007 check those workloads, not the preset.
PRESET_KINDS = {
    "serving.kserve.io/LLMInferenceServiceConfig": "KServe merges it under LLMInferenceServices, which set their "
                                                   "own resources and probes",
}

# Pod templates whose service account the engine's controller assigns (with the RBAC the pods need):
# group/kind -> the top-level spec fields concerned (None: every template of the object).
CONTROLLER_SERVICE_ACCOUNTS: dict[str, tuple[str, ...] | None] = {
    # KServe gives each workload its own ServiceAccount (storage credentials, multi-node and P/D RoleBindings)
    "serving.kserve.io/LLMInferenceService": None,
    "serving.kserve.io/LLMInferenceServiceConfig": None,
    # OME's RBAC reconciler gives the router (which discovers pods through the API) its own ServiceAccount
    "ome.io/InferenceService": ("router",),
    "ome.io/ClusterServingRuntime": ("routerConfig",),
    "ome.io/ServingRuntime": ("routerConfig",),
}

# Capabilities the Pod Security "baseline" level allows containers to add.
BASELINE_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                   "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
SECCOMP_CONFINED = ("RuntimeDefault", "Localhost")
CREDENTIAL_ENV = re.compile(r"(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|SECRET_?KEY|PRIVATE_?KEY|"
                            r"CREDENTIALS?)($|_)", re.I)
REFERENCE_SUFFIXES = ("_PATH", "_FILE", "_DIR")  # names of files that hold the credential, not the credential
ENV_REFERENCE = re.compile(r"^\$\([A-Za-z_][A-Za-z0-9_.-]*\)$")
BROAD_CLUSTER_ROLES = ("cluster-admin", "admin", "edit")
DANGEROUS_VERBS = ("escalate", "bind", "impersonate")
READ_VERBS = ("get", "list", "watch", "*")
RULE_FIELDS = {"apiGroups": "API group", "resources": "resource", "verbs": "verb", "nonResourceURLs": "non-resource URL"}
CACHE_LABELS = ("inferstack.dev/model", "inferstack.dev/retain")
RETAIN_LABEL = "inferstack.dev/retain"


def _kind_in(obj: dict, table: dict) -> bool:
    return k8s.group_kind(obj) in table


# --- POL001 images pinned ------------------------------------------------------------------------

def pin_problem(ref: str) -> str | None:
    if not ref:
        return "is empty"
    if "@" in ref:
        return None  # a digest pins the content whatever the tag says
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag, so Kubernetes pulls `latest`"
    if last.rsplit(":", 1)[1] == "latest":
        return "uses the mutable tag `latest`"
    return None


def image_pinned(obj: dict, ctx: Context) -> Iterator[Finding]:
    for path, ref in k8s.images(obj):
        problem = pin_problem(ref)
        if problem:
            yield Finding(path, f"image {ref!r} {problem}",
                          "pin a version tag or a digest such as image@sha256:...; the same name must always run the "
                          "same code")


# --- POL002 GPU requests == limits ---------------------------------------------------------------

def _count(value) -> int | None:
    """A whole GPU count from a quantity (1, "1", 1.0), None when it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def gpu_request_equals_limit(obj: dict, ctx: Context) -> Iterator[Finding]:
    for c in k8s.containers(obj):
        res = c.data.get("resources")
        if not isinstance(res, dict):
            continue
        requests = res.get("requests") if isinstance(res.get("requests"), dict) else {}
        limits = res.get("limits") if isinstance(res.get("limits"), dict) else {}
        for name in sorted(set(requests) | set(limits)):
            if not k8s.is_gpu_resource(name):
                continue
            req, lim = requests.get(name), limits.get(name)
            where = c.path + ("resources",)
            if lim is None:
                yield Finding(where + ("limits", name), f"{c.describe()} requests {req} {name} without a limit",
                              f"set limits.{name}: {req} as well; GPUs cannot be overcommitted")
                continue
            for field, value in (("requests", req), ("limits", lim)):
                if value is not None and _count(value) is None:
                    yield Finding(where + (field, name), f"{c.describe()} asks for {value!r} {name}; GPUs are whole "
                                  "devices", "use a whole number; GPU sharing is configured on the device plugin")
            if req is not None and _count(req) is not None and _count(lim) is not None and _count(req) != _count(lim):
                yield Finding(where + ("requests", name), f"{c.describe()} requests {req} {name} but limits {lim}",
                              "request and limit the same GPU count")


# --- POL003 host access only in privileged namespaces -------------------------------------------------

def host_access(obj: dict) -> list[tuple[tuple, str]]:
    """What in the object's pods needs a `privileged` namespace: (path, what) pairs."""
    out: list[tuple[tuple, str]] = []
    seen_pods: set[tuple] = set()
    for c in k8s.containers(obj):
        pod = c.pod
        if pod.path not in seen_pods:
            seen_pods.add(pod.path)
            for key in ("hostNetwork", "hostPID", "hostIPC"):
                if pod.data.get(key) is True:
                    out.append((pod.path + (key,), f"{key}: true"))
            for path, vol in pod.volumes():
                if "hostPath" in vol:
                    host = vol["hostPath"].get("path") if isinstance(vol["hostPath"], dict) else None
                    out.append((path + ("hostPath",), f"hostPath volume {vol.get('name')!r} of {host}"))
        sc = c.security_context
        if sc.get("privileged") is True:
            out.append((c.path + ("securityContext", "privileged"), f"privileged {c.describe()}"))
        caps = sc.get("capabilities") if isinstance(sc.get("capabilities"), dict) else {}
        added = [a for a in k8s.items(caps.get("add")) if isinstance(a, str)]
        extra = sorted({a.upper().removeprefix("CAP_") for a in added} - BASELINE_CAPABILITIES)
        if extra:
            out.append((c.path + ("securityContext", "capabilities", "add"),
                        f"capabilit{'y' if len(extra) == 1 else 'ies'} {', '.join(extra)} added by {c.describe()}"))
        for i, port in enumerate(k8s.items(c.data.get("ports"))):
            if isinstance(port, dict) and port.get("hostPort"):
                out.append((c.path + ("ports", i, "hostPort"), f"host port {port['hostPort']} of {c.describe()}"))
    return out


def host_access_namespace(obj: dict, ctx: Context) -> Iterator[Finding]:
    found = host_access(obj)
    if not found:
        return
    ns = k8s.namespace_of(obj)
    hint = ("run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged that holds only node "
            "agents such as device plugins and model agents, or drop the host access")
    if ns is None:
        for path, what in found:
            yield Finding(path, f"{what} in a cluster-scoped template, whose pods may run in any namespace", hint)
        return
    level = ctx.inventory.pod_security(ns)
    if level == "privileged":
        return
    if ns not in ctx.inventory.namespaces:
        why = f"namespace {ns!r} is not among the checked objects; check the object together with its Namespace"
    elif level is None:
        why = f"namespace {ns!r} has no {k8s.PSA_ENFORCE} label"
    else:
        why = f"namespace {ns!r} enforces Pod Security {level!r}"
    for path, what in found:
        yield Finding(path, f"{what} needs a namespace labelled Pod Security 'privileged'; {why}", hint)


# --- POL004 namespaces carry Pod Security labels ---------------------------------------------------------

def namespace_pod_security(obj: dict, ctx: Context) -> Iterator[Finding]:
    if k8s.group_kind(obj) != "/Namespace":
        return
    labels = k8s.labels(obj)
    name = k8s.name_of(obj)
    level = labels.get(k8s.PSA_ENFORCE)
    hint = (f"label it {k8s.PSA_ENFORCE}: baseline or restricted; privileged only for namespaces of node "
            "agents such as device plugins and model agents")
    if level is None:
        yield Finding(("metadata", "labels"), f"namespace {name!r} has no {k8s.PSA_ENFORCE} label", hint)
    elif level not in k8s.PSA_LEVELS:
        yield Finding(("metadata", "labels", k8s.PSA_ENFORCE), f"namespace {name!r}: {level!r} is not a Pod "
                      f"Security level ({', '.join(k8s.PSA_LEVELS)})", hint)
    for mode in ("audit", "warn"):
        key = f"pod-security.kubernetes.io/{mode}"
        if key in labels and labels[key] not in k8s.PSA_LEVELS:
            yield Finding(("metadata", "labels", key), f"namespace {name!r}: {labels[key]!r} is not a Pod Security "
                          f"level ({', '.join(k8s.PSA_LEVELS)})", "use restricted to see what would break at that level")


# --- POL005 credentials only through Secret references -------------------------------------------------

def literal_token(text: str) -> str | None:
    """What credential `text` looks like (the patterns `validate` uses, rule INF401), or None."""
    from ..spec.semantic import find_literal_secret

    return find_literal_secret(text)


def is_credential_name(name: str) -> bool:
    return bool(CREDENTIAL_ENV.search(name)) and not name.upper().endswith(REFERENCE_SUFFIXES)


def secret_reference(obj: dict, ctx: Context) -> Iterator[Finding]:
    hint = "store it in a Secret and reference it: env valueFrom.secretKeyRef or envFrom.secretRef"
    reported: set[tuple] = set()
    for c in k8s.containers(obj):
        for i, entry in enumerate(k8s.items(c.data.get("env"))):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            name, path = entry["name"], c.path + ("env", i)
            if not is_credential_name(name):
                continue
            value = entry.get("value")
            if isinstance(value, str) and value and not ENV_REFERENCE.match(value):
                reported.add(path + ("value",))
                yield Finding(path + ("value",), f"{c.describe()} sets the credential {name} to a literal value", hint)
            source = entry.get("valueFrom") if isinstance(entry.get("valueFrom"), dict) else {}
            if "configMapKeyRef" in source:
                yield Finding(path + ("valueFrom", "configMapKeyRef"),
                              f"{c.describe()} reads the credential {name} from a ConfigMap", hint)
    secret = k8s.group_kind(obj) == "/Secret"
    for path, text in k8s.strings(obj):
        if (secret and path[:1] in (("data",), ("stringData",))) or path in reported:
            continue
        what = literal_token(text)
        if what:
            yield Finding(path, f"this value looks like {what}", hint)


# --- POL006 resource requests --------------------------------------------------------------------------

def resource_requests(obj: dict, ctx: Context) -> Iterator[Finding]:
    if _kind_in(obj, PRESET_KINDS):
        return
    for c in k8s.containers(obj):
        if c.fragment:
            continue
        res = c.data.get("resources") if isinstance(c.data.get("resources"), dict) else {}
        requests = res.get("requests") if isinstance(res.get("requests"), dict) else {}
        limits = res.get("limits") if isinstance(res.get("limits"), dict) else {}
        # a limit without a request makes Kubernetes request the limit
        missing = [r for r in ("cpu", "memory") if r not in requests and r not in limits]
        if missing:
            yield Finding(c.path + ("resources", "requests"), f"{c.describe()} requests no {' and no '.join(missing)}",
                          "set resources.requests.cpu and .memory: the scheduler places pods by their requests, and a "
                          "pod without them is the first to be evicted")


# --- POL007 readiness probes on model servers -------------------------------------------------------------

def readiness_probe(obj: dict, ctx: Context) -> Iterator[Finding]:
    if _kind_in(obj, PRESET_KINDS):
        return
    for c in k8s.containers(obj):
        if c.fragment or c.init or not k8s.is_model_server(c.data) or k8s.is_headless_rank(c.data):
            continue
        if not isinstance(c.data.get("readinessProbe"), dict) or not c.data["readinessProbe"]:
            yield Finding(c.path + ("readinessProbe",), f"model server {c.describe()} has no readinessProbe",
                          "probe the server's health endpoint, /health for vLLM and SGLang, /ready for the "
                          "simulator, so that Services and routers only send requests to replicas with loaded weights")


# --- POL008 Jobs: deadline and bounded retries ------------------------------------------------------------

def _job_specs(obj: dict) -> Iterator[tuple[tuple, dict]]:
    gk = k8s.group_kind(obj)
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if gk == "batch/Job":
        yield ("spec",), spec
    elif gk == "batch/CronJob":
        template = spec.get("jobTemplate") if isinstance(spec.get("jobTemplate"), dict) else {}
        yield ("spec", "jobTemplate", "spec"), template.get("spec") if isinstance(template.get("spec"), dict) else {}


def job_bounds(obj: dict, ctx: Context) -> Iterator[Finding]:
    name = f"{obj.get('kind')} {k8s.name_of(obj)!r}"
    for path, spec in _job_specs(obj):
        deadline = spec.get("activeDeadlineSeconds")
        if not isinstance(deadline, int) or isinstance(deadline, bool) or deadline <= 0:
            yield Finding(path + ("activeDeadlineSeconds",), f"{name} has no deadline",
                          "set activeDeadlineSeconds; a Job that waits on an endpoint that never answers would "
                          "otherwise hold its pod, and whoever waits for it such as `pulumi up`, forever")
        limit = spec.get("backoffLimit")
        if not isinstance(limit, int) or isinstance(limit, bool):
            yield Finding(path + ("backoffLimit",), f"{name} leaves its retries at the default of 6",
                          "set backoffLimit explicitly; benchmarks use 0 so that runs never mix")


# --- POL009 cache volumes retained -------------------------------------------------------------------------

def cache_volume_retained(obj: dict, ctx: Context) -> Iterator[Finding]:
    if k8s.group_kind(obj) != "/PersistentVolumeClaim":
        return
    labels = k8s.labels(obj)
    if not any(key in labels for key in CACHE_LABELS):
        return
    name = k8s.name_of(obj)
    if labels.get(RETAIN_LABEL) != "true":
        yield Finding(("metadata", "labels"), f"model-cache volume {name!r} is not retained: "
                      f"{RETAIN_LABEL} is {labels.get(RETAIN_LABEL)!r}",
                      "set models[].cache.retain: true: deleting the cache means downloading the weights again")
    elif ctx.protected is False:
        yield Finding(("metadata", "name"), f"model-cache volume {name!r} is labelled retained but its Pulumi "
                      "resource is not protected", "give the resource protect and retainOnDelete, as the inferstack "
                      "program does for cache.retain: true")


# --- POL010 default-deny NetworkPolicy in model namespaces ----------------------------------------------------

def is_default_deny(policy: dict) -> bool:
    spec = policy.get("spec") if isinstance(policy.get("spec"), dict) else {}
    selector = spec.get("podSelector")
    if not isinstance(selector, dict) or selector.get("matchLabels") or selector.get("matchExpressions"):
        return False
    types = spec.get("policyTypes")
    ingress_type = "Ingress" in types if isinstance(types, list) else True  # absent: Ingress is implied
    return ingress_type and not spec.get("ingress")


def network_policy(obj: dict, ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    hint = ("set spec.security.networkPolicy: true, which renders a default deny that lets the gateway or router in; "
            "or add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] next to the allow rules you need")

    def denied(ns: str) -> bool:
        return any(is_default_deny(p) for p in inv.network_policies.get(ns, []))

    if k8s.group_kind(obj) == "/Namespace":
        ns = k8s.name_of(obj)
        if ns in inv.model_namespaces and not denied(ns):
            yield Finding(("metadata", "name"), f"namespace {ns!r} runs model servers but has no default-deny "
                          "ingress NetworkPolicy", hint)
        return
    ns = k8s.namespace_of(obj)
    serves = any(k8s.is_model_server(c.data) for c in k8s.containers(obj))
    if ns and serves and ns not in inv.namespaces and not denied(ns):
        yield Finding(("metadata", "namespace"), f"model servers in namespace {ns!r}, which has no default-deny "
                      "ingress NetworkPolicy", hint)


# --- POL011 container hardening ------------------------------------------------------------------------------

def _seccomp_type(sc: dict) -> str | None:
    profile = sc.get("seccompProfile")
    return profile.get("type") if isinstance(profile, dict) else None


def container_hardening(obj: dict, ctx: Context) -> Iterator[Finding]:
    for c in k8s.containers(obj):
        sc = c.security_context
        if c.fragment or sc.get("privileged") is True:  # privileged: POL003 decides where that may run
            continue
        missing = []
        if sc.get("allowPrivilegeEscalation") is not False:
            missing.append("allowPrivilegeEscalation: false")
        caps = sc.get("capabilities") if isinstance(sc.get("capabilities"), dict) else {}
        if "ALL" not in [d.upper() for d in k8s.items(caps.get("drop")) if isinstance(d, str)]:
            missing.append("capabilities.drop: [ALL]")
        seccomp = _seccomp_type(sc) or _seccomp_type(c.pod.security_context)
        if seccomp not in SECCOMP_CONFINED:
            missing.append("seccompProfile.type: RuntimeDefault")
        if missing:
            yield Finding(c.path + ("securityContext",), f"{c.describe()} is not hardened: {', '.join(missing)}",
                          "set securityContext {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, "
                          "seccompProfile: {type: RuntimeDefault}}")


# --- POL012 non-root ------------------------------------------------------------------------------------------

def run_as_non_root(obj: dict, ctx: Context) -> Iterator[Finding]:
    for c in k8s.containers(obj):
        if c.fragment:
            continue
        sc, pod_sc = c.security_context, c.pod.security_context
        non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
        user = sc.get("runAsUser", pod_sc.get("runAsUser"))
        if non_root is True or (isinstance(user, int) and not isinstance(user, bool) and user > 0):
            continue
        yield Finding(c.path + ("securityContext",), f"{c.describe()} may run as root: neither runAsNonRoot: true "
                      "nor a runAsUser above 0", "set runAsNonRoot: true and runAsUser where the image allows it; "
                      "the vLLM and SGLang images run as root")


# --- POL013 service-account tokens ----------------------------------------------------------------------------

def _controller_assigns_account(obj: dict, path: tuple) -> bool:
    gk = k8s.group_kind(obj)
    if gk not in CONTROLLER_SERVICE_ACCOUNTS:
        return False
    fields = CONTROLLER_SERVICE_ACCOUNTS[gk]
    return fields is None or (len(path) > 1 and path[0] == "spec" and path[1] in fields)


def service_account_token(obj: dict, ctx: Context) -> Iterator[Finding]:
    for pod in k8s.pod_specs(obj):
        if _controller_assigns_account(obj, pod.path):
            continue
        account = pod.data.get("serviceAccountName") or pod.data.get("serviceAccount")
        if isinstance(account, str) and account and account != "default":
            continue  # its own account: it calls the API (and its Role says what for)
        if pod.data.get("automountServiceAccountToken") is not False:
            yield Finding(pod.path + ("automountServiceAccountToken",), "the pod runs as the default service "
                          "account and mounts its API token",
                          "set automountServiceAccountToken: false; pods that call the Kubernetes API get their own "
                          "ServiceAccount with a least-privilege Role")


# --- POL014 RBAC least privilege ------------------------------------------------------------------------------

def rbac_least_privilege(obj: dict, ctx: Context) -> Iterator[Finding]:
    gk = k8s.group_kind(obj)
    name = k8s.name_of(obj)
    if gk in ("rbac.authorization.k8s.io/Role", "rbac.authorization.k8s.io/ClusterRole"):
        for i, rule in enumerate(k8s.items(obj.get("rules"))):
            if isinstance(rule, dict):
                yield from _rule_problems(gk.split("/")[1], name, ("rules", i), rule)
    elif gk in ("rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding"):
        ref = obj.get("roleRef") if isinstance(obj.get("roleRef"), dict) else {}
        if ref.get("kind") == "ClusterRole" and ref.get("name") in BROAD_CLUSTER_ROLES:
            yield Finding(("roleRef", "name"), f"{gk.split('/')[1]} {name!r} grants the built-in role "
                          f"{ref['name']!r}", "bind a Role that lists the resources and verbs the subject needs")


def _strs(value) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _rule_problems(kind: str, name: str, path: tuple, rule: dict) -> Iterator[Finding]:
    hint = "list the API groups, resources and verbs the subject needs"
    for field in ("apiGroups", "resources", "verbs", "nonResourceURLs"):
        if "*" in _strs(rule.get(field)):
            yield Finding(path + (field,), f"{kind} {name!r} grants every {RULE_FIELDS[field]} ('*')", hint)
    dangerous = sorted(set(_strs(rule.get("verbs"))) & set(DANGEROUS_VERBS))
    if dangerous:
        yield Finding(path + ("verbs",), f"{kind} {name!r} grants {', '.join(dangerous)}, which let the subject "
                      "gain permissions it does not hold", hint)
    resources, verbs = _strs(rule.get("resources")), _strs(rule.get("verbs"))
    if "secrets" in resources and set(verbs) & set(READ_VERBS) and not _strs(rule.get("resourceNames")):
        yield Finding(path + ("resources",), f"{kind} {name!r} reads every Secret it can see",
                      "name the Secrets the subject needs in resourceNames, or mount them into its pods instead")


# --- the rule set ---------------------------------------------------------------------------------------------

def _rule(rule_id: str, check, cross_object: bool = False) -> PolicyRule:
    entry = RULES[rule_id]
    return PolicyRule(rule_id, entry.name, entry.severity, entry.doc, check, cross_object)


POLICY_RULES: tuple[PolicyRule, ...] = (
    _rule("POL001", image_pinned),
    _rule("POL002", gpu_request_equals_limit),
    _rule("POL003", host_access_namespace, cross_object=True),
    _rule("POL004", namespace_pod_security),
    _rule("POL005", secret_reference),
    _rule("POL006", resource_requests),
    _rule("POL007", readiness_probe),
    _rule("POL008", job_bounds),
    _rule("POL009", cache_volume_retained),
    _rule("POL010", network_policy, cross_object=True),
    _rule("POL011", container_hardening),
    _rule("POL012", run_as_non_root),
    _rule("POL013", service_account_token),
    _rule("POL014", rbac_least_privilege),
)
BY_ID = {r.id: r for r in POLICY_RULES}
