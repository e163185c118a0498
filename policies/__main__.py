"""inferstack's Pulumi CrossGuard pack: the policy rules of `inferstack check --policies`, as resource
policies (one object at a time) and stack policies (rules that need the other objects).
Everything lives in `inferstack.policy.crossguard`; constructing PolicyPack serves the policies to the
Pulumi CLI (`pulumi preview --policy-pack policies`) and blocks until the CLI is done."""

from pulumi_policy import PolicyPack

from inferstack.policy.crossguard import pack_arguments

PolicyPack(**pack_arguments())
