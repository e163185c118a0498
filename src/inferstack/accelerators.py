"""Accelerator products and how each provider names them (data, not logic).

`gke`: ComputeClass gpu.type / cloud.google.com/gke-accelerator; `aws`: Karpenter
karpenter.k8s.aws/instance-gpu-name; `azure`: karpenter.azure.com/sku-gpu-name;
`gfd`: the nvidia.com/gpu.product value GPU Feature Discovery (and fake-gpu-operator) report;
`memory_mib`: per-GPU memory; `fake_profile`: fake-gpu-operator built-in profile, if any.
None means the provider does not offer the product.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    name: str
    vendor: str
    gfd: str
    memory_mib: int
    gke: str | None
    aws: str | None
    azure: str | None
    fake_profile: str | None = None


_PRODUCTS = (
    Product("T4", "nvidia", "Tesla-T4", 15360, "nvidia-tesla-t4", "t4", "T4", "t4"),
    Product("A10G", "nvidia", "NVIDIA-A10G", 23028, None, "a10g", None),
    Product("A10", "nvidia", "NVIDIA-A10", 23028, None, None, "A10"),
    Product("L4", "nvidia", "NVIDIA-L4", 23034, "nvidia-l4", "l4", None),
    Product("L40S", "nvidia", "NVIDIA-L40S", 46068, None, "l40s", None, "l40s"),
    Product("A100-40GB", "nvidia", "NVIDIA-A100-SXM4-40GB", 40960, "nvidia-tesla-a100", "a100", "A100", "a100"),
    Product("A100-80GB", "nvidia", "NVIDIA-A100-SXM4-80GB", 81920, "nvidia-a100-80gb", "a100", "A100"),
    Product("H100-80GB", "nvidia", "NVIDIA-H100-80GB-HBM3", 81559, "nvidia-h100-80gb", "h100", "H100", "h100"),
    Product("H200-141GB", "nvidia", "NVIDIA-H200", 143771, "nvidia-h200-141gb", "h200", "H200"),
    Product("B200", "nvidia", "NVIDIA-B200", 183359, "nvidia-b200", "b200", None, "b200"),
    Product("MI300X", "amd", "MI300X", 196608, None, None, "MI300X"),
)

PRODUCTS: dict[str, Product] = {p.name: p for p in _PRODUCTS}

# provider -> Product attribute naming the product on that provider
PROVIDER_FIELD = {"gke": "gke", "eks": "aws", "aks": "azure"}


def product(name: str) -> Product | None:
    return PRODUCTS.get(name)


def provider_name(product_name: str, provider: str) -> str | None:
    p = PRODUCTS.get(product_name)
    if p is None or provider not in PROVIDER_FIELD:
        return None
    return getattr(p, PROVIDER_FIELD[provider])
