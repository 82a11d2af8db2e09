# An inline Automation API program using the generated Python SDK (pulumi_cloudengine), driven by
# test/engine: python envgroups.py <work dir> <preview|up> with the program in CE_PROGRAM:
# {"groups": {"<name>": {"variables": {...}, "secrets": {...}}}, "caches": {"<name>": {args}}}. The work dir holds Pulumi.yaml
# (which points the engine at the cloudengine plugin); the backend, home and passphrase come from
# the environment. Prints one JSON line: what the operation reported.
import json
import os
import sys

import pulumi
import pulumi_cloudengine as cloudengine
from pulumi import automation as auto

work_dir, action = sys.argv[1], sys.argv[2]
spec = json.loads(os.environ["CE_PROGRAM"])


def program():
    for name, group in spec.get("groups", {}).items():
        secrets = {k: pulumi.Output.secret(v) for k, v in group.get("secrets", {}).items()}
        g = cloudengine.EnvGroup(name, variables=group.get("variables"), secrets=secrets or None)
        pulumi.export(f"{name}Names", g.names)
        pulumi.export(f"{name}Variables", g.variables)
    for name, args in spec.get("caches", {}).items():
        cloudengine.LeanCacheInstance(name, **args)


stack = auto.create_or_select_stack(stack_name="dev", project_name="ce-python", program=program, work_dir=work_dir)
log = []
try:
    if action == "preview":
        result = stack.preview(on_output=log.append)
        print(json.dumps({"ok": True, "changes": result.change_summary, "log": "\n".join(log)}))
    elif action == "up":
        result = stack.up(on_output=log.append)
        outputs = {k: v.value for k, v in result.outputs.items()}
        print(json.dumps({"ok": True, "changes": result.summary.resource_changes, "outputs": outputs, "log": "\n".join(log)}))
    else:
        raise SystemExit(f"unknown action {action}")
except auto.CommandError as error:
    print(json.dumps({"ok": False, "error": str(error), "log": "\n".join(log)}))
