"""The Pulumi side of inferstack: a rendered stack as Pulumi resources.

- `plan`: which resource each install and object becomes, its component, name and dependencies
  (pure: no Pulumi import, so it can be inspected and tested cheaply);
- `program`: builds the resources (ComponentResources, Helm releases, manifest bundles, objects,
  the kind cluster) and the stack outputs; `stacks/__main__.py` calls it;
- `mock`: runs the program in-process under Pulumi's mock runtime and records every registration;
- `preview`: prints that record as a resource tree (`inferstack preview`).
"""
