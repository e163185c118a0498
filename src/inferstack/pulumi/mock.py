"""Run the program in-process under Pulumi's mock runtime and record every registration.

No Pulumi CLI, no engine, no cluster: the SDK talks to a mock monitor that records what a real
deployment would register — type, name, parent, dependencies, provider, options and inputs.
Pulumi's settings are process-global, so runs are serialised and each starts from a fresh root.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.mocks import MockMonitor

STACK_TYPE = "pulumi:pulumi:Stack"
_LOCK = threading.Lock()


def intify(value: Any) -> Any:
    """Pulumi's wire format (protobuf Struct) carries every number as a float: 2 -> 2.0. Undo that."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: intify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [intify(v) for v in value]
    return value


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    parent: str  # URN ("" for the root stack)
    custom: bool
    remote: bool
    inputs: dict[str, Any]
    dependencies: list[str]  # URNs
    provider: str  # provider reference "urn::id" ("" when none)
    providers: dict[str, str]
    protect: bool
    retain_on_delete: bool
    deleted_with: str
    delete_before_replace: bool
    additional_secret_outputs: list[str]
    custom_timeouts: dict[str, str]

    @property
    def short_type(self) -> str:
        return self.type.rsplit(":", 1)[-1]


@dataclass
class Recording:
    registrations: list[Registration] = field(default_factory=list)
    result: Any = None  # what the build function returned
    log: list[tuple[str, str]] = field(default_factory=list)  # (level, message) the program logged
    order: list[str] = field(default_factory=list)  # URNs in the order the program created them
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # register_outputs by URN
    exports: dict[str, Any] = field(default_factory=dict)  # the stack outputs (pulumi.export), resolved

    def position(self, urn: str) -> int:
        """Creation order (RPCs arrive in any order): for stable listings."""
        try:
            return self.order.index(urn)
        except ValueError:
            return len(self.order)

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.registrations}

    def resources(self) -> list[Registration]:
        """Everything but the root stack."""
        return [r for r in self.registrations if r.type != STACK_TYPE]

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def closure(self, urn: str) -> set[str]:
        """URNs `urn` depends on, directly or transitively (dependencies and the provider)."""
        by_urn = self.by_urn()
        seen: set[str] = set()
        todo = [urn]
        while todo:
            reg = by_urn.get(todo.pop())
            if reg is None:
                continue
            edges = list(reg.dependencies)
            if reg.provider:
                edges.append(provider_urn(reg.provider))
            for e in edges:
                if e not in seen:
                    seen.add(e)
                    todo.append(e)
        return seen


def provider_urn(reference: str) -> str:
    """A provider reference is `<urn>::<id>`; the URN itself contains `::`."""
    return reference.rsplit("::", 1)[0]


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks, recording: Recording):
        super().__init__(mocks)
        self.recording = recording

    def RegisterResource(self, request):  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)
        timeouts = request.customTimeouts
        self.recording.registrations.append(Registration(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=request.custom,
            remote=request.remote,
            inputs=intify(dict(self.resources[response.urn].state)) if response.urn in self.resources else {},
            dependencies=list(request.dependencies),
            provider=request.provider,
            providers=dict(request.providers),
            protect=request.protect,
            retain_on_delete=request.retainOnDelete,
            deleted_with=request.deletedWith,
            delete_before_replace=request.deleteBeforeReplace,
            additional_secret_outputs=list(request.additionalSecretOutputs),
            custom_timeouts={k: getattr(timeouts, k) for k in ("create", "update", "delete") if getattr(timeouts, k)},
        ))
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 - the gRPC method name
        outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        self.recording.outputs[request.urn] = intify(dict(outputs))
        return super().RegisterResourceOutputs(request)


class _LogCollector(logging.Handler):
    def __init__(self, recording: Recording):
        super().__init__(logging.DEBUG)
        self.recording = recording

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.INFO:
            self.recording.log.append((record.levelname.lower(), record.getMessage()))


class EchoMocks(pulumi.runtime.Mocks):
    """Every resource echoes its inputs as outputs; there are no invokes to answer."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}, []


def run(build: Callable[[], Any], *, project: str = "inferstack", stack: str = "preview",
        config: dict[str, str] | None = None) -> Recording:
    """Run `build` as a Pulumi program under mocks; returns the registrations and build's result."""
    recording = Recording()
    logger = logging.getLogger("inferstack.pulumi.mock")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = _LogCollector(recording)
    with _LOCK:
        logger.addHandler(handler)
        try:
            pulumi_settings.ROOT.set(None)  # a fresh root stack for this run
            monitor = RecordingMonitor(EchoMocks(), recording)
            pulumi.runtime.set_all_config(dict(config or {}))
            pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor,
                                     logger=logger)

            @pulumi.runtime.test
            def program():
                recording.result = build()
                created = getattr(recording.result, "all_resources", None) or []
                # under mocks the root stack registered its outputs before the program ran: read them here
                exports = dict(pulumi_settings.get_root_resource().outputs)
                return pulumi.Output.all(
                    pulumi.Output.all(*[r.urn for r in created]).apply(recording.order.extend),
                    pulumi.Output.from_input(exports).apply(lambda v: recording.exports.update(intify(v))),
                )

            program()
        finally:
            logger.removeHandler(handler)
    return recording
