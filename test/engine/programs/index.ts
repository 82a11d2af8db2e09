// A TypeScript Pulumi program (runtime: nodejs) as a user writes one: the package from npm's name.
// What it declares comes from program.json next to it (written by test/engine/programs.ts).
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { EngineApp, EnvGroup, LeanCacheInstance } from "pulumi-cloudengine";

interface Spec {
    groups?: Record<string, { variables?: Record<string, string>; secrets?: Record<string, string> }>;
    caches?: Record<string, Record<string, unknown>>;
    apps?: Record<string, Record<string, unknown>>;
}

const spec: Spec = JSON.parse(fs.readFileSync("program.json", "utf8"));
const outputs: Record<string, pulumi.Output<unknown>> = {};
for (const [name, g] of Object.entries(spec.groups ?? {})) {
    const secrets = g.secrets && Object.fromEntries(Object.entries(g.secrets).map(([k, v]) => [k, pulumi.secret(v)]));
    const group = new EnvGroup(name, { variables: g.variables, secrets });
    outputs[`${name}Names`] = group.names;
    outputs[`${name}Variables`] = group.variables;
}
for (const [name, args] of Object.entries(spec.caches ?? {})) new LeanCacheInstance(name, args as never);
for (const [name, args] of Object.entries(spec.apps ?? {})) new EngineApp(name, args as never);

export = outputs;
