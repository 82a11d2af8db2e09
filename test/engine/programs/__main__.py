# A Python Pulumi program (runtime: python) using the generated SDK, pulumi_cloudengine. What it
# declares comes from program.json next to it (written by test/engine/programs.ts).
import json
import re

import pulumi
import pulumi_cloudengine as cloudengine

with open("program.json") as f:
    spec = json.load(f)
config = pulumi.Config()


def resolve(value):
    """The value with each {"config": key} in it replaced by that stack config secret."""
    if isinstance(value, dict) and list(value) == ["config"] and isinstance(value["config"], str):
        key = value["config"]
        return config.require_secret(key) if spec["config"][key] == "string" else config.require_secret_object(key)
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


for name, group in spec.get("groups", {}).items():
    # String secrets as users pass them (Output.secret); anything else as given, for validation to see.
    secrets = {k: pulumi.Output.secret(v) if isinstance(v, str) else resolve(v) for k, v in group.get("secrets", {}).items()}
    g = cloudengine.EnvGroup(name, variables=resolve(group.get("variables")), secrets=secrets or None)
    pulumi.export(f"{name}Names", g.names)
    pulumi.export(f"{name}Variables", g.variables)


def snake(args):
    """The SDK's keyword arguments: engineImage -> engine_image."""
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): v for k, v in args.items()}


caches = {name: cloudengine.LeanCacheInstance(name, **snake(resolve(args))) for name, args in spec.get("caches", {}).items()}
# An app's caches name LeanCacheInstances of the program by resource name.
for name, args in spec.get("apps", {}).items():
    args = resolve(args)
    if "caches" in args:
        args = {**args, "caches": [caches[c] for c in args["caches"]]}
    cloudengine.EngineApp(name, **snake(args))
