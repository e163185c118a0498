"""StorageClasses each cluster provider ships (or documents) that cannot back a ReadWriteMany
volume, and the classes that can.

A model's cache volume is one PVC for all its pods; with more than one pod it is ReadWriteMany
(`Model.shares_cache`). Block storage (EBS, Azure Disk, Persistent Disk) attaches to one node, and
kind's local-path provisioner writes a directory on one node, so a ReadWriteMany claim on such a
class is never provisioned: the claim stays Pending and so does every pod that mounts it.

Sources: EKS creates `gp2` (in-tree EBS); `gp3` is the EBS CSI driver's usual class; EKS Auto Mode's
guide creates `auto-ebs-sc`. AKS creates `default`, `managed`, `managed-csi`, `managed-csi-premium`
and `managed-premium` (all disk.csi.azure.com) next to the Azure Files classes. GKE creates
`standard` (pd-standard), `standard-rwo` (pd-balanced, the default) and `premium-rwo` (pd-ssd), and
the Filestore CSI driver adds `standard-rwx`, `premium-rwx`, `enterprise-rwx`, `zonal-rwx`, ... .
kind's node image installs only `standard` (rancher.io/local-path, per-node paths; local-path
accepts ReadWriteMany only when configured with a shared file system path, which kind's is not).
"""

from __future__ import annotations

from types import MappingProxyType

# provider -> class name -> what it is
BLOCK_STORAGE_CLASSES = MappingProxyType({
    "eks": MappingProxyType({
        "gp2": "an EBS volume (the class EKS creates)",
        "gp3": "an EBS volume (EBS CSI driver)",
        "auto-ebs-sc": "an EBS volume (EKS Auto Mode)",
    }),
    "aks": MappingProxyType({
        "default": "an Azure Disk (Standard SSD, the AKS default class)",
        "managed": "an Azure Disk",
        "managed-csi": "an Azure Disk (Standard SSD)",
        "managed-csi-premium": "an Azure Disk (Premium SSD)",
        "managed-premium": "an Azure Disk (Premium SSD)",
    }),
    "gke": MappingProxyType({
        "standard": "a Persistent Disk (pd-standard)",
        "standard-rwo": "a Persistent Disk (pd-balanced, the GKE default class)",
        "premium-rwo": "a Persistent Disk (pd-ssd)",
    }),
    "kind": MappingProxyType({
        "standard": "a local-path directory on one node (kind's only class)",
    }),
})

# The default class where inferstack knows it: it creates kind clusters, whose node image installs
# `standard` as the only (default) class.
KNOWN_DEFAULT_CLASS = MappingProxyType({"kind": "standard"})

# What the default class of a managed cluster usually is; the cluster's owner can change it, so a
# claim without a class there is a warning, not an error.
CLOUD_DEFAULT_CLASS = MappingProxyType({
    "eks": "EBS block storage (gp2) or none at all",
    "aks": "an Azure Disk (default)",
    "gke": "a Persistent Disk (standard-rwo)",
})

# Classes (or how to get one) that can be ReadWriteMany.
RWX_CHOICES = MappingProxyType({
    "eks": "an EFS class such as efs-sc, provisioner efs.csi.aws.com: install the Amazon EFS CSI driver and create it",
    "aks": "Azure Files: azurefile-csi or azurefile-csi-premium",
    "gke": "a Filestore class such as standard-rwx or enterprise-rwx, with the Filestore CSI driver enabled",
    "kind": "a class backed by a shared file system that you install, such as NFS or CephFS",
})


def block_storage_class(provider: str, name: str | None) -> str | None:
    """What the class is when it is known on `provider` and cannot be ReadWriteMany, else None;
    `name` None is the cluster default, known only on kind."""
    name = name or KNOWN_DEFAULT_CLASS.get(provider)
    return BLOCK_STORAGE_CLASSES.get(provider, {}).get(name) if name else None
