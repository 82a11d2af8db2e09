# A Python Pulumi program (runtime: python) using the generated SDK, pulumi_cloudengine. What it
# declares comes from program.json next to it (written by test/engine/programs.ts).
import json
import re

import pulumi
import pulumi_cloudengine as cloudengine

with open("program.json") as f:
    spec = json.load(f)

for name, group in spec.get("groups", {}).items():
    secrets = {k: pulumi.Output.secret(v) for k, v in group.get("secrets", {}).items()}
    g = cloudengine.EnvGroup(name, variables=group.get("variables"), secrets=secrets or None)
    pulumi.export(f"{name}Names", g.names)
    pulumi.export(f"{name}Variables", g.variables)
def snake(args):
    """The SDK's keyword arguments: engineImage -> engine_image."""
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): v for k, v in args.items()}


for name, args in spec.get("caches", {}).items():
    cloudengine.LeanCacheInstance(name, **snake(args))
for name, args in spec.get("apps", {}).items():
    cloudengine.EngineApp(name, **snake(args))
