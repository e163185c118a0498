"""inferstack's Pulumi program: stack config -> the same validate + render as `inferstack render` ->
one ComponentResource per component, pinned Helm releases and manifest bundles, the rendered objects.
Everything lives in `inferstack.pulumi`; see `inferstack preview` for the graph without a cluster."""

from pathlib import Path

from inferstack.pulumi.program import run_from_config

run_from_config(Path(__file__).resolve().parent)
