"""The cluster end of the program: `kind create cluster` on kind, and the one kubernetes provider."""

from __future__ import annotations

import pulumi
import pulumi_command as command
import pulumi_kubernetes as k8s

from ..render.writer import dump_yaml

COMMAND_NAME = "kind-cluster"
PROVIDER_NAME = "kubernetes"

# kind reads the config from stdin (`--config -`); its progress goes to stderr, so stdout is the kubeconfig.
KIND_CREATE = ('kind create cluster --name "$KIND_CLUSTER_NAME" --config - --wait 300s >&2 '
               '&& kind get kubeconfig --name "$KIND_CLUSTER_NAME"')
KIND_DELETE = 'kind delete cluster --name "$KIND_CLUSTER_NAME"'


def kind_cluster(cluster_name: str, kind_config: dict, parent: pulumi.Resource) -> command.local.Command:
    """Create the kind cluster from the rendered config; delete it on destroy.

    A changed config replaces the cluster (kind cannot reshape one): delete first, since the new
    cluster takes the same name.
    """
    config_text = dump_yaml(kind_config)
    return command.local.Command(
        COMMAND_NAME,
        create=KIND_CREATE,
        delete=KIND_DELETE,
        stdin=config_text,
        environment={"KIND_CLUSTER_NAME": cluster_name},
        triggers=[config_text],
        opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True, additional_secret_outputs=["stdout"]),
    )


def kind_provider(cluster: command.local.Command, parent: pulumi.Resource) -> k8s.Provider:
    """The provider for the kind cluster, from the kubeconfig `kind get kubeconfig` printed."""
    return k8s.Provider(
        PROVIDER_NAME,
        kubeconfig=cluster.stdout,
        enable_server_side_apply=True,
        # after `kind delete cluster` outside Pulumi, destroy still succeeds
        delete_unreachable=True,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[cluster]),
    )


def existing_provider(cluster_name: str, context: str | None, parent: pulumi.Resource) -> k8s.Provider:
    """The provider for a cluster inferstack did not create: the ambient kubeconfig (KUBECONFIG or
    ~/.kube/config) with the given context, else its current context. The cluster name identifies the
    cluster, so that refreshed credentials in the kubeconfig never replace the provider (and with it
    every resource)."""
    return k8s.Provider(
        PROVIDER_NAME,
        context=context,
        cluster_identifier=cluster_name,
        enable_server_side_apply=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
