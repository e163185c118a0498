"""Engine-independent components of every stack: cluster, GPUs, scheduling, gateway, namespaces, storage, monitoring."""
