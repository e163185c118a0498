"""Drive the CrossGuard pack's policies the way Pulumi's analyzer does, without the Pulumi CLI:
resource inputs go through the wire format (protobuf Struct: every number a float) and the SDK's
unknown-checking proxy before a policy sees them."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from inferstack.policy.crossguard import policies


def type_token(obj: dict) -> str:
    api_version = obj["apiVersion"]
    group, _, version = api_version.rpartition("/")
    return f"kubernetes:{group or 'core'}/{version}:{obj['kind']}"


def wire(props: dict):
    struct = struct_pb2.Struct()
    struct.update(props)
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    props: dict
    protect: bool = False

    @property
    def urn(self) -> str:
        return f"urn:pulumi:test::inferstack::{self.type}::{self.name}"


def resources_of(objects: list[dict]) -> list[Resource]:
    out = []
    for i, obj in enumerate(objects):
        meta = obj.get("metadata") or {}
        # as the inferstack program does: retained volumes are protected
        protect = (meta.get("labels") or {}).get("inferstack.dev/retain") == "true"
        out.append(Resource(type_token(obj), f"{i}-{meta.get('namespace', '')}-{meta.get('name')}", obj, protect))
    return out


@dataclass(frozen=True)
class Violation:
    policy: str
    urn: str | None
    message: str

    @property
    def rule(self) -> str:
        return self.policy.split("-", 1)[0]


def run_pack(resources: list[Resource], config: dict | None = None) -> list[Violation]:
    """Every policy of the pack on every resource (resource policies) and on the stack (stack policies)."""
    config = {} if config is None else config
    out: list[Violation] = []
    for policy in policies():
        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                args = ResourceValidationArgs(r.type, wire(r.props), r.urn, r.name, options(r.protect), None, config)
                policy.validate(args, lambda msg, urn=None, r=r, p=policy: out.append(Violation(p.name, r.urn, msg)))
        elif isinstance(policy, StackValidationPolicy):
            stack = [PolicyResource(r.type, wire(r.props), r.urn, r.name, options(r.protect), None, None, [], {})
                     for r in resources]
            policy.validate(StackValidationArgs(stack, config),
                            lambda msg, urn=None, p=policy: out.append(Violation(p.name, urn, msg)))
    return out
