"""Rendering: a resolved Stack -> Kubernetes objects, control-plane installs, kind config, summary."""
