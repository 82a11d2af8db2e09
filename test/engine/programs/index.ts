// A TypeScript Pulumi program (runtime: nodejs) as a user writes one: the package from npm's name.
// What it declares comes from program.json next to it (written by test/engine/programs.ts).
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { EngineApp, EnvGroup, LeanCacheInstance } from "pulumi-cloudengine";

interface Spec {
    groups?: Record<string, { variables?: Record<string, unknown>; secrets?: Record<string, unknown> }>;
    caches?: Record<string, Record<string, unknown>>;
    apps?: Record<string, Record<string, unknown>>;
    /** The kind of each stack config secret: "string" or "object" (JSON: a number or a list). */
    config?: Record<string, "string" | "object">;
}

const spec: Spec = JSON.parse(fs.readFileSync("program.json", "utf8"));
const config = new pulumi.Config();

/** The value with each { config: key } in it replaced by that stack config secret. */
function resolve(value: unknown): unknown {
    if (typeof value === "object" && value !== null && Object.keys(value).length === 1 && typeof (value as { config?: unknown }).config === "string") {
        const key = (value as { config: string }).config;
        return spec.config?.[key] === "string" ? config.requireSecret(key) : config.requireSecretObject(key);
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
}

const outputs: Record<string, pulumi.Output<unknown>> = {};
for (const [name, g] of Object.entries(spec.groups ?? {})) {
    // String secrets as users pass them (pulumi.secret); anything else as given, for validation to see.
    const secrets = g.secrets && Object.fromEntries(Object.entries(g.secrets).map(([k, v]) => [k, typeof v === "string" ? pulumi.secret(v) : resolve(v)]));
    const group = new EnvGroup(name, { variables: resolve(g.variables), secrets } as never);
    outputs[`${name}Names`] = group.names;
    outputs[`${name}Variables`] = group.variables;
}
const caches: Record<string, LeanCacheInstance> = {};
for (const [name, args] of Object.entries(spec.caches ?? {})) caches[name] = new LeanCacheInstance(name, resolve(args) as never);
// An app's caches name LeanCacheInstances of the program by resource name.
for (const [name, args] of Object.entries(spec.apps ?? {})) {
    new EngineApp(name, { ...(resolve(args) as object), ...(Array.isArray(args.caches) && { caches: args.caches.map((c) => caches[c as string]) }) } as never);
}

export = outputs;
