# A Python Pulumi program (runtime: python) using the generated SDK, pulumi_cloudengine. What it
# declares comes from program.json next to it (written by test/engine/programs.ts).
import json

import pulumi
import pulumi_cloudengine as cloudengine

with open("program.json") as f:
    spec = json.load(f)

for name, group in spec.get("groups", {}).items():
    secrets = {k: pulumi.Output.secret(v) for k, v in group.get("secrets", {}).items()}
    g = cloudengine.EnvGroup(name, variables=group.get("variables"), secrets=secrets or None)
    pulumi.export(f"{name}Names", g.names)
    pulumi.export(f"{name}Variables", g.variables)
for name, args in spec.get("caches", {}).items():
    cloudengine.LeanCacheInstance(name, **args)
