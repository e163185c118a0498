"""What every engine module provides: identity, capability table (data), naming and constraints.

Rendering hooks are added by the render pipeline; this module stays import-light so that
`validate` can load all six engines cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import RenderRefused
from .features import FEATURES

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..render.context import RenderContext
    from ..render.result import Endpoint
    from ..spec.loader import SourceDoc
    from ..spec.model import Model, Stack




class EngineNotImplemented(RenderRefused):
    """The engine's model layer is not rendered yet: render refuses rather than write partial output."""

NATIVE = "native"
GENERIC = "generic"
NO = "no"
LEVELS = (NATIVE, GENERIC, NO)


@dataclass(frozen=True)
class Support:
    level: str
    how: str  # the primitive used (native/generic), or why it cannot be expressed (no)

    @property
    def supported(self) -> bool:
        return self.level != NO


def native(how: str) -> Support:
    return Support(NATIVE, how)


def generic(how: str) -> Support:
    return Support(GENERIC, how)


def no(why: str) -> Support:
    return Support(NO, why)


# The same for every engine: the runtimes' Mooncake transfer engine is initialised with protocol rdma
# (all RDMA devices, auto-discovered), and inferstack's pods request no RDMA device and drop all capabilities.
MOONCAKE_NEEDS_RDMA = no("Mooncake KV transfer needs RDMA NICs inside the pods (the runtimes start its transfer engine "
                         "with protocol rdma), and inferstack requests no RDMA devices: use nixl")


@dataclass(frozen=True)
class IngressSource:
    """A namespace whose pods must reach the model servers (spec.security.networkPolicy)."""

    namespace: str
    why: str  # e.g. "kthena-router"


@dataclass(frozen=True)
class GeneratedName:
    """A name the engine (or its controller) derives from spec names."""

    name: str
    what: str  # e.g. "Kthena pod name"
    path: tuple  # the spec field whose value made it long
    limit: int = 63


@dataclass
class Engine:
    name: str
    title: str
    version: str
    summary: str
    capabilities: dict[str, Support]
    default_gateway: str  # what gateway.implementation: auto resolves to
    upstream: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        missing = set(FEATURES) - set(self.capabilities)
        extra = set(self.capabilities) - set(FEATURES)
        if missing or extra:
            raise ValueError(f"engine {self.name}: capability table mismatch: missing {sorted(missing)}, unknown {sorted(extra)}")

    def support(self, feature: str) -> Support:
        return self.capabilities[feature]

    def gateway(self, stack: Stack) -> str:
        """The resolved gateway implementation for a stack."""
        return self.default_gateway if stack.gateway_implementation == "auto" else stack.gateway_implementation

    # --- hooks an engine overrides -------------------------------------------------
    def generated_names(self, stack: Stack) -> list[GeneratedName]:
        return [
            GeneratedName(model_object_name(stack, m), f"{self.title} workload name", ("spec", "models", m.index, "name"))
            for m in stack.models
        ]

    def constraints(self, stack: Stack, doc: SourceDoc) -> list[Diagnostic]:
        """Engine-specific checks beyond the capability table (rule INF302)."""
        return []

    def token_secret_namespaces(self, stack: Stack) -> tuple[str, ...]:
        """Where the engine reads the models' source.tokenSecret (the model namespace unless it reads it elsewhere)."""
        return (stack.namespace,)

    def envoy_inference_pools(self, stack: Stack) -> bool:
        """With Envoy AI Gateway: whether the engine's routes target InferencePools. Envoy Gateway then
        lists InferencePool as an extension backend, after the inference extension CRDs; it never syncs
        when a listed backend kind has no CRD, so engines that route elsewhere keep False."""
        return False

    def spec_literal(self, text: str) -> str:
        """How a spec string is written into the engine's objects so that its controller reads it back
        unchanged (identity, unless the controller interprets strings, e.g. as templates)."""
        return text

    # --- rendering hooks ---------------------------------------------------------------
    # An engine module overrides these; the defaults refuse, so an unfinished engine never
    # produces partial or fake output.
    def render_platform(self, ctx: RenderContext) -> None:
        """Control-plane installs (ctx.install) and engine-wide objects (ctx.add / ctx.render)."""
        raise EngineNotImplemented(f"the {self.title} model layer is not implemented yet")

    def render_model(self, ctx: RenderContext, model: Model) -> None:
        """The objects that serve one model."""
        raise EngineNotImplemented(f"the {self.title} model layer is not implemented yet")

    def endpoints(self, ctx: RenderContext, model: Model) -> list[Endpoint]:
        """Where clients reach the model (and each of its LoRA adapters) in the cluster."""
        raise EngineNotImplemented(f"the {self.title} model layer is not implemented yet")

    def ingress_sources(self, ctx: RenderContext) -> list[IngressSource]:
        """Namespaces, other than the model namespace, whose pods call the model servers: the engine's
        own router or gateway data plane, controllers that talk to model servers. The generic gateway's
        data plane, Prometheus and the model namespace itself are let in by components/network_policy.py."""
        return []

    def metrics_targets(self, ctx: RenderContext) -> list:
        """Pods/Services to scrape when observability.prometheus is on."""
        from ..components.observability import default_model_targets

        return default_model_targets(ctx)


def model_object_name(stack: Stack, model) -> str:
    """Default base name of a model's objects: <stack>-<model>."""
    return f"{stack.name}-{model.name}"
