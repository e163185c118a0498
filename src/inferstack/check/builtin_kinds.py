"""Built-in Kubernetes kinds: their JSON schemas (from kubernetes-validate's strict set) and scopes.

The schemas are the `$defs` of `kubernetes-json-schema/v1.NN.0-local-strict/_definitions.json`,
read once per Kubernetes minor. Definitions carry `x-kubernetes-group-version-kind`, which maps
apiVersion/kind to a definition without kubernetes-validate's file naming.

The adjusted document (`load_definitions`) is kept as JSON in the user cache, a fifth of the
original's size: a new process reads it in a few milliseconds instead of parsing and adjusting
1.5 MB. The entry's name carries the source file's path, size and mtime and a hash of the code
that adjusts it; a cache that cannot be written is not an error.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from functools import cached_property
from pathlib import Path

from .. import versions
from ..errors import UsageError
from .formats import QUANTITY
from .validators import OBJECTMETA_KEYWORD

DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
OBJECT_META_REF = f"{DEFINITIONS_URI}#/$defs/{OBJECT_META}"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

# Scope is not in the OpenAPI definitions: these built-in kinds are cluster-scoped, all others namespaced.
CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    [("", k) for k in ("Namespace", "Node", "PersistentVolume", "ComponentStatus")]
    + [("admissionregistration.k8s.io", k) for k in (
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding")]
    + [("apiextensions.k8s.io", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService")]
    + [("authentication.k8s.io", k) for k in ("TokenReview", "SelfSubjectReview")]
    + [("authorization.k8s.io", k) for k in ("SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview")]
    + [("certificates.k8s.io", k) for k in ("CertificateSigningRequest", "ClusterTrustBundle")]
    + [("flowcontrol.apiserver.k8s.io", k) for k in ("FlowSchema", "PriorityLevelConfiguration")]
    + [("internal.apiserver.k8s.io", "StorageVersion")]
    + [("networking.k8s.io", k) for k in ("IngressClass", "IPAddress", "ServiceCIDR")]
    + [("node.k8s.io", "RuntimeClass")]
    + [("rbac.authorization.k8s.io", k) for k in ("ClusterRole", "ClusterRoleBinding")]
    + [("resource.k8s.io", k) for k in ("DeviceClass", "ResourceSlice", "DeviceTaintRule")]
    + [("scheduling.k8s.io", "PriorityClass")]
    + [("storage.k8s.io", k) for k in ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment", "VolumeAttributesClass")]
    + [("storagemigration.k8s.io", "StorageVersionMigration")]
)


def kubernetes_minor(version: str | None) -> str:
    """`1.34`, `v1.34`, `1.34.2` -> `1.34`; a version inferstack has no schemas for is a usage error."""
    if version is None:
        return versions.KUBERNETES_DEFAULT
    parts = str(version).strip().lstrip("v").split(".")
    minor = ".".join(parts[:2])
    if minor not in versions.KUBERNETES_SUPPORTED:
        raise UsageError(f"unsupported Kubernetes version {version!r}; supported: {', '.join(versions.KUBERNETES_SUPPORTED)}")
    return minor


def schema_folder(minor: str) -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")  # locate only: importing it is not needed
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("the kubernetes-validate package is not installed; it provides the built-in schemas")
    folder = Path(spec.submodule_search_locations[0]) / "kubernetes-json-schema" / f"v{minor}.0-local-strict"
    if not (folder / "_definitions.json").is_file():
        raise UsageError(f"kubernetes-validate has no schemas for Kubernetes {minor} (looked in {folder})")
    return folder


def api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def _patch(schema):
    """A schema node without descriptions and with `oneOf` read as `anyOf` (see `load_definitions`)."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "description":
            continue
        if key in _SCHEMA_MAPS:
            value = {name: _patch(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS:
            value = [_patch(sub) for sub in value]
            key = "anyOf" if key == "oneOf" else key
        elif key in ("items", "additionalProperties", "not"):
            value = _patch(value)
        out[key] = value
    return out


def load_definitions(minor: str) -> dict:
    """The definitions document, adjusted in three places:

    - `oneOf` (only IntOrString and Quantity use it) becomes `anyOf`: with both branches
      nullable, `oneOf` wrongly rejects null;
    - Quantity gets apimachinery's grammar as a pattern, which the server enforces when parsing;
    - ObjectMeta gets the metadata keyword, so labels and annotations are checked wherever
      an ObjectMeta appears (pod templates included).
    """
    doc = json.loads((schema_folder(minor) / "_definitions.json").read_text(encoding="utf-8"))
    defs = {name: _patch(d) for name, d in doc["$defs"].items()}
    defs[_QUANTITY] = {"anyOf": [{"type": "string", "pattern": QUANTITY}, {"type": "number"}, {"type": "null"}]}
    defs[OBJECT_META] = {**defs[OBJECT_META], OBJECTMETA_KEYWORD: True}
    return {"$schema": doc.get("$schema"), "$id": DEFINITIONS_URI, "$defs": defs}


def cached_definitions(minor: str, cache_dir: Path | None) -> dict:
    """`load_definitions`, read from the user cache when an entry for the same source and code exists."""
    if cache_dir is None:
        return load_definitions(minor)
    source = schema_folder(minor) / "_definitions.json"
    st = source.stat()
    digest = hashlib.sha256(f"{source}|{st.st_size}|{st.st_mtime_ns}".encode())
    for module in ("builtin_kinds.py", "formats.py", "validators.py"):
        digest.update(Path(__file__).with_name(module).read_bytes())
    entry = cache_dir / "builtin-schemas" / f"{minor}-{digest.hexdigest()[:16]}.json"
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    document = load_definitions(minor)
    try:
        from .crd_cache import _atomic_write

        entry.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(entry, json.dumps(document, separators=(",", ":")))
    except OSError:
        pass  # a read-only cache: keep working from memory
    return document


class BuiltinKinds:
    """The built-in kinds of one Kubernetes minor; the definitions are read on first use."""

    def __init__(self, minor: str, cache_dir: Path | None = None):
        self.minor = minor
        self.cache_dir = cache_dir

    @cached_property
    def document(self) -> dict:
        return cached_definitions(self.minor, self.cache_dir)

    @cached_property
    def index(self) -> dict[tuple[str, str], str]:
        """(apiVersion, kind) -> definition name. Meta types listed under many groups are left out."""
        out = {}
        for name, definition in self.document["$defs"].items():
            gvks = definition.get("x-kubernetes-group-version-kind") or []
            if len(gvks) == 1:
                g = gvks[0]
                out[(api_version(g["group"], g["version"]), g["kind"])] = name
        return out

    def schema(self, api_ver: str, kind: str) -> dict | None:
        name = self.index.get((api_ver, kind))
        return None if name is None else {"$ref": f"{DEFINITIONS_URI}#/$defs/{name}"}

    @staticmethod
    def cluster_scoped(group: str, kind: str) -> bool:
        return (group, kind) in CLUSTER_SCOPED
