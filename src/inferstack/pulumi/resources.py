"""One Pulumi resource per rendered object and per control-plane install."""

from __future__ import annotations

import copy
import hashlib
import shlex
import sys
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes import _utilities as k8s_utilities

from ..render.postrender import patches_json
from ..render.result import Install, Obj
from .plan import group_of

# Pulumi must never wait less than a Job's own deadline (benchmarks run inside `pulumi up`).
JOB_TIMEOUT_MARGIN_SECONDS = 300
HELM_TIMEOUT_SECONDS = 900  # large operator charts (GPU Operator, kube-prometheus-stack) take a while


class SecretFromSpec(ValueError):
    """A rendered Secret carries data: inferstack never puts secret values into Pulumi state."""


def type_token(api_version: str, kind: str) -> str:
    """pulumi-kubernetes' token for a kind: `kubernetes:core/v1:Service`, `kubernetes:apps/v1:Deployment`,
    `kubernetes:topology.volcano.sh/v1alpha1:HyperNode`."""
    group = group_of(api_version) or "core"
    version = api_version.rsplit("/", 1)[-1]
    return f"kubernetes:{group}/{version}:{kind}"


class KubernetesObject(pulumi.CustomResource):
    """A rendered object registered as-is: its inputs are the object (apiVersion, kind, metadata, spec,
    and any other top-level field), managed by the kubernetes provider like a typed resource."""

    def __init__(self, resource_name: str, body: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(version=k8s_utilities.get_version()))
        super().__init__(type_token(body["apiVersion"], body["kind"]), resource_name, copy.deepcopy(body), opts)


def object_options(obj: Obj) -> pulumi.ResourceOptions:
    """Options an object needs because of what it is (secrets, Jobs)."""
    if obj.kind == "Secret" and group_of(obj.api_version) == "":
        if obj.body.get("data") or obj.body.get("stringData"):
            raise SecretFromSpec(f"Secret {obj.namespace}/{obj.name} carries data; inferstack only references "
                                 "Secrets the user creates (see summary secretsRequired)")
        return pulumi.ResourceOptions(additional_secret_outputs=["data", "stringData"])
    if obj.kind == "Job" and group_of(obj.api_version) == "batch":
        deadline = (obj.body.get("spec") or {}).get("activeDeadlineSeconds")
        if isinstance(deadline, int):
            return pulumi.ResourceOptions(
                custom_timeouts=pulumi.CustomTimeouts(create=f"{deadline + JOB_TIMEOUT_MARGIN_SECONDS}s"))
    return pulumi.ResourceOptions()


def oci_reference(install: Install) -> str:
    """versions.py keeps OCI charts as repo + chart: oci://registry/path + /chart."""
    return f"{install.repo.rstrip('/')}/{install.chart}"


# Helm runs post-renderers as a plain executable (no arguments), relative to the project directory.
POSTRENDER_DIR = Path(".inferstack") / "postrender"


def postrender_executable(install: Install, project_dir: Path | None = None) -> str | None:
    """For an install with patches: write `<project>/.inferstack/postrender/<install>-<hash>` (a script
    running `inferstack postrender` on the install's patches) and return its project-relative path.
    The hash is in the name, so a change of patches changes the release's input."""
    if not install.patches:
        return None
    body = patches_json(list(install.patches))
    name = f"{install.name}-{hashlib.sha256(body.encode()).hexdigest()[:12]}"
    directory = (project_dir or Path.cwd()) / POSTRENDER_DIR
    directory.mkdir(parents=True, exist_ok=True)
    patches_file = directory / f"{name}.json"
    patches_file.write_text(body + "\n", encoding="utf-8")
    script = directory / name
    script.write_text("#!/bin/sh\n" f"exec {shlex.quote(sys.executable)} -m inferstack.cli postrender "
                      f"--patches-file {shlex.quote(str(patches_file))}\n", encoding="utf-8")
    script.chmod(0o755)
    return f"./{POSTRENDER_DIR / name}"


def helm_release(install: Install, opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
    """A pinned Helm release named exactly like the install (charts derive object names from it)."""
    if install.repo and install.repo.startswith("oci://"):
        chart, repository_opts = oci_reference(install), None
    else:
        chart, repository_opts = install.chart, k8s.helm.v3.RepositoryOptsArgs(repo=install.repo)
    return k8s.helm.v3.Release(
        install.name,
        k8s.helm.v3.ReleaseArgs(
            name=install.name,
            chart=chart,
            version=install.version,
            repository_opts=repository_opts,
            namespace=install.namespace,
            create_namespace=False,  # inferstack renders every install's Namespace (Pod Security labels)
            values=copy.deepcopy(install.values),
            timeout=HELM_TIMEOUT_SECONDS,
            postrender=postrender_executable(install),
        ),
        opts=opts,
    )


def manifest_bundle(install: Install, opts: pulumi.ResourceOptions) -> k8s.yaml.v2.ConfigFile:
    """A pinned manifest bundle (release URL). The provider applies it server-side, which large CRDs
    need (their client-side last-applied annotation would exceed the size limit)."""
    return k8s.yaml.v2.ConfigFile(install.name, file=install.url, opts=opts)


def install_resource(install: Install, opts: pulumi.ResourceOptions) -> pulumi.Resource:
    if install.method == "helm":
        return helm_release(install, opts)
    if install.method == "manifest":
        return manifest_bundle(install, opts)
    raise ValueError(f"install {install.name}: unknown method {install.method!r}")
